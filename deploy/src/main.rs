//! `ao-deploy`: the publish/spawn/send/result/dry-run commands (mounted in `cargo ao` at merge).

fn main() {}
