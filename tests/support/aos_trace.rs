//! The AOS token trace and the comparison the two token replays share
//! (`blueprints/token/tests/trace.rs`, `lua-compat/tests/trace.rs`; each includes this file
//! with `#[path]`).
//!
//! The trace is `tests/fixtures/aos-token-trace` at the repository's root: 625 messages fed
//! to the real AOS module with the AOS token blueprint, and its outcomes (the recording's
//! `trace-meta.json` says how it was made). An aoxide outcome is compared with AOS's: the
//! outcome class (error or not), every outgoing message (Target, tags as a name -> value
//! map, Data byte for byte with its ANSI colours, Anchor), the number of spawns and
//! assignments, and the printed output (ANSI colours removed). Where a replay differs from
//! AOS on purpose, its [`Differences`] accepts the difference and counts it, so the test can
//! check that each one was met as often as documented and that no other one was.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use aoxide::{OutMessage, Outcome};
use flate2::read::GzDecoder;
use serde_json::Value;

#[path = "outcome.rs"]
mod outcome;

use outcome::{strip_ansi, tag_json};

/// The process of the trace.
pub const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
/// A sender who is neither the owner nor the process.
pub const STRANGER: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";

/// What AOS printed for every message without a Target (the patch message).
const NO_TARGET_WARNING: &str = "WARN: No target specified for message.";

/// The fixture's directory, found above the crate that includes this file.
fn trace_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests/fixtures/aos-token-trace"))
        .find(|dir| dir.is_dir())
        .expect("tests/fixtures/aos-token-trace at the repository's root")
}

fn gunzip(path: &Path) -> Vec<u8> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    GzDecoder::new(file).read_to_end(&mut out).unwrap();
    out
}

/// The recorded lines (`seq`, `label`, `msg`, `env`) and AOS's outcomes, 625 of each.
pub fn load() -> (Vec<Value>, Vec<Value>) {
    let dir = trace_dir();
    let messages: Vec<Value> = BufReader::new(&gunzip(&dir.join("messages.jsonl.gz"))[..])
        .lines()
        .map(|l| serde_json::from_str(&l.unwrap()).unwrap())
        .collect();
    let outputs: Vec<Value> =
        serde_json::from_slice(&gunzip(&dir.join("outputs.json.gz"))).unwrap();
    assert_eq!(messages.len(), 625);
    assert_eq!(outputs.len(), 625);
    (messages, outputs)
}

fn expected_tags(m: &Value) -> BTreeMap<String, Value> {
    let mut map = BTreeMap::new();
    for t in m["Tags"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap().to_owned();
        assert!(
            map.insert(name.clone(), t["value"].clone()).is_none(),
            "duplicate {name}"
        );
    }
    map
}

fn actual_tags(m: &OutMessage) -> Result<BTreeMap<String, Value>, String> {
    let mut map = BTreeMap::new();
    for t in m.tags.iter() {
        if map.insert(t.name.clone(), tag_json(&t.value)).is_some() {
            return Err(format!("tag {} sent twice", t.name));
        }
    }
    Ok(map)
}

/// The differences from AOS a replay keeps on purpose. Each method is shown one difference
/// and says whether it is a documented one, counting it when it is.
pub trait Differences {
    /// AOS printed [`NO_TARGET_WARNING`] (aoxide prints nothing for a message without a
    /// Target).
    fn no_target_warning(&mut self);
    /// An outgoing message's Data differs.
    fn data(&mut self, aos: &str, aoxide: &str) -> bool;
    /// The printed output differs (AOS's without colours and without its warnings).
    fn output(&mut self, aos: &str, aoxide: &str) -> bool;
}

/// Compares aoxide's outcome with AOS's `expected` one.
pub fn compare(
    expected: &Value,
    actual: &Outcome,
    differences: &mut impl Differences,
) -> Result<(), String> {
    let expected_error = expected.get("Error").is_some();
    if expected_error != actual.is_error() {
        return Err(format!(
            "outcome class: AOS error={expected_error}, aoxide error={:?}",
            actual.error
        ));
    }
    if expected_error {
        return Ok(());
    }
    let want = expected["Messages"].as_array().unwrap();
    if want.len() != actual.messages.len() {
        return Err(format!(
            "{} messages expected, {} sent: {:?}",
            want.len(),
            actual.messages.len(),
            actual.messages
        ));
    }
    for (i, (w, a)) in want.iter().zip(&actual.messages).enumerate() {
        let target = w.get("Target").and_then(Value::as_str);
        if target != a.target.as_deref() {
            return Err(format!("message {i}: Target {target:?} != {:?}", a.target));
        }
        let (wt, at) = (expected_tags(w), actual_tags(a)?);
        if wt != at {
            return Err(format!("message {i}: tags\n AOS    {wt:?}\n aoxide {at:?}"));
        }
        let (wd, ad) = (w.get("Data").and_then(Value::as_str), a.data.as_deref());
        if wd != ad {
            let accepted = matches!((wd, ad), (Some(e), Some(x)) if differences.data(e, x));
            if !accepted {
                return Err(format!("message {i}: Data {wd:?} != {ad:?}"));
            }
        }
        let anchor = w["Anchor"].as_str().unwrap();
        if anchor != a.anchor {
            return Err(format!("message {i}: Anchor {anchor} != {}", a.anchor));
        }
    }
    for (what, n) in [
        ("Spawns", actual.spawns.len()),
        ("Assignments", actual.assignments.len()),
    ] {
        let want = expected[what].as_array().map_or(0, Vec::len);
        if want != n {
            return Err(format!("{what}: {want} != {n}"));
        }
    }
    let mut lines = Vec::new();
    for line in strip_ansi(expected["Output"]["data"].as_str().unwrap_or("")).lines() {
        if line.starts_with(NO_TARGET_WARNING) {
            differences.no_target_warning();
        } else {
            lines.push(line.to_owned());
        }
    }
    let want_output = lines.join("\n");
    if want_output != actual.output.data && !differences.output(&want_output, &actual.output.data) {
        return Err(format!(
            "Output.data {want_output:?} != {:?}",
            actual.output.data
        ));
    }
    Ok(())
}
