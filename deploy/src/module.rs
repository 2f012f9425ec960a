//! Module data items: the wasm bytes and the tags AO's compute units read, plus aoxide's own.

use sha2::{Digest, Sha256};

use crate::ans104::{Tag, UnsignedItem};

/// The custom section an aoxide module describes its handlers in.
pub const INTERFACE_SECTION: &str = "aoxide.interface";
/// The custom section that marks a dev module (`aoxide_build::DEV_SECTION`): `cargo ao
/// build` without `--release` wrote it and no binaryen optimised it, so it is not signed.
pub const DEV_SECTION: &str = "aoxide.dev";
/// The tag carrying the aoxide version a module was published with.
pub const VERSION_TAG: &str = "Aoxide-Version";
/// The tag carrying the SHA-256 (hex) of the module's `aoxide.interface` section.
pub const INTERFACE_HASH_TAG: &str = "Aoxide-Interface-Hash";
/// The aoxide version this crate belongs to.
pub const AOXIDE_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The default `Memory-Limit`.
pub const DEFAULT_MEMORY_LIMIT: &str = "256-mb";
/// The default `Compute-Limit`: the legacy CU's maximum.
pub const DEFAULT_COMPUTE_LIMIT: &str = "9000000000000";

/// The `Module-Format` of an aoxide module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModuleFormat {
    /// `wasm32-unknown-emscripten4`: the plain build.
    #[value(name = "wasm32-unknown-emscripten4")]
    Emscripten4,
    /// `wasm32-unknown-emscripten-metering`: the build with the metering lowering.
    #[value(name = "wasm32-unknown-emscripten-metering")]
    Metering,
}

impl ModuleFormat {
    /// The tag value.
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleFormat::Emscripten4 => "wasm32-unknown-emscripten4",
            ModuleFormat::Metering => "wasm32-unknown-emscripten-metering",
        }
    }

    /// The format `scripts/build-wasm.sh` gives a file name: `NAME.metering.wasm` is the
    /// metering build, anything else the plain one.
    pub fn from_file_name(name: &str) -> Self {
        if name.ends_with(".metering.wasm") {
            ModuleFormat::Metering
        } else {
            ModuleFormat::Emscripten4
        }
    }
}

/// The tags of a module item beyond the wasm bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleOptions {
    /// `Module-Format`.
    pub format: ModuleFormat,
    /// `Memory-Limit`, for example `16-mb`, `1-gb`.
    pub memory_limit: String,
    /// `Compute-Limit`.
    pub compute_limit: String,
    /// `Name`, if any (aos looks modules up by it).
    pub name: Option<String>,
    /// More tags, after the standard ones.
    pub extra: Vec<Tag>,
}

impl Default for ModuleOptions {
    fn default() -> Self {
        ModuleOptions {
            format: ModuleFormat::Emscripten4,
            memory_limit: DEFAULT_MEMORY_LIMIT.to_string(),
            compute_limit: DEFAULT_COMPUTE_LIMIT.to_string(),
            name: None,
            extra: Vec::new(),
        }
    }
}

/// Why wasm bytes cannot be published as a module.
#[derive(Debug, thiserror::Error)]
pub enum ModuleError {
    /// Not a WebAssembly module.
    #[error("not a WebAssembly module: {0}")]
    Malformed(String),
    /// A dev module ([`DEV_SECTION`]): about 10% larger than the module to publish.
    #[error(
        "this is a dev build (it carries the `{DEV_SECTION}` section): binaryen never optimised \
         it, and it is not published"
    )]
    DevBuild,
    /// A limit that is not of the form AO's units accept.
    #[error("{tag} {value:?} is not valid: {expected}")]
    Limit {
        /// `Memory-Limit` or `Compute-Limit`.
        tag: &'static str,
        /// The value given.
        value: String,
        /// What is accepted.
        expected: &'static str,
    },
}

/// The contents of the module's first `aoxide.interface` custom section, or `None` if it
/// has none (a module not built by aoxide's macros). Reads the whole module structure, so
/// malformed bytes are an error.
pub fn interface_section(wasm: &[u8]) -> Result<Option<Vec<u8>>, ModuleError> {
    let mut found = None;
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| ModuleError::Malformed(e.to_string()))?;
        if let wasmparser::Payload::CustomSection(section) = payload {
            if section.name() == INTERFACE_SECTION && found.is_none() {
                found = Some(section.data().to_vec());
            }
        }
    }
    Ok(found)
}

/// Whether the module carries [`DEV_SECTION`].
pub fn is_dev_build(wasm: &[u8]) -> Result<bool, ModuleError> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let payload = payload.map_err(|e| ModuleError::Malformed(e.to_string()))?;
        if matches!(payload, wasmparser::Payload::CustomSection(s) if s.name() == DEV_SECTION) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The SHA-256 (lower-case hex) of the module's `aoxide.interface` section, if it has one.
pub fn interface_hash(wasm: &[u8]) -> Result<Option<String>, ModuleError> {
    Ok(interface_section(wasm)?.map(|data| {
        Sha256::digest(data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }))
}

fn check_memory_limit(value: &str) -> Result<(), ModuleError> {
    let err = || ModuleError::Limit {
        tag: "Memory-Limit",
        value: value.to_string(),
        expected: "a number and a unit, like 16-mb, 512-mb or 1-gb (at most 1-gb on the legacy CU)",
    };
    let (number, unit) = value.split_once('-').ok_or_else(err)?;
    let n: u64 = number.parse().map_err(|_| err())?;
    let bytes = match unit {
        "kb" => n.checked_mul(1 << 10),
        "mb" => n.checked_mul(1 << 20),
        "gb" => n.checked_mul(1 << 30),
        _ => None,
    }
    .ok_or_else(err)?;
    if bytes == 0 || bytes > 1 << 30 {
        return Err(err());
    }
    Ok(())
}

fn check_compute_limit(value: &str) -> Result<(), ModuleError> {
    match value.parse::<u64>() {
        Ok(n) if n > 0 && n <= 9_000_000_000_000 => Ok(()),
        _ => Err(ModuleError::Limit {
            tag: "Compute-Limit",
            value: value.to_string(),
            expected: "a whole number from 1 to 9000000000000",
        }),
    }
}

/// The tags of a module item for `wasm`, in the order they are signed. A dev module
/// ([`DEV_SECTION`]) is refused.
pub fn module_tags(wasm: &[u8], options: &ModuleOptions) -> Result<Vec<Tag>, ModuleError> {
    if is_dev_build(wasm)? {
        return Err(ModuleError::DevBuild);
    }
    check_memory_limit(&options.memory_limit)?;
    check_compute_limit(&options.compute_limit)?;
    let interface = interface_hash(wasm)?;
    let mut tags = crate::ao::protocol_tags("Module");
    tags.extend([
        Tag::new("Module-Format", options.format.as_str()),
        Tag::new("Input-Encoding", "JSON-1"),
        Tag::new("Output-Encoding", "JSON-1"),
        Tag::new("Memory-Limit", options.memory_limit.as_str()),
        Tag::new("Compute-Limit", options.compute_limit.as_str()),
        Tag::new("Content-Type", "application/wasm"),
    ]);
    if let Some(name) = &options.name {
        tags.push(Tag::new("Name", name.as_str()));
    }
    tags.push(Tag::new(VERSION_TAG, AOXIDE_VERSION));
    if let Some(hash) = interface {
        tags.push(Tag::new(INTERFACE_HASH_TAG, hash));
    }
    tags.extend(options.extra.iter().cloned());
    Ok(tags)
}

/// The unsigned module item for `wasm`.
pub fn module_item(wasm: Vec<u8>, options: &ModuleOptions) -> Result<UnsignedItem, ModuleError> {
    let tags = module_tags(&wasm, options)?;
    Ok(UnsignedItem::new(tags, wasm))
}

#[cfg(test)]
mod tests {
    use super::*;

    // (module (@custom "aoxide.interface" "{}")): magic, version, one custom section.
    const WITH_INTERFACE: &[u8] = b"\0asm\x01\0\0\0\x00\x13\x10aoxide.interface{}";

    #[test]
    fn interface_hash_is_the_section_sha256() {
        let hash = interface_hash(WITH_INTERFACE).unwrap().unwrap();
        let expect: String = Sha256::digest(b"{}")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(hash, expect);
        assert_eq!(interface_hash(b"\0asm\x01\0\0\0").unwrap(), None);
        assert!(interface_hash(b"not wasm").is_err());
    }

    #[test]
    fn tags_carry_format_limits_and_aoxide_tags() {
        let opts = ModuleOptions {
            format: ModuleFormat::Metering,
            name: Some("token".into()),
            ..ModuleOptions::default()
        };
        let tags = module_tags(WITH_INTERFACE, &opts).unwrap();
        let get = |n: &str| tags.iter().find(|t| t.name == n).map(|t| t.value.as_str());
        assert_eq!(
            get("Module-Format"),
            Some("wasm32-unknown-emscripten-metering")
        );
        assert_eq!(get("Memory-Limit"), Some(DEFAULT_MEMORY_LIMIT));
        assert_eq!(get("Name"), Some("token"));
        assert_eq!(get(VERSION_TAG), Some(AOXIDE_VERSION));
        assert_eq!(get(INTERFACE_HASH_TAG).map(str::len), Some(64));
    }

    #[test]
    fn bad_limits_are_refused() {
        for bad in ["16", "0-mb", "2-gb", "x-mb", "16-tb", ""] {
            let opts = ModuleOptions {
                memory_limit: bad.into(),
                ..ModuleOptions::default()
            };
            assert!(module_tags(WITH_INTERFACE, &opts).is_err(), "{bad}");
        }
        let opts = ModuleOptions {
            compute_limit: "9000000000001".into(),
            ..ModuleOptions::default()
        };
        assert!(module_tags(WITH_INTERFACE, &opts).is_err());
    }

    #[test]
    fn a_dev_build_is_refused() {
        // WITH_INTERFACE plus (@custom "aoxide.dev" "x").
        let mut dev = WITH_INTERFACE.to_vec();
        dev.extend(b"\x00\x0c\x0aaoxide.devx");
        assert!(is_dev_build(&dev).unwrap());
        assert!(!is_dev_build(WITH_INTERFACE).unwrap());
        let err = module_tags(&dev, &ModuleOptions::default()).unwrap_err();
        assert!(matches!(err, ModuleError::DevBuild), "{err}");
        assert!(module_tags(WITH_INTERFACE, &ModuleOptions::default()).is_ok());
    }

    #[test]
    fn format_from_file_name() {
        assert_eq!(
            ModuleFormat::from_file_name("token.metering.wasm"),
            ModuleFormat::Metering
        );
        assert_eq!(
            ModuleFormat::from_file_name("token.wasm"),
            ModuleFormat::Emscripten4
        );
    }
}
