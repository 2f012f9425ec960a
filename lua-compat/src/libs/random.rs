//! `math.random`/`math.randomseed`: a per-process generator (xorshift64*), seeded from the
//! process id at boot, never from the clock or the OS.

use std::cell::Cell;
use std::rc::Rc;

use mlua::{Lua, Table};

/// The generator state, shared with the Lua functions.
#[derive(Clone, Default)]
pub(crate) struct Random(Rc<Cell<u64>>);

impl Random {
    /// Seeds from text (the process id): FNV-1a, never zero.
    pub(crate) fn seed_text(&self, text: &str) {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in text.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        self.seed(h);
    }

    fn seed(&self, seed: u64) {
        self.0.set(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        });
    }

    fn next(&self) -> u64 {
        let mut x = self.0.get();
        if x == 0 {
            x = 0x9e37_79b9_7f4a_7c15;
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0.set(x);
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Installs `math.random` and `math.randomseed` with Lua 5.3's argument rules.
    pub(crate) fn install(&self, lua: &Lua, math: &Table) -> mlua::Result<()> {
        let r = self.clone();
        math.set(
            "random",
            lua.create_function(move |_, args: mlua::Variadic<i64>| {
                let (low, high) = match args.len() {
                    0 => {
                        let f = (r.next() >> 11) as f64 / (1u64 << 53) as f64;
                        return Ok(mlua::Value::Number(f));
                    }
                    1 => (1, args[0]),
                    2 => (args[0], args[1]),
                    _ => return Err(mlua::Error::runtime("wrong number of arguments")),
                };
                if low > high {
                    return Err(mlua::Error::runtime(
                        "bad argument #1 to 'random' (interval is empty)",
                    ));
                }
                let span = (high as i128 - low as i128 + 1) as u128;
                let pick = (u128::from(r.next()) % span) as i128 + low as i128;
                Ok(mlua::Value::Integer(pick as i64))
            })?,
        )?;
        let r = self.clone();
        math.set(
            "randomseed",
            lua.create_function(move |_, seed: mlua::Number| {
                r.seed(seed.to_bits());
                Ok(())
            })?,
        )?;
        Ok(())
    }
}
