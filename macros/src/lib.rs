//! Procedural macros for aoxide. The handler macros arrive with the handler-framework work.
