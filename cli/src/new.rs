//! `cargo ao new PATH [--template counter|token|lua]`: a process crate that builds, tests
//! and runs out of the box. As with `cargo new`, PATH is the crate's directory and its last
//! component the crate's name (`--path DIR` puts crate PATH, then a bare name, in DIR).
//!
//! The crate is its own workspace, with path dependencies on an aoxide checkout (by default
//! the one this tool was built from), a copy of that checkout's `Cargo.lock` (so it resolves
//! the same versions, offline too), the module link arguments in `.cargo/config.toml`, a test
//! on `aoxide_host::Net`, a console script and a README.

use std::fmt;
use std::path::{Path, PathBuf};

/// A starting point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Template {
    /// A counter: init tag, a handler with a typed tag, a read-only handler.
    Counter,
    /// A token: balances in a journaled map, transfers with credit and debit notices.
    Token,
    /// A process whose handlers are Lua (aoxide's Lua layer, AOS style): a counter in
    /// `lua/process.lua`. Its module runs under ao-loader (`cargo ao run` starts it there).
    Lua,
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Template::Counter => "counter",
            Template::Token => "token",
            Template::Lua => "lua",
        })
    }
}

/// Why a crate could not be created.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum NewError {
    /// The directory exists and is not empty.
    #[error("{0} exists and is not empty")]
    #[diagnostic(help("pick another name or --path"))]
    Exists(PathBuf),
    /// Not a valid crate name.
    #[error("`{0}` is not a valid crate name")]
    #[diagnostic(help("use letters, digits, `-` and `_`, starting with a letter"))]
    BadName(String),
    /// Writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        source: std::io::Error,
    },
}

/// The aoxide checkout this binary was built from.
pub fn default_aoxide_path() -> PathBuf {
    let cli = Path::new(env!("CARGO_MANIFEST_DIR"));
    cli.parent().unwrap_or(cli).to_path_buf()
}

/// Where `cargo ao new ARG` creates its crate, and the crate's name, as `cargo new` reads
/// its argument: `ARG` is a path (relative to `cwd`), the name its last component. With
/// `--path DIR`, `ARG` is the name and `DIR` the directory.
pub fn destination(
    arg: &str,
    path: Option<PathBuf>,
    cwd: &Path,
) -> Result<(PathBuf, String), NewError> {
    if let Some(dir) = path {
        return Ok((cwd.join(dir), arg.to_owned()));
    }
    let name = Path::new(arg)
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| NewError::BadName(arg.to_owned()))?;
    Ok((cwd.join(arg), name.to_owned()))
}

fn valid_name(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Creates crate `name` from `template` in `dir`, with path dependencies on `aoxide`.
pub fn create(dir: &Path, name: &str, template: Template, aoxide: &Path) -> Result<(), NewError> {
    if !valid_name(name) {
        return Err(NewError::BadName(name.to_owned()));
    }
    let mut extra: Vec<(&str, &str)> = Vec::new();
    let mut deps = String::new();
    let (lib, test, script) = match template {
        Template::Counter => (
            include_str!("../templates/counter/lib.rs.in"),
            include_str!("../templates/counter/test.rs.in"),
            include_str!("../templates/counter/script.in"),
        ),
        Template::Token => (
            include_str!("../templates/token/lib.rs.in"),
            include_str!("../templates/token/test.rs.in"),
            include_str!("../templates/token/script.in"),
        ),
        Template::Lua => {
            extra.push((
                "lua/process.lua",
                include_str!("../templates/lua/process.lua.in"),
            ));
            extra.push((
                "README-lua.md",
                include_str!("../templates/lua/README.md.in"),
            ));
            deps.push_str("aoxide-lua = { path = \"{{aoxide}}/lua-compat\" }\n");
            (
                include_str!("../templates/lua/lib.rs.in"),
                include_str!("../templates/lua/test.rs.in"),
                include_str!("../templates/lua/script.in"),
            )
        }
    };
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(NewError::Exists(dir.to_path_buf()));
    }
    let aoxide = aoxide
        .canonicalize()
        .unwrap_or_else(|_| aoxide.to_path_buf());
    let aoxide_text = aoxide.display().to_string();
    let crate_ident = name.replace('-', "_");
    let module = aoxide_build::ModuleSpec::parse(name).name;
    let fill = |text: &str| {
        text.replace("{{name}}", name)
            .replace("{{crate}}", &crate_ident)
            .replace("{{module}}", &module)
            .replace("{{template}}", &template.to_string())
            .replace("{{aoxide}}", &aoxide_text)
    };
    let deps = fill(&deps);
    let fill = |text: &str| fill(&text.replace("{{extra-dependencies}}", &deps));
    let config = {
        let mut s = String::from(
            "# The link arguments every AO module needs (aoxide::module_abi::LINK_ARGS).\n\
             [target.wasm32-unknown-unknown]\nrustflags = [\n",
        );
        for arg in aoxide::module_abi::LINK_ARGS {
            s.push_str(&format!("    \"-C\", \"link-arg={arg}\",\n"));
        }
        s.push_str("]\n");
        s
    };
    let mut files: Vec<(&str, String)> = vec![
        (
            "Cargo.toml",
            fill(include_str!("../templates/common/Cargo.toml.in")),
        ),
        (
            ".gitignore",
            fill(include_str!("../templates/common/gitignore.in")),
        ),
        (
            "README.md",
            fill(include_str!("../templates/common/README.md.in")),
        ),
        (".cargo/config.toml", config),
        ("src/lib.rs", fill(lib)),
        ("tests/net.rs", fill(test)),
        ("demo.aos", fill(script)),
    ];
    for (rel, text) in extra {
        files.push((rel, fill(text)));
    }
    if let Ok(lock) = std::fs::read_to_string(aoxide.join("Cargo.lock")) {
        files.push(("Cargo.lock", lock));
    }
    for (rel, contents) in files {
        let path = dir.join(rel);
        let io = |source| NewError::Io {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(&path, contents).map_err(io)?;
    }
    Ok(())
}
