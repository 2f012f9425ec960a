//! Builds C Lua 5.3.6 (the sources vendored by `lua-src`) with the defines that make the VM
//! deterministic, and links it for `mlua-sys` (which is `external`).
//!
//! - `luai_makeseed`: Lua 5.3 mixes heap, stack and code addresses into the string hash
//!   seed, so `pairs` order would change between runs and hosts. The define makes
//!   `makeseed` return a constant before it reads any address (a statement expression
//!   with `return`, which gcc and clang accept).
//! - `l_randomizePivot`: `table.sort` would read the clock; the pivot seed is 0.
//! - `LUA_COMPAT_5_2`: what the reference `make` of 5.3 sets and AOS has (`bit32`,
//!   `math.pow`, ...).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    if target.starts_with("wasm32") {
        // The wasm32 build of C Lua needs the C toolchain of the spec (zig from PyPI, wasm
        // exception handling): not wired yet. Type-checking works; linking will not.
        println!("cargo:warning=aoxide-lua: no wasm32 build of C Lua yet (linking will fail)");
        return;
    }
    let flags =
        "-Dluai_makeseed()=({return(0x5eed5eedu);0u;}) -Dl_randomizePivot()=0u -DLUA_COMPAT_5_2";
    let var = format!("CFLAGS_{}", target.replace('-', "_"));
    let mut all = std::env::var(&var).unwrap_or_default();
    all.push(' ');
    all.push_str(flags);
    // The `cc` crate that `lua-src` drives reads the target's CFLAGS from the environment.
    std::env::set_var(&var, all.trim());
    // Optimised in every profile: the VM is a dependency, and tests run Lua loops.
    let artifacts = lua_src::Build::new()
        .opt_level("2")
        .debug(false)
        .build(lua_src::Lua53);
    artifacts.print_cargo_metadata();
}
