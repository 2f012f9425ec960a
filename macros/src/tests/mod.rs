//! Tests of the macros without a compiler: one test per error rule on `parse_quote!`
//! inputs ([`rules`]), whole items through parse and validate ([`ir`]), and snapshots of
//! what the macros generate for the examples and blueprints ([`expansion`]).

mod expansion;
mod ir;
mod rules;
