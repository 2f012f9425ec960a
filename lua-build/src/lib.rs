//! # aoxide-lua-build
//!
//! Precompiles Lua files into Lua 5.3 binary chunks, from a build script, for
//! [`aoxide-lua`]: a process that boots from a binary chunk does not parse the file at
//! every spawn (in the AO module under ao-loader, parsing was about a quarter of a spawn's
//! time, and the parser's code is no longer compiled by the host at a spawn).
//!
//! The chunk is made by C Lua 5.3.6 itself (the same sources aoxide-lua runs), built for
//! the build machine and linked into a small tool (`csrc/luadump.c`: `lua_dump` with the
//! debug information kept, so tracebacks read as from the text), then rewritten for the
//! target's `size_t` (wasm32's is 4 bytes; see the `resize` module).
//!
//! ```no_run
//! // in build.rs of a process crate
//! let chunks = aoxide_lua_build::Chunks::new().expect("a gcc- or clang-like C compiler");
//! chunks.compile("token", "lua/token.lua", "lua/token.lua");
//! ```
//!
//! and in the crate, `aoxide_lua::lua_chunk!("token")` is the [`LuaSource`] to boot with.
//! Loading a binary chunk is for the process' own files only: `load` from Lua (and `Eval`)
//! takes text.
//!
//! [`aoxide-lua`]: https://docs.rs/aoxide-lua
//! [`LuaSource`]: https://docs.rs/aoxide-lua/latest/aoxide_lua/struct.LuaSource.html

#![warn(missing_docs)]

mod resize;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The dump tool's source, written into OUT_DIR and compiled there.
const LUADUMP_C: &str = include_str!("../csrc/luadump.c");

/// The build machine's C compiler cannot link the tool the way this crate does (MSVC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsupported(pub String);

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot precompile Lua here: {}", self.0)
    }
}

impl std::error::Error for Unsupported {}

/// The dump tool, ready in OUT_DIR, and where the chunks go.
#[derive(Debug, Clone)]
pub struct Chunks {
    out: PathBuf,
    tool: PathBuf,
    target_size_t: usize,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("aoxide-lua-build: {name} is not set (call it from a build script)")
    })
}

impl Chunks {
    /// Builds C Lua for the build machine and the dump tool into `OUT_DIR` (once: a later
    /// run of the build script finds them there). Call from a build script.
    ///
    /// # Panics
    /// When run outside a build script, or when compiling fails.
    pub fn new() -> Result<Chunks, Unsupported> {
        let out = PathBuf::from(var("OUT_DIR"));
        let host = var("HOST");
        let width: usize = var("CARGO_CFG_TARGET_POINTER_WIDTH")
            .parse()
            .expect("a pointer width");
        let endian = var("CARGO_CFG_TARGET_ENDIAN");
        if endian != "little" {
            return Err(Unsupported(format!("the target is {endian}-endian")));
        }
        let dir = out.join("aoxide-lua-build");
        let tool = dir.join("luadump");
        let compiler = cc::Build::new()
            .target(&host)
            .host(&host)
            .opt_level(1)
            .cargo_metadata(false)
            .get_compiler();
        if compiler.is_like_msvc() {
            return Err(Unsupported("the C compiler is MSVC".into()));
        }
        let source = dir.join("luadump.c");
        let current = std::fs::read_to_string(&source).ok().as_deref() == Some(LUADUMP_C);
        if !current || !tool.is_file() {
            // Optimised a little: it only parses.
            let lua = lua_src::Build::new()
                .target(&host)
                .host(&host)
                .out_dir(dir.join("lua"))
                .opt_level("1")
                .debug(false)
                .build(lua_src::Lua53);
            std::fs::create_dir_all(&dir).expect("create OUT_DIR/aoxide-lua-build");
            std::fs::write(&source, LUADUMP_C).expect("write luadump.c");
            let status = compiler
                .to_command()
                .arg(&source)
                .arg("-I")
                .arg(lua.include_dir())
                .arg(lua.lib_dir().join("liblua5.3.a"))
                .arg("-lm")
                .arg("-o")
                .arg(&tool)
                .status()
                .unwrap_or_else(|e| panic!("aoxide-lua-build: cannot run the C compiler: {e}"));
            assert!(
                status.success(),
                "aoxide-lua-build: building luadump failed"
            );
        }
        Ok(Chunks {
            out,
            tool,
            target_size_t: width / 8,
        })
    }

    /// Compiles the Lua file at `path` (relative to the crate's manifest directory) into
    /// `OUT_DIR/<key>.luac`, with `chunk_name` as the chunk's name (what error messages and
    /// tracebacks show: the name the text would be loaded with), and asks cargo to run the
    /// build script again when the file changes. Returns the chunk's path.
    ///
    /// # Panics
    /// When the file does not compile (a syntax error is reported with its line).
    pub fn compile(&self, key: &str, path: impl AsRef<Path>, chunk_name: &str) -> PathBuf {
        let path = path.as_ref();
        println!("cargo:rerun-if-changed={}", path.display());
        let raw = self.out.join(format!("{key}.luac.host"));
        let output = Command::new(&self.tool)
            .arg(chunk_name)
            .arg(path)
            .arg(&raw)
            .output()
            .unwrap_or_else(|e| panic!("aoxide-lua-build: cannot run luadump: {e}"));
        assert!(
            output.status.success(),
            "aoxide-lua-build: {} does not compile: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
        let bytes = std::fs::read(&raw).expect("luadump wrote its chunk");
        let bytes = resize::resize(&bytes, self.target_size_t).unwrap_or_else(|e| {
            panic!(
                "aoxide-lua-build: the binary chunk of {}: {e}",
                path.display()
            )
        });
        let chunk = self.out.join(format!("{key}.luac"));
        std::fs::write(&chunk, bytes).expect("write the chunk");
        chunk
    }
}
