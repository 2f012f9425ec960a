//! Dev modules: what `cargo ao build` writes without `--release` when binaryen's `-Oz` output
//! for the same input is not cached.
//!
//! binaryen's `-Oz` costs about 2 to 4 CPU-seconds per module (more than cargo's incremental
//! compile of a changed crate), so the inner loop skips it: a dev module is the linked module
//! with its `name` section (function names, a quarter of cargo's output) dropped and a
//! [`DEV_SECTION`] added. It runs and validates like the published one and is about 10%
//! larger (measured on `scripts/modules.txt`: README, "cargo ao"); `cargo ao publish`
//! refuses it, since the section says that binaryen never saw it.

use wasm_encoder::{CustomSection, Module, RawSection};
use wasmparser::{Parser, Payload};

use crate::rewrite::RewriteError;

/// The custom section that marks a dev module: its contents say how to get the module to
/// publish. Never in a module `cargo ao build --release` writes.
pub const DEV_SECTION: &str = "aoxide.dev";

/// What [`DEV_SECTION`] holds.
pub const DEV_NOTE: &str =
    "dev build: not optimised by binaryen; `cargo ao build --release` writes the module to publish";

/// Custom sections a dev module drops: the function names (binaryen's `-Oz` drops them too).
const DROPPED: &[&str] = &["name"];

/// The dev module of a linked module: every section copied as it is except the custom
/// sections of `DROPPED`, and [`DEV_SECTION`] appended.
pub fn dev_module(bytes: &[u8]) -> Result<Vec<u8>, RewriteError> {
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload?;
        if let Payload::CustomSection(section) = &payload {
            if DROPPED.contains(&section.name()) || section.name() == DEV_SECTION {
                continue;
            }
        }
        if let Some((id, range)) = payload.as_section() {
            module.section(&RawSection {
                id,
                data: &bytes[range],
            });
        }
    }
    module.section(&CustomSection {
        name: DEV_SECTION.into(),
        data: DEV_NOTE.as_bytes().into(),
    });
    Ok(module.finish())
}

/// Whether `bytes` carry [`DEV_SECTION`] (a module no binaryen optimised). Unreadable
/// bytes are not a dev module.
pub fn is_dev_module(bytes: &[u8]) -> bool {
    Parser::new(0)
        .parse_all(bytes)
        .any(|p| matches!(p, Ok(Payload::CustomSection(s)) if s.name() == DEV_SECTION))
}

#[cfg(test)]
mod tests {
    use super::{dev_module, is_dev_module, DEV_SECTION};
    use crate::pipeline::custom_section_names as custom_sections;

    #[test]
    fn names_go_the_rest_stays_and_the_marker_is_added_once() {
        let wasm = wat::parse_str(
            r#"(module
                (@custom "aoxide.interface" "{}")
                (func $add (export "add") (param i32 i32) (result i32)
                    local.get 0 local.get 1 i32.add))"#,
        )
        .unwrap();
        assert!(custom_sections(&wasm).contains(&"name".to_owned()));
        assert!(!is_dev_module(&wasm));

        let dev = dev_module(&wasm).unwrap();
        assert_eq!(custom_sections(&dev), ["aoxide.interface", DEV_SECTION]);
        assert!(is_dev_module(&dev));
        wasmparser::Validator::new().validate_all(&dev).unwrap();
        // Idempotent: a dev module made again keeps one marker.
        assert_eq!(dev_module(&dev).unwrap(), dev);
    }
}
