//! Modules that use wasm exception handling (C Lua's setjmp/longjmp, in the legacy
//! `try`/`catch` encoding Node 20 runs): the validator accepts them and says so, the
//! metering check refuses them with the reason, and the new encoding (`try_table`) stays
//! refused. The module here is written in WAT with every export of the contract.

use aoxide::module_abi::{self, ExportKind, ValType};
use aoxide_build::check::uses_exceptions;
use aoxide_build::{check_metering_module, check_module, Problem};

/// A conforming module whose `handle` has `body` (which may use the tag `$longjmp` when
/// `tag`).
fn module(body: &str, tag: bool) -> Vec<u8> {
    let mut funcs = String::new();
    for export in module_abi::EXPORTS {
        let ExportKind::Func(sig) = export.kind else {
            continue;
        };
        let types = |list: &[ValType]| list.iter().map(|_| "i32").collect::<Vec<_>>().join(" ");
        let params = types(sig.params);
        let results = types(sig.results);
        let (params, results) = (
            if params.is_empty() {
                String::new()
            } else {
                format!("(param {params})")
            },
            if results.is_empty() {
                String::new()
            } else {
                format!("(result {results})")
            },
        );
        let code = if export.name == "handle" {
            body.to_owned()
        } else if sig.results.is_empty() {
            String::new()
        } else {
            "(i32.const 16)".to_owned()
        };
        funcs.push_str(&format!(
            "(func (export \"{}\") {params} {results} {code})\n",
            export.name
        ));
    }
    let wat = format!(
        r#"(module
  (import "env" "emscripten_resize_heap" (func (param i32) (result i32)))
  (memory (export "memory") 20)
  (table (export "__indirect_function_table") 1 funcref)
  (global $sp (mut i32) (i32.const 65536))
  {tag}
  {funcs})"#,
        tag = if tag {
            "(tag $longjmp (param i32))"
        } else {
            ""
        }
    );
    wat::parse_str(&wat).unwrap()
}

const LEGACY: &str = r#"
    try (result i32)
      local.get 0
      throw $longjmp
    catch $longjmp
    catch_all
      i32.const 0
    end"#;

#[test]
fn legacy_exception_handling_is_accepted_and_reported() {
    let bytes = module(LEGACY, true);
    assert!(uses_exceptions(&bytes).unwrap());
    let report = check_module(&bytes).unwrap();
    assert!(report.exceptions);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);

    let plain = module("(local.get 0)", false);
    assert!(!uses_exceptions(&plain).unwrap());
    assert!(!check_module(&plain).unwrap().exceptions);
    // A tag alone (no instruction using it) counts: the metering parser rejects the
    // section itself.
    let tag_only = module("(local.get 0)", true);
    assert!(uses_exceptions(&tag_only).unwrap());
    assert!(check_module(&tag_only).unwrap().exceptions);
}

#[test]
fn the_metering_check_refuses_exceptions_with_the_reason() {
    let refused = check_metering_module(&module(LEGACY, true)).unwrap_err();
    assert_eq!(refused.problems, vec![Problem::Exceptions]);
    let text = refused.to_string();
    assert!(text.contains("metering"), "{text}");
    assert!(text.contains(module_abi::MODULE_FORMAT), "{text}");
}

#[test]
fn the_new_encoding_is_refused() {
    let bytes = module(
        r#"
    (block $caught (result i32)
      (try_table (catch $longjmp $caught) (throw $longjmp (local.get 0)))
      (i32.const 0))"#,
        true,
    );
    let refused = check_module(&bytes).unwrap_err();
    assert!(
        matches!(refused.problems.as_slice(), [Problem::ExnRef { opcode, .. }] if opcode == "try_table"),
        "{refused}"
    );
    assert!(refused.to_string().contains("legacy-eh"), "{refused}");
}
