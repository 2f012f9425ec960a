//! Hosts AOS Lua blueprints beside Rust handlers (planned).
