//! `.bint`: 256-bit two's-complement integers (AOS `require('.bint')(256)`), backed by
//! aoxide's `U256`. Arithmetic wraps; comparisons and text are signed; `ult`/`ule` are
//! unsigned.

// ruint's U256 (what `aoxide::U256` wraps): bint needs its wrapping and bitwise arithmetic.
use mlua::{Lua, MetaMethod, Table, UserData, UserDataMethods, Value};
use ruint::aliases::U256;

/// Unsigned decimal, by aoxide's amount writer (without `core::fmt`, unlike `Display`).
fn decimal(x: U256) -> String {
    aoxide::U256::from_limbs(*x.as_limbs()).to_decimal()
}

/// One 256-bit integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Bint(U256);

const SIGN: U256 = U256::from_limbs([0, 0, 0, 1 << 63]);

impl Bint {
    fn negative(self) -> bool {
        self.0 & SIGN != U256::ZERO
    }

    fn signed_lt(self, other: Bint) -> bool {
        (self.0 ^ SIGN) < (other.0 ^ SIGN)
    }

    /// Signed decimal.
    fn text(self) -> String {
        if self.negative() {
            let mut text = String::from("-");
            text.push_str(&decimal(self.0.wrapping_neg()));
            text
        } else {
            decimal(self.0)
        }
    }

    fn parse(text: &str) -> Option<Bint> {
        let text = text.trim();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        let value = if let Some(hex) = digits
            .strip_prefix("0x")
            .or_else(|| digits.strip_prefix("0X"))
        {
            U256::from_str_radix(hex, 16).ok()?
        } else {
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            U256::from_str_radix(digits, 10).ok()?
        };
        Some(Bint(if negative {
            value.wrapping_neg()
        } else {
            value
        }))
    }

    fn from_i64(i: i64) -> Bint {
        let magnitude = U256::from(i.unsigned_abs());
        Bint(if i < 0 {
            magnitude.wrapping_neg()
        } else {
            magnitude
        })
    }
}

impl UserData for Bint {
    fn add_methods<M: UserDataMethods<Self>>(methods: &mut M) {
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| Ok(this.text()));
        methods.add_meta_function(MetaMethod::Add, |_, (a, b): (Value, Value)| {
            Ok(Bint(arg(&a)?.0.wrapping_add(arg(&b)?.0)))
        });
        methods.add_meta_function(MetaMethod::Sub, |_, (a, b): (Value, Value)| {
            Ok(Bint(arg(&a)?.0.wrapping_sub(arg(&b)?.0)))
        });
        methods.add_meta_function(MetaMethod::Mul, |_, (a, b): (Value, Value)| {
            Ok(Bint(arg(&a)?.0.wrapping_mul(arg(&b)?.0)))
        });
        methods.add_meta_function(MetaMethod::IDiv, |_, (a, b): (Value, Value)| {
            divide(arg(&a)?, arg(&b)?).map(|(q, _)| q)
        });
        methods.add_meta_function(MetaMethod::Div, |_, (a, b): (Value, Value)| {
            divide(arg(&a)?, arg(&b)?).map(|(q, _)| q)
        });
        methods.add_meta_function(MetaMethod::Mod, |_, (a, b): (Value, Value)| {
            divide(arg(&a)?, arg(&b)?).map(|(_, r)| r)
        });
        methods.add_meta_function(MetaMethod::Pow, |_, (a, b): (Value, Value)| {
            Ok(Bint(arg(&a)?.0.wrapping_pow(arg(&b)?.0)))
        });
        methods.add_meta_function(MetaMethod::Unm, |_, (a, _): (Value, Value)| {
            Ok(Bint(arg(&a)?.0.wrapping_neg()))
        });
        methods.add_meta_function(MetaMethod::Eq, |_, (a, b): (Value, Value)| {
            Ok(arg(&a)? == arg(&b)?)
        });
        methods.add_meta_function(MetaMethod::Lt, |_, (a, b): (Value, Value)| {
            Ok(arg(&a)?.signed_lt(arg(&b)?))
        });
        methods.add_meta_function(MetaMethod::Le, |_, (a, b): (Value, Value)| {
            Ok(!arg(&b)?.signed_lt(arg(&a)?))
        });
        methods.add_meta_function(MetaMethod::Concat, |_, (a, b): (Value, Value)| {
            Ok(format!("{}{}", text_of(&a)?, text_of(&b)?))
        });
    }
}

fn text_of(v: &Value) -> mlua::Result<String> {
    match v {
        Value::UserData(_) => Ok(arg(v)?.text()),
        Value::String(s) => Ok(s.to_string_lossy()),
        Value::Integer(i) => Ok(i.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(mlua::Error::runtime(format!(
            "attempt to concatenate a {} value",
            other.type_name()
        ))),
    }
}

/// Signed truncating division (Lua's `//` on bints floors; AOS's bint floors too).
fn divide(a: Bint, b: Bint) -> mlua::Result<(Bint, Bint)> {
    if b.0 == U256::ZERO {
        return Err(mlua::Error::runtime("attempt to divide by zero"));
    }
    let abs = |x: Bint| {
        if x.negative() {
            x.0.wrapping_neg()
        } else {
            x.0
        }
    };
    let (q, r) = abs(a).div_rem(abs(b));
    let mut q = Bint(if a.negative() != b.negative() {
        q.wrapping_neg()
    } else {
        q
    });
    let mut r = Bint(if a.negative() { r.wrapping_neg() } else { r });
    // Floor: adjust when the remainder's sign differs from the divisor's.
    if r.0 != U256::ZERO && r.negative() != b.negative() {
        q = Bint(q.0.wrapping_sub(U256::from(1u8)));
        r = Bint(r.0.wrapping_add(b.0));
    }
    Ok((q, r))
}

/// A bint from a bint, an integer, an integral float or a decimal/hex string.
fn arg(v: &Value) -> mlua::Result<Bint> {
    match v {
        Value::UserData(ud) => match ud.borrow::<Bint>() {
            Ok(b) => Ok(*b),
            Err(_) => Err(mlua::Error::runtime("value is not a bint")),
        },
        Value::Integer(i) => Ok(Bint::from_i64(*i)),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.2e18 => Ok(Bint::from_i64(*n as i64)),
        Value::String(s) => Bint::parse(&s.to_string_lossy()).ok_or_else(|| {
            mlua::Error::runtime(format!(
                "value '{}' cannot be represented by a bint",
                s.to_string_lossy()
            ))
        }),
        other => Err(mlua::Error::runtime(format!(
            "value of type {} cannot be represented by a bint",
            other.type_name()
        ))),
    }
}

pub(super) fn module(lua: &Lua) -> mlua::Result<Table> {
    let b = lua.create_table()?;
    b.set("new", lua.create_function(|_, v: Value| arg(&v))?)?;
    b.set("fromstring", lua.create_function(|_, v: Value| arg(&v))?)?;
    b.set("frominteger", lua.create_function(|_, v: Value| arg(&v))?)?;
    b.set(
        "tobint",
        lua.create_function(|_, v: Value| Ok(arg(&v).ok()))?,
    )?;
    b.set("zero", lua.create_function(|_, ()| Ok(Bint(U256::ZERO)))?)?;
    b.set(
        "one",
        lua.create_function(|_, ()| Ok(Bint(U256::from(1u8))))?,
    )?;
    b.set(
        "isbint",
        lua.create_function(|_, v: Value| {
            Ok(matches!(&v, Value::UserData(ud) if ud.is::<Bint>()))
        })?,
    )?;
    b.set(
        "tostring",
        lua.create_function(|_, v: Value| Ok(arg(&v)?.text()))?,
    )?;
    b.set(
        "tonumber",
        lua.create_function(|_, v: Value| {
            let x = arg(&v)?;
            let magnitude = if x.negative() {
                x.0.wrapping_neg()
            } else {
                x.0
            };
            let f: f64 = decimal(magnitude).parse().unwrap_or(f64::INFINITY);
            Ok(if x.negative() { -f } else { f })
        })?,
    )?;
    b.set(
        "tointeger",
        lua.create_function(|_, v: Value| {
            let x = arg(&v)?;
            Ok(i64::try_from(x.0).ok().or_else(|| {
                i64::try_from(x.0.wrapping_neg())
                    .ok()
                    .map(|m| m.wrapping_neg())
            }))
        })?,
    )?;
    b.set(
        "iszero",
        lua.create_function(|_, v: Value| Ok(arg(&v)?.0 == U256::ZERO))?,
    )?;
    b.set(
        "isneg",
        lua.create_function(|_, v: Value| Ok(arg(&v)?.negative()))?,
    )?;
    b.set(
        "eq",
        lua.create_function(|_, (a, c): (Value, Value)| Ok(arg(&a)? == arg(&c)?))?,
    )?;
    b.set(
        "lt",
        lua.create_function(|_, (a, c): (Value, Value)| Ok(arg(&a)?.signed_lt(arg(&c)?)))?,
    )?;
    b.set(
        "le",
        lua.create_function(|_, (a, c): (Value, Value)| Ok(!arg(&c)?.signed_lt(arg(&a)?)))?,
    )?;
    b.set(
        "ult",
        lua.create_function(|_, (a, c): (Value, Value)| Ok(arg(&a)?.0 < arg(&c)?.0))?,
    )?;
    b.set(
        "ule",
        lua.create_function(|_, (a, c): (Value, Value)| Ok(arg(&a)?.0 <= arg(&c)?.0))?,
    )?;
    b.set(
        "max",
        lua.create_function(|_, (a, c): (Value, Value)| {
            let (a, c) = (arg(&a)?, arg(&c)?);
            Ok(if a.signed_lt(c) { c } else { a })
        })?,
    )?;
    b.set(
        "min",
        lua.create_function(|_, (a, c): (Value, Value)| {
            let (a, c) = (arg(&a)?, arg(&c)?);
            Ok(if c.signed_lt(a) { c } else { a })
        })?,
    )?;
    b.set(
        "abs",
        lua.create_function(|_, v: Value| {
            let x = arg(&v)?;
            Ok(if x.negative() {
                Bint(x.0.wrapping_neg())
            } else {
                x
            })
        })?,
    )?;
    // The metamethods, callable as functions (`bint.__lt(a, b)`), taking any operand kind.
    let probe = lua.create_userdata(Bint(U256::ZERO))?;
    let meta = probe.metatable()?;
    for name in [
        "__add",
        "__sub",
        "__mul",
        "__idiv",
        "__div",
        "__mod",
        "__pow",
        "__unm",
        "__eq",
        "__lt",
        "__le",
        "__tostring",
        "__concat",
    ] {
        let f: Value = meta.get(name)?;
        b.set(name, f)?;
    }
    drop(probe);
    let bt = lua.create_table()?;
    bt.set(
        "__call",
        lua.create_function(|_, (_, v): (Table, Value)| arg(&v))?,
    )?;
    b.set_metatable(Some(bt))?;
    // The module is `require('.bint')(bits)`; only 256 bits are offered.
    let factory = lua.create_table()?;
    let ft = lua.create_table()?;
    let made = b.clone();
    ft.set(
        "__call",
        lua.create_function(move |_, (_, bits): (Table, Option<i64>)| match bits {
            None | Some(256) => Ok(made.clone()),
            Some(other) => Err(mlua::Error::runtime(format!(
                "only 256-bit bints are available, not {other}"
            ))),
        })?,
    )?;
    factory.set_metatable(Some(ft))?;
    Ok(factory)
}
