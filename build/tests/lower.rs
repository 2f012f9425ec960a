//! The metering lowering computes what the opcodes it replaces compute: each lowered
//! function is run against the original in wasmi on edge-case inputs.

use aoxide_build::lower::{lower_for_metering, remaining};
use wasmi::{Engine, Instance, Linker, Module, Store};

const WAT: &str = r#"
(module
  (memory (export "memory") 1)
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "fill") (param i32 i32 i32) (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "i32_f32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
  (func (export "i32_f32_u") (param f32) (result i32) (i32.trunc_sat_f32_u (local.get 0)))
  (func (export "i32_f64_s") (param f64) (result i32) (i32.trunc_sat_f64_s (local.get 0)))
  (func (export "i32_f64_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
  (func (export "i64_f32_s") (param f32) (result i64) (i64.trunc_sat_f32_s (local.get 0)))
  (func (export "i64_f32_u") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (export "i64_f64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
  (func (export "i64_f64_u") (param f64) (result i64) (i64.trunc_sat_f64_u (local.get 0)))
  (data (i32.const 0) "0123456789abcdefghijklmnopqrstuvwxyz"))
"#;

struct Run {
    store: Store<()>,
    instance: Instance,
}

impl Run {
    fn new(bytes: &[u8]) -> Run {
        let engine = Engine::default();
        let module = Module::new(&engine, bytes).expect("compiles");
        let mut store = Store::new(&engine, ());
        let instance = Linker::<()>::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("instantiates");
        Run { store, instance }
    }

    fn call<P: wasmi::WasmParams, R: wasmi::WasmResults>(
        &mut self,
        name: &str,
        p: P,
    ) -> Result<R, String> {
        let f = self
            .instance
            .get_typed_func::<P, R>(&self.store, name)
            .expect(name);
        f.call(&mut self.store, p).map_err(|e| e.to_string())
    }

    fn memory(&self) -> Vec<u8> {
        let memory = self.instance.get_memory(&self.store, "memory").unwrap();
        memory.data(&self.store).to_vec()
    }
}

fn modules() -> (Run, Run) {
    let original = wat::parse_str(WAT).unwrap();
    let lowered = lower_for_metering(&original).unwrap();
    assert!(!remaining(&original).unwrap().is_empty());
    assert_eq!(remaining(&lowered).unwrap(), Vec::new());
    (Run::new(&original), Run::new(&lowered))
}

#[test]
fn conversions_saturate_like_the_opcodes() {
    let (mut a, mut b) = modules();
    let f64s = [
        0.0,
        -0.0,
        0.5,
        -0.5,
        -0.99,
        -1.0,
        1.9,
        -1.9,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        2147483647.0,
        2147483647.9,
        2147483648.0,
        -2147483648.0,
        -2147483648.9,
        -2147483649.0,
        4294967295.0,
        4294967295.5,
        4294967296.0,
        f64::from_bits(9223372036854775808f64.to_bits() - 1),
        9.223372036854776e18,
        -9.223372036854776e18,
        -9.223372036854778e18,
        f64::from_bits(18446744073709551616f64.to_bits() - 1),
        1.8446744073709552e19,
        1e300,
        -1e300,
        f64::MIN_POSITIVE,
    ];
    for x in f64s {
        for name in ["i32_f64_s", "i32_f64_u"] {
            assert_eq!(
                a.call::<f64, i32>(name, x),
                b.call::<f64, i32>(name, x),
                "{name}({x})"
            );
        }
        for name in ["i64_f64_s", "i64_f64_u"] {
            assert_eq!(
                a.call::<f64, i64>(name, x),
                b.call::<f64, i64>(name, x),
                "{name}({x})"
            );
        }
        let y = x as f32;
        for name in ["i32_f32_s", "i32_f32_u"] {
            assert_eq!(
                a.call::<f32, i32>(name, y),
                b.call::<f32, i32>(name, y),
                "{name}({y})"
            );
        }
        for name in ["i64_f32_s", "i64_f32_u"] {
            assert_eq!(
                a.call::<f32, i64>(name, y),
                b.call::<f32, i64>(name, y),
                "{name}({y})"
            );
        }
    }
    // Neighbours of the f32 bounds.
    for bits in [
        0x4effffffu32,
        0x4f000000,
        0x4f800000,
        0x4f7fffff,
        0xcf000000,
        0xcf000001,
        0x5effffff,
        0x5f000000,
        0x5f800000,
        0xdf000000,
        0xdf000001,
    ] {
        let y = f32::from_bits(bits);
        for name in ["i32_f32_s", "i32_f32_u"] {
            assert_eq!(
                a.call::<f32, i32>(name, y),
                b.call::<f32, i32>(name, y),
                "{name}({y})"
            );
        }
        for name in ["i64_f32_s", "i64_f32_u"] {
            assert_eq!(
                a.call::<f32, i64>(name, y),
                b.call::<f32, i64>(name, y),
                "{name}({y})"
            );
        }
    }
}

#[test]
fn copy_and_fill_move_the_same_bytes_and_trap_alike() {
    let (mut a, mut b) = modules();
    // Overlapping both ways, empty, at the end of memory.
    let cases: [(i32, i32, i32); 6] = [
        (4, 0, 20),
        (0, 4, 20),
        (10, 10, 5),
        (100, 3, 0),
        (65530, 0, 6),
        (3, 65534, 2),
    ];
    for (d, s, n) in cases {
        assert_eq!(
            a.call::<(i32, i32, i32), ()>("copy", (d, s, n)),
            b.call::<(i32, i32, i32), ()>("copy", (d, s, n))
        );
        assert_eq!(a.memory(), b.memory(), "copy({d}, {s}, {n})");
    }
    for (d, v, n) in [(2, 0x41, 7), (0, 0x1ff, 3), (65535, 1, 1), (40, 9, 0)] {
        assert_eq!(
            a.call::<(i32, i32, i32), ()>("fill", (d, v, n)),
            b.call::<(i32, i32, i32), ()>("fill", (d, v, n))
        );
        assert_eq!(a.memory(), b.memory(), "fill({d}, {v}, {n})");
    }
    // Out of bounds (also through u32 wrap-around): both trap, neither writes a byte.
    let before = b.memory();
    for (d, s, n) in [(65530, 0, 7), (0, 65530, 7), (-1, 0, 2), (0, 8, -1)] {
        assert!(a.call::<(i32, i32, i32), ()>("copy", (d, s, n)).is_err());
        assert!(
            b.call::<(i32, i32, i32), ()>("copy", (d, s, n)).is_err(),
            "copy({d}, {s}, {n})"
        );
        assert_eq!(b.memory(), before);
    }
    for (d, n) in [(65530, 7), (-1, 2), (0, -1)] {
        assert!(a.call::<(i32, i32, i32), ()>("fill", (d, 7, n)).is_err());
        assert!(
            b.call::<(i32, i32, i32), ()>("fill", (d, 7, n)).is_err(),
            "fill({d}, {n})"
        );
        assert_eq!(b.memory(), before);
    }
}
