//! The stack-pointer reset: behaviour on a small module, refusals named.

use aoxide_build::link::{reset_stack_on_entry, resets_stack_on_entry, LinkError};
use wasmi::{Engine, Linker, Module, Store};

/// `handle` pushes a 16-byte frame and never pops it (what a trap leaves behind).
const LEAKY: &str = r#"
(module
  (global $sp (mut i32) (i32.const 1024))
  (global $base i32 (i32.const 7))
  (func $handle (param i32 i32) (result i32)
    (global.set $sp (i32.sub (global.get $sp) (i32.const 16)))
    (global.get $sp))
  (export "handle" (func $handle))
  (@custom "aoxide.interface" "{}"))
"#;

fn calls(bytes: &[u8], n: usize) -> Vec<i32> {
    let engine = Engine::default();
    let module = Module::new(&engine, bytes).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::<()>::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .unwrap();
    let handle = instance
        .get_typed_func::<(i32, i32), i32>(&store, "handle")
        .unwrap();
    (0..n)
        .map(|_| handle.call(&mut store, (0, 0)).unwrap())
        .collect()
}

#[test]
fn handle_starts_every_call_from_the_initial_stack_pointer() {
    let original = wat::parse_str(LEAKY).unwrap();
    assert_eq!(calls(&original, 3), vec![1008, 992, 976]);
    assert!(!resets_stack_on_entry(&original).unwrap());

    let linked = reset_stack_on_entry(&original).unwrap();
    assert_eq!(calls(&linked, 3), vec![1008, 1008, 1008]);
    assert!(resets_stack_on_entry(&linked).unwrap());
    // Custom sections survive the rewrite.
    let report = wasmparser::Parser::new(0)
        .parse_all(&linked)
        .filter_map(|p| match p.unwrap() {
            wasmparser::Payload::CustomSection(s) => Some(s.name().to_owned()),
            _ => None,
        })
        .collect::<Vec<_>>();
    assert!(report.contains(&"aoxide.interface".to_owned()));
}

#[test]
fn refusals_say_what_is_wrong() {
    let two_globals = wat::parse_str(
        r#"(module (global (mut i32) (i32.const 1)) (global (mut i32) (i32.const 2))
            (func (export "handle") (param i32 i32) (result i32) (i32.const 0)))"#,
    )
    .unwrap();
    assert!(matches!(
        reset_stack_on_entry(&two_globals),
        Err(LinkError::StackPointer { found: 2 })
    ));
    let no_handle = wat::parse_str(r#"(module (global (mut i32) (i32.const 1)) (func))"#).unwrap();
    let err = reset_stack_on_entry(&no_handle).unwrap_err();
    assert!(matches!(err, LinkError::NoEntry));
    assert!(err.to_string().contains("aoxide::export!"));
    let wrong = wat::parse_str(
        r#"(module (global (mut i32) (i32.const 1)) (func (export "handle") (param i32)))"#,
    )
    .unwrap();
    assert!(matches!(
        reset_stack_on_entry(&wrong),
        Err(LinkError::EntrySignature)
    ));
}
