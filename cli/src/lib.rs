//! The library behind `cargo ao`: each subcommand is a function here that tests call
//! directly; `main.rs` only parses arguments.

#![warn(missing_docs)]

pub mod build_cmd;
pub mod console;
pub mod native;
pub mod new;
