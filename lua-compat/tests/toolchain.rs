//! The wasm32 build of C Lua (build.rs) and `scripts/setup-lua-toolchain` agree on the zig
//! release and on where it is installed, so the build finds what the script installed.

const BUILD: &str = include_str!("../build.rs");
const SETUP: &str = include_str!("../../scripts/setup-lua-toolchain");

fn quoted_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    let start = text.find(prefix).unwrap_or_else(|| panic!("no `{prefix}`")) + prefix.len();
    let rest = &text[start..];
    let end = rest
        .find(['"', '\n'])
        .unwrap_or_else(|| panic!("`{prefix}` is not terminated"));
    &rest[..end]
}

#[test]
fn build_rs_and_the_setup_script_pin_the_same_zig() {
    let build = quoted_after(BUILD, "pub const ZIG_VERSION: &str = \"");
    let setup = quoted_after(SETUP, "\nZIG_VERSION=");
    assert_eq!(build, setup);
    assert!(SETUP.contains("\"ziglang==$ZIG_VERSION\""), "pip pins it");
}

#[test]
fn build_rs_looks_where_the_setup_script_installs() {
    assert!(SETUP.contains(
        "${AOXIDE_LUA_TOOLCHAIN:-${XDG_CACHE_HOME:-$HOME/.cache}/aoxide/lua-toolchain-zig-$ZIG_VERSION}"
    ));
    for needle in [
        "\"AOXIDE_LUA_TOOLCHAIN\"",
        "\"XDG_CACHE_HOME\"",
        ".join(\".cache\")",
        "format!(\"lua-toolchain-zig-{ZIG_VERSION}\")",
        ".join(\"ready\")",
        ".join(\"py\").join(\"ziglang\").join(\"zig\")",
    ] {
        assert!(BUILD.contains(needle), "build.rs: {needle}");
    }
    for needle in ["$dir/ready", "$dir/py", "$dir/wasi/$lib"] {
        assert!(SETUP.contains(needle), "setup script: {needle}");
    }
}
