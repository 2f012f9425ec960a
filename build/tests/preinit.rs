//! Pre-initialisation (`aoxide_build::preinit`): the hook run under node and its memory
//! baked into the module, checked on hand-written modules by running the result in wasmi.

use aoxide::module_abi::PREINIT_EXPORT;
use aoxide_build::preinit::{bake, has_preinit, preinitialize, PreinitError};
use wasmparser::{Parser, Payload};

/// One page of memory, the stack below 1024 (the one mutable global), "abc" at 1100. The
/// hook writes at 2000 and 2008 (4 zero bytes apart: one segment), 4000 and 4009 (8 apart:
/// two), leaves garbage on the stack at 100, grows memory by a page and writes at 70000;
/// `__wasm_call_ctors` (which hosts run first) writes at 3000 what the hook copies to 3004.
const MODULE: &str = r#"
(module
  (import "env" "emscripten_resize_heap" (func $resize (param i32) (result i32)))
  (memory (export "memory") 1)
  (global $sp (mut i32) (i32.const 1024))
  (data (i32.const 1100) "abc")
  (func (export "__wasm_call_ctors") (i32.store (i32.const 3000) (i32.const 7)))
  (func (export "aoxide_preinit")
    (drop (call $resize (i32.const 131072)))
    (i32.store (i32.const 100) (i32.const -1))
    (i32.store (i32.const 2000) (i32.const 0x01020304))
    (i32.store (i32.const 2008) (i32.const 5))
    (i32.store (i32.const 4000) (i32.const 9))
    (i32.store8 (i32.const 4009) (i32.const 1))
    (i32.store (i32.const 3004) (i32.load (i32.const 3000)))
    (drop (memory.grow (i32.const 1)))
    (i32.store (i32.const 70000) (i32.const 42)))
  (func (export "handle") (param i32 i32) (result i32) (local.get 0)))
"#;

fn scratch() -> tempfile::TempDir {
    tempfile::tempdir().expect("a scratch directory")
}

/// The memory of a fresh instance of `bytes` (wasmi), with its export names.
fn instantiate(bytes: &[u8]) -> (Vec<u8>, Vec<String>) {
    let engine = wasmi::Engine::default();
    let module = wasmi::Module::new(&engine, bytes).expect("a valid module");
    let exports = module.exports().map(|e| e.name().to_owned()).collect();
    let mut store = wasmi::Store::new(&engine, ());
    let mut linker = wasmi::Linker::<()>::new(&engine);
    linker
        .func_wrap("env", "emscripten_resize_heap", |_: i32| -> i32 { 0 })
        .unwrap();
    let instance = linker
        .instantiate_and_start(&mut store, &module)
        .expect("instantiates");
    let memory = instance.get_memory(&store, "memory").expect("memory");
    (memory.data(&store).to_vec(), exports)
}

fn word(memory: &[u8], at: usize) -> i32 {
    i32::from_le_bytes(memory[at..at + 4].try_into().unwrap())
}

fn data_segments(bytes: &[u8]) -> Vec<(u32, usize)> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::DataSection(reader) = payload.unwrap() {
            for data in reader {
                let data = data.unwrap();
                let wasmparser::DataKind::Active { offset_expr, .. } = data.kind else {
                    panic!("a passive segment")
                };
                let Ok(wasmparser::Operator::I32Const { value }) =
                    offset_expr.get_operators_reader().read()
                else {
                    panic!("not a constant offset")
                };
                out.push((value as u32, data.data.len()));
            }
        }
    }
    out
}

#[test]
fn the_hook_runs_under_node_and_its_memory_becomes_the_modules_data() {
    let bytes = wat::parse_str(MODULE).unwrap();
    assert!(has_preinit(&bytes).unwrap());
    let baked = preinitialize(&bytes, scratch().path()).expect("pre-initialised");

    let (memory, exports) = instantiate(&baked);
    assert!(!exports.iter().any(|e| e == PREINIT_EXPORT), "{exports:?}");
    assert!(exports.iter().any(|e| e == "handle"));
    assert_eq!(
        memory.len(),
        2 * 65536,
        "the initial memory holds what grew"
    );
    assert_eq!(&memory[1100..1103], b"abc", "the module's own data stays");
    assert_eq!(word(&memory, 2000), 0x0102_0304);
    assert_eq!(word(&memory, 2008), 5);
    assert_eq!(word(&memory, 4000), 9);
    assert_eq!(word(&memory, 70000), 42);
    assert_eq!(
        word(&memory, 3004),
        7,
        "the constructors ran before the hook"
    );
    assert_eq!(
        word(&memory, 100),
        0,
        "what the call left on the stack is dropped"
    );
    // Runs less than 8 zero bytes apart share a segment (2000 and 2008, 3000 and 3004);
    // 4000 and 4009 are 8 apart.
    assert_eq!(
        data_segments(&baked),
        vec![
            (1100, 3),
            (2000, 9),
            (3000, 5),
            (4000, 1),
            (4009, 1),
            (70000, 1)
        ]
    );
    assert!(!has_preinit(&baked).unwrap());
}

#[test]
fn the_scratch_directory_is_made_when_missing() {
    let bytes = wat::parse_str(MODULE).unwrap();
    let root = scratch();
    let missing = root.path().join("target/ao");
    preinitialize(&bytes, &missing).expect("pre-initialised into a new directory");
    assert!(missing.is_dir());
}

#[test]
fn a_module_without_the_hook_is_left_as_it_is() {
    let bytes = wat::parse_str(r#"(module (memory (export "memory") 1) (func (export "handle")))"#)
        .unwrap();
    assert!(!has_preinit(&bytes).unwrap());
    assert_eq!(preinitialize(&bytes, scratch().path()).unwrap(), bytes);
}

#[test]
fn a_hook_that_traps_fails_the_build_with_nodes_message() {
    let bytes = wat::parse_str(
        r#"(module (memory (export "memory") 1) (global (mut i32) (i32.const 1024))
           (func (export "aoxide_preinit") unreachable))"#,
    )
    .unwrap();
    match preinitialize(&bytes, scratch().path()) {
        Err(PreinitError::Call(message)) => {
            assert!(message.contains("unreachable"), "{message}")
        }
        other => panic!("expected a failed call, got {other:?}"),
    }
}

#[test]
fn bake_adds_a_data_section_to_a_module_without_one() {
    let bytes = wat::parse_str(
        r#"(module (memory (export "memory") 1) (global (mut i32) (i32.const 16))
           (func (export "aoxide_preinit")) (func (export "handle") (param i32 i32) (result i32) (local.get 0)))"#,
    )
    .unwrap();
    let mut memory = vec![0u8; 65536];
    memory[0..16].fill(0xee); // the stack
    memory[100..104].copy_from_slice(b"data");
    let baked = bake(&bytes, &memory).unwrap();
    assert_eq!(data_segments(&baked), vec![(100, 4)]);
    let (read, _) = instantiate(&baked);
    assert_eq!(read, {
        let mut m = memory.clone();
        m[0..16].fill(0);
        m
    });
}

#[test]
fn bake_refuses_what_it_cannot_reproduce() {
    let layout = |wat: &str, memory: &[u8]| match bake(&wat::parse_str(wat).unwrap(), memory) {
        Err(PreinitError::Layout(why)) => why,
        other => panic!("expected a layout error, got {other:?}"),
    };
    let page = vec![0u8; 65536];
    let sp = r#"(global (mut i32) (i32.const 1024))"#;
    let why = layout(
        &format!(r#"(module (memory 1) {sp} (data "passive"))"#),
        &page,
    );
    assert!(why.contains("passive"), "{why}");
    let why = layout(
        &format!(r#"(module (memory 1) {sp} (data (i32.const 8) "low"))"#),
        &page,
    );
    assert!(why.contains("below the stack pointer"), "{why}");
    let why = layout(&format!(r#"(module (memory 2) {sp})"#), &page);
    assert!(why.contains("not the module's memory"), "{why}");
    let why = layout(r#"(module (memory 1))"#, &page);
    assert!(why.contains("stack pointer"), "{why}");
    let why = layout(
        &format!(r#"(module (memory 1 1) {sp})"#),
        &[page.clone(), page].concat(),
    );
    assert!(why.contains("maximum"), "{why}");
}
