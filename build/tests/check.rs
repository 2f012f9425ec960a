//! The one module validator on hand-written modules: what it accepts, and how it names
//! each thing that is wrong (the built modules are checked in `pipeline.rs` and in
//! `aoxide-host`'s wasm tests).

use aoxide::module_abi;
use aoxide_build::{check_module, Problem};

/// A module with the whole contract: `extra` goes first in the body (imports), `tail` last.
fn abi_module(extra: &str, tail: &str) -> Vec<u8> {
    let wat = format!(
        r#"(module
  {extra}
  (import "env" "emscripten_resize_heap" (func $resize (param i32) (result i32)))
  (memory (export "memory") 1)
  (table (export "__indirect_function_table") 1 funcref)
  (func (export "__wasm_call_ctors"))
  (func (export "emscripten_stack_init"))
  (func (export "emscripten_stack_get_end") (result i32) (i32.const 32))
  (func (export "emscripten_stack_get_current") (result i32) (i32.const 4096))
  (func (export "_emscripten_stack_alloc") (param i32) (result i32) (i32.const 2048))
  (func (export "_emscripten_stack_restore") (param i32))
  (func (export "malloc") (param i32) (result i32) (i32.const 0))
  (func (export "free") (param i32))
  (func (export "handle") (param i32 i32) (result i32) (i32.const 1024))
  {tail}
)"#
    );
    wat::parse_str(wat).expect("valid wat")
}

#[test]
fn the_minimal_module_passes_and_its_custom_sections_are_reported() {
    let report = check_module(&abi_module(
        "",
        r#"(@custom "aoxide.interface" "{\"handlers\":[]}")"#,
    ))
    .unwrap();
    assert_eq!(report.initial_memory, module_abi::PAGE_SIZE);
    assert_eq!(report.maximum_memory, None);
    assert_eq!(report.imports, ["env.emscripten_resize_heap"]);
    assert_eq!(
        report.custom_section(module_abi::INTERFACE_SECTION),
        Some(&br#"{"handlers":[]}"#[..])
    );
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
}

#[test]
fn an_extra_export_is_a_warning_naming_it_and_tool_exports_are_not() {
    let report = check_module(&abi_module("", r#"(func (export "debug_dump"))"#)).unwrap();
    assert_eq!(report.warnings.len(), 1);
    assert!(
        report.warnings[0].contains("debug_dump"),
        "{:?}",
        report.warnings
    );
    for tool in module_abi::TOOL_EXPORTS {
        let module_abi::ExportKind::Func(sig) = tool.kind else {
            panic!("tool exports are functions");
        };
        let params = " i32".repeat(sig.params.len());
        let results = " i32".repeat(sig.results.len());
        let body = if sig.results.is_empty() {
            ""
        } else {
            "(i32.const 0)"
        };
        let tail = format!(
            r#"(func (export "{}") (param{params}) (result{results}) {body})"#,
            tool.name
        );
        let report = check_module(&abi_module("", &tail)).unwrap();
        assert!(
            report.warnings.is_empty(),
            "{}: {:?}",
            tool.name,
            report.warnings
        );
    }
}

#[test]
fn a_forbidden_import_is_named_with_what_is_allowed() {
    let bytes = abi_module(
        r#"(import "wasi_snapshot_preview1" "proc_exit" (func (param i32)))"#,
        "",
    );
    let err = check_module(&bytes).unwrap_err();
    assert!(
        matches!(
            &err.problems[..],
            [Problem::ForbiddenImport { module, name, kind, .. }]
                if module == "wasi_snapshot_preview1" && name == "proc_exit"
                    && kind == "function (i32) -> ()"
        ),
        "{:?}",
        err.problems
    );
    let text = err.to_string();
    assert!(text.contains("wasi_snapshot_preview1.proc_exit"), "{text}");
    assert!(text.contains("env.emscripten_resize_heap"), "{text}");
}

#[test]
fn missing_and_mistyped_exports_are_named() {
    let bytes = wat::parse_str(
        r#"(module
  (memory (export "memory") 1)
  (func (export "handle") (param i32) (result i32) (local.get 0)))"#,
    )
    .unwrap();
    let err = check_module(&bytes).unwrap_err();
    assert!(err.problems.contains(&Problem::WrongExport {
        name: "handle".into(),
        expected: "function (i32, i32) -> (i32)".into(),
        found: "function (i32) -> (i32)".into(),
    }));
    assert!(err.problems.contains(&Problem::MissingExport {
        name: "__indirect_function_table".into(),
        expected: "table".into(),
    }));
    assert!(err.problems.contains(&Problem::MissingExport {
        name: "_emscripten_stack_alloc".into(),
        expected: "function (i32) -> (i32)".into(),
    }));
    // Every required export missing but `memory` and `handle` is named.
    let missing = err
        .problems
        .iter()
        .filter(|p| matches!(p, Problem::MissingExport { .. }))
        .count();
    assert_eq!(missing, module_abi::EXPORTS.len() - 2);
    assert!(matches!(
        check_module(b"not wasm").unwrap_err().problems[..],
        [Problem::Malformed(_)]
    ));
}

#[test]
fn a_mistyped_tool_export_is_a_problem() {
    let bytes = abi_module(
        "",
        r#"(func (export "aoxide_view") (result i32) (i32.const 0))"#,
    );
    let err = check_module(&bytes).unwrap_err();
    assert!(
        matches!(&err.problems[..], [Problem::WrongExport { name, .. }] if name == "aoxide_view"),
        "{:?}",
        err.problems
    );
}
