//! Reserved for aoxide's Lua-compat layer, which will host AOS Lua blueprints beside Rust
//! handlers in one process (registering into the same handler registry). Nothing is
//! implemented here yet: no issue has asked for it so far.

#![warn(missing_docs)]
