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
//!
//! The AOS environment (`src/lua/aos.lua`, `src/lua/utils.lua`) is precompiled into Lua
//! binary chunks (`aoxide-lua-build`), so a spawn does not parse it.
//!
//! Natively the system C compiler builds it (through `lua-src` and `cc`). For an AO module
//! (`wasm32-unknown-unknown`) the compiler is zig's clang from PyPI, installed by
//! `scripts/setup-lua-toolchain` (see `wasm32` below and the crate's README).

use std::path::{Path, PathBuf};

/// The determinism defines, for every target.
const DEFINES: &[&str] = &[
    "-Dluai_makeseed()=({return(0x5eed5eedu);0u;})",
    "-Dl_randomizePivot()=0u",
    "-DLUA_COMPAT_5_2",
];

/// What only the module's build adds: Lua's `snprintf` calls go to `csrc/fmt.c`, which
/// writes integers itself (see there).
const WASM32_DEFINES: &[&str] = &["-Dsnprintf=aoxide_snprintf"];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(aoxide_lua_bytecode)");
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    if target.starts_with("wasm32") {
        wasm32::build();
        return;
    }
    let var = format!("CFLAGS_{}", target.replace('-', "_"));
    let mut all = std::env::var(&var).unwrap_or_default();
    for define in DEFINES {
        all.push(' ');
        all.push_str(define);
    }
    // The `cc` crate that `lua-src` drives reads the target's CFLAGS from the environment.
    std::env::set_var(&var, all.trim());
    // Optimised in every profile: the VM is a dependency, and tests run Lua loops.
    let artifacts = lua_src::Build::new()
        .opt_level("2")
        .debug(false)
        .build(lua_src::Lua53);
    artifacts.print_cargo_metadata();
    chunks();
}

/// Precompiles the AOS environment into binary chunks in OUT_DIR (`aoxide-lua-build`) and
/// tells the crate to load them (`aoxide_lua_bytecode`); where that cannot be done (an
/// MSVC toolchain) the crate parses the text.
fn chunks() {
    match aoxide_lua_build::Chunks::new() {
        Ok(chunks) => {
            chunks.compile("aos", "src/lua/aos.lua", "=aos");
            chunks.compile("utils", "src/lua/utils.lua", "=.utils");
            println!("cargo:rustc-cfg=aoxide_lua_bytecode");
        }
        Err(e) => println!("cargo:warning={e}; the AOS environment is parsed at every spawn"),
    }
}

/// The wasm32 build: C Lua and aoxide-lua's C shims compiled by zig's clang for
/// `wasm32-wasi` with wasm exception handling (legacy encoding, what Node 20 runs), and
/// linked with zig's wasi-libc archives, so that the module still imports only
/// `env.emscripten_resize_heap`:
///
/// - `csrc/sjlj.c`, `csrc/c_longjmp.S`: setjmp/longjmp over wasm exceptions;
/// - `csrc/wasi.c`: the WASI calls wasi-libc leaves behind, answered inside the module;
/// - `csrc/alloc.c`: the C allocator over the module's `malloc`/`free` (aoxide's exports);
/// - `csrc/nolibs.c`: `luaopen_io`/`luaopen_os` that keep Lua's io and os libraries (and
///   the parts of libc they pull in) out of the module;
/// - `csrc/fmt.c`: integers as text without libc's printf engine (`WASM32_DEFINES`).
///
/// `lua-src` only builds for `wasm32-wasip1`, so it is driven with that target and a
/// compiler wrapper (`CC_wasm32_wasip1`) that targets `wasm32-wasi`, drops what wasi-libc
/// cannot honour (`LUA_USE_POSIX`: `popen`, `mkstemp`) and replaces lua-src's exception
/// flags with the legacy encoding.
mod wasm32 {
    use super::*;

    /// The zig release `scripts/setup-lua-toolchain` installs (checked by a test).
    pub const ZIG_VERSION: &str = "0.17.1";

    /// Where `scripts/setup-lua-toolchain` puts the toolchain (the same rule as the script).
    fn toolchain_dir() -> Option<PathBuf> {
        if let Some(dir) = std::env::var_os("AOXIDE_LUA_TOOLCHAIN") {
            return Some(PathBuf::from(dir));
        }
        let cache = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
        Some(
            cache
                .join("aoxide")
                .join(format!("lua-toolchain-zig-{ZIG_VERSION}")),
        )
    }

    fn missing(dir: Option<&Path>) -> ! {
        let at = dir
            .map(|d| format!(" (looked in {})", d.display()))
            .unwrap_or_default();
        panic!(
            "\n\naoxide-lua: building C Lua for wasm32 (an AO module with the Lua layer) needs \
             zig {ZIG_VERSION}, which is not installed{at}.\n\
             Run `scripts/setup-lua-toolchain` from the aoxide repository (a pinned `pip \
             install ziglang=={ZIG_VERSION}`, about a minute), or point AOXIDE_LUA_TOOLCHAIN \
             at a directory it prepared.\n\n"
        );
    }

    pub fn build() {
        println!("cargo:rerun-if-env-changed=AOXIDE_LUA_TOOLCHAIN");
        println!("cargo:rerun-if-env-changed=XDG_CACHE_HOME");
        println!("cargo:rerun-if-changed=csrc");
        let dir = toolchain_dir();
        let Some(dir) = dir.filter(|d| d.join("ready").is_file()) else {
            missing(toolchain_dir().as_deref());
        };
        println!("cargo:rerun-if-changed={}", dir.join("ready").display());
        let zig = dir.join("py").join("ziglang").join("zig");
        if !zig.is_file() {
            missing(Some(&dir));
        }
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
        let (cc, ar) = write_wrappers(&out, &zig, &dir);
        let host = std::env::var("HOST").expect("cargo sets HOST");

        std::env::set_var("CC_wasm32_wasip1", &cc);
        std::env::set_var("AR_wasm32_wasip1", &ar);
        // Optimised for size (`-Os`), in the module only: a compute unit meeting the module
        // for the first time compiles, on first call, every function the first messages
        // reach, so bytes are latency there. Measured on `lua-token.wasm`: the function
        // bodies V8 compiles for the spawn and the first `Balance` 153.9 KB at -O2, 141.0 KB
        // at -Os, the module 776,837 -> 743,049 bytes, a Transfer under `UNSAFE_MEMORY`
        // the same within the noise (medians of 5 x 2,000 Transfers, interleaved).
        let lua = lua_src::Build::new()
            .target("wasm32-wasip1")
            .host(&host)
            .out_dir(out.join("lua"))
            .opt_level("s")
            .debug(false)
            .build(lua_src::Lua53);

        cc::Build::new()
            .target("wasm32-wasip1")
            .host(&host)
            .compiler(&cc)
            .archiver(&ar)
            .opt_level_str("s")
            .debug(false)
            .warnings(true)
            .file("csrc/sjlj.c")
            .file("csrc/c_longjmp.S")
            .file("csrc/wasi.c")
            .file("csrc/alloc.c")
            .file("csrc/nolibs.c")
            .file("csrc/fmt.c")
            .include(lua.include_dir())
            .out_dir(out.join("shim"))
            .cargo_metadata(false)
            .compile("aoxide_lua_shim");
        // Archives are linked in the order named here, and a symbol comes from the first
        // that defines it: the shims first, so that `csrc/nolibs.c` keeps liolib.o and
        // loslib.o of the Lua archive out. Not bundled into the rlib, so the order holds at
        // the module's link.
        println!(
            "cargo:rustc-link-search=native={}",
            out.join("shim").display()
        );
        println!("cargo:rustc-link-lib=static:-bundle=aoxide_lua_shim");
        println!("cargo:rustc-link-search=native={}", lua.lib_dir().display());
        println!("cargo:rustc-link-lib=static:-bundle=lua5.3");

        // zig's wasi-libc: copied under names that cannot clash with a system library.
        let libs = out.join("wasi-libc");
        std::fs::create_dir_all(&libs).expect("create OUT_DIR/wasi-libc");
        for (file, name) in [
            ("libc.a", "aoxide_zig_c"),
            ("libzigc.a", "aoxide_zig_zigc"),
            ("libcompiler_rt.a", "aoxide_zig_compiler_rt"),
        ] {
            let from = dir.join("wasi").join(file);
            if !from.is_file() {
                missing(Some(&dir));
            }
            std::fs::copy(&from, libs.join(format!("lib{name}.a")))
                .unwrap_or_else(|e| panic!("copy {}: {e}", from.display()));
            println!("cargo:rustc-link-lib=static:-bundle={name}");
        }
        println!("cargo:rustc-link-search=native={}", libs.display());

        chunks();
    }

    /// Writes the `cc` and `ar` wrappers into `out` and returns their paths.
    fn write_wrappers(out: &Path, zig: &Path, dir: &Path) -> (PathBuf, PathBuf) {
        let quote = |p: &Path| format!("'{}'", p.display().to_string().replace('\'', r"'\''"));
        let defines = DEFINES
            .iter()
            .chain(WASM32_DEFINES)
            .map(|d| format!("'{d}'"))
            .collect::<Vec<_>>()
            .join(" ");
        let env = format!(
            "export ZIG_GLOBAL_CACHE_DIR={cache}\nexport ZIG_LOCAL_CACHE_DIR={cache}\n",
            cache = quote(&dir.join("zig-cache")),
        );
        let cc = format!(
            r#"#!/bin/sh
# Written by aoxide-lua's build.rs: zig's clang for wasm32-wasi with wasm exception handling.
{env}started=
skip=
llvm=
for a in "$@"; do
    if [ -z "$started" ]; then set --; started=1; fi
    if [ -n "$skip" ]; then skip=; continue; fi
    if [ -n "$llvm" ]; then llvm=; continue; fi
    case "$a" in
        -mllvm) llvm=1 ;;
        -target) skip=1 ;;
        --target=*|-DLUA_USE_POSIX|-fPIC|-fpic) ;;
        *) set -- "$@" "$a" ;;
    esac
done
exec {zig} cc -target wasm32-wasi -mexception-handling -mllvm -wasm-enable-sjlj -mllvm -wasm-use-legacy-eh=true {defines} "$@"
"#,
            zig = quote(zig),
        );
        let ar = format!(
            "#!/bin/sh\n# Written by aoxide-lua's build.rs.\n{env}exec {zig} ar \"$@\"\n",
            zig = quote(zig),
        );
        let cc_path = out.join("zig-cc");
        let ar_path = out.join("zig-ar");
        for (path, text) in [(&cc_path, cc), (&ar_path, ar)] {
            std::fs::write(path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                    .unwrap_or_else(|e| panic!("chmod {}: {e}", path.display()));
            }
        }
        (cc_path, ar_path)
    }
}
