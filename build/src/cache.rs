//! binaryen's output (pre-initialised, [`crate::preinit`]) kept by a hash of its input
//! (`<out>/.cache/<stem>-<hash>.wasm`), so a build whose cargo output did not change costs
//! no optimisation.
//!
//! An entry is only ever written whole (a temporary file renamed into place) and only after
//! the validator accepted it, and an entry is only used when the validator accepts it again:
//! one that does not (empty, cut, not a module, left by an older tool) is removed and the
//! build optimises again.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The cache entry of one module's optimised output.
#[derive(Debug, Clone)]
pub(crate) struct CacheEntry {
    path: PathBuf,
    stem: String,
}

impl CacheEntry {
    /// The entry for module `stem` built from `input` (the linked module), under `out_dir`.
    pub(crate) fn new(out_dir: &Path, stem: &str, input: &[u8]) -> CacheEntry {
        CacheEntry {
            path: out_dir
                .join(".cache")
                .join(format!("{stem}-{:016x}.wasm", key(input))),
            stem: stem.to_owned(),
        }
    }

    /// Where the entry lives.
    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The entry, if there is one and `accept` takes its bytes; an entry `accept` refuses
    /// is removed.
    pub(crate) fn get<T>(&self, accept: impl FnOnce(Vec<u8>) -> Option<T>) -> Option<T> {
        let bytes = std::fs::read(&self.path).ok()?;
        let accepted = accept(bytes);
        if accepted.is_none() {
            let _ = std::fs::remove_file(&self.path);
        }
        accepted
    }

    /// Keeps `bytes` (a module the validator accepted) and removes the other entries of the
    /// same module. A cache that cannot be written only costs the next build an
    /// optimisation, so failures are ignored.
    pub(crate) fn put(&self, bytes: &[u8]) {
        if write_atomically(&self.path, bytes).is_ok() {
            self.prune();
        }
    }

    /// Removes the entries of this module other than this one (one entry per module).
    fn prune(&self) {
        let Some(dir) = self.path.parent() else {
            return;
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = name
                .strip_prefix(&self.stem)
                .and_then(|r| r.strip_prefix('-'))
                .and_then(|r| r.strip_suffix(".wasm"))
                .is_some_and(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()));
            if ours && entry.path() != self.path {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The key of an input: its hash with binaryen's passes ([`crate::optimize::PASSES`] and
/// [`crate::optimize::LUA_ONE_CALLER_INLINE_MAX`]), the custom sections kept after them
/// ([`aoxide::module_abi::KEPT_SECTIONS`], and the names binaryen kept,
/// [`crate::optimize::NAME_SECTION`]) and the pre-initialisation's version
/// ([`crate::preinit::VERSION`]), so an entry written with other passes, keeping other
/// sections or by another pre-initialisation is never used.
fn key(input: &[u8]) -> u64 {
    let passes = fnv1a(0xcbf2_9ce4_8422_2325, crate::optimize::PASSES.as_bytes());
    let passes = fnv1a(
        passes,
        &crate::optimize::LUA_ONE_CALLER_INLINE_MAX.to_le_bytes(),
    );
    let passes = aoxide::module_abi::KEPT_SECTIONS
        .iter()
        .fold(fnv1a(passes, b"kept:"), |h, name| fnv1a(h, name.as_bytes()));
    let passes = fnv1a(passes, crate::optimize::NAME_SECTION);
    fnv1a(fnv1a(passes, crate::preinit::VERSION.as_bytes()), input)
}

/// FNV-1a, 64 bits, from state `h`: a stable key for the cache (not a security hash).
fn fnv1a(h: u64, bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// Writes `bytes` to `path` through a temporary file of a unique name in the same directory
/// and a rename, so no reader (another build, a test running in parallel, in this process
/// or another) ever sees part of a file, and two writers never share a temporary file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .suffix(".wasm")
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{write_atomically, CacheEntry};

    fn module() -> Vec<u8> {
        wat::parse_str(r#"(module (func (export "f")))"#).unwrap()
    }

    fn valid(bytes: Vec<u8>) -> Option<Vec<u8>> {
        wasmparser::Validator::new()
            .validate_all(&bytes)
            .ok()
            .map(|_| bytes)
    }

    #[test]
    fn an_entry_is_found_by_its_input_and_others_of_the_module_go() {
        let dir = tempfile::tempdir().unwrap();
        let old = CacheEntry::new(dir.path(), "m", b"input 1");
        old.put(&module());
        let other_module = CacheEntry::new(dir.path(), "m2", b"input 1");
        other_module.put(&module());
        let new = CacheEntry::new(dir.path(), "m", b"input 2");
        assert!(new.get(valid).is_none());
        new.put(&module());
        assert_eq!(new.get(valid), Some(module()));
        assert!(!old.path().exists(), "the older entry of m is pruned");
        assert!(other_module.path().exists(), "m2's entry is not m's");
    }

    #[test]
    fn an_entry_that_does_not_validate_is_never_used_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let entry = CacheEntry::new(dir.path(), "m", b"input");
        // What an interrupted binaryen once left: an empty file. Then half a module, then
        // bytes that are not wasm at all.
        for bad in [&b""[..], &module()[..5], b"not wasm"] {
            std::fs::create_dir_all(entry.path().parent().unwrap()).unwrap();
            std::fs::write(entry.path(), bad).unwrap();
            assert!(entry.get(valid).is_none(), "{bad:?} was used");
            assert!(!entry.path().exists(), "{bad:?} was kept");
        }
        entry.put(&module());
        assert_eq!(entry.get(valid), Some(module()));
    }

    #[test]
    fn writes_are_whole_and_leave_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("m.wasm");
        std::thread::scope(|s| {
            for i in 0..8u8 {
                let path = &path;
                s.spawn(move || {
                    for _ in 0..20 {
                        write_atomically(path, &vec![i; 64 << 10]).unwrap();
                    }
                });
            }
            // Every read sees one writer's whole file, never a mix or a cut.
            for _ in 0..200 {
                if let Ok(bytes) = std::fs::read(&path) {
                    assert_eq!(bytes.len(), 64 << 10);
                    assert!(bytes.iter().all(|&b| b == bytes[0]));
                }
            }
        });
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["m.wasm"]);
    }
}
