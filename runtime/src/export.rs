//! The `export!` macro: turns a process type into the AO module entry points (wasm32 only).
