//! A Lua value as JSON ([`to_json`]), with the rules of AOS's `json` module: an empty
//! table or a table with keys `1..n` is an array, a table with text keys an object.
//!
//! It walks the value with Lua's C API in one protected call (`json.encode`, and every
//! JSON-valued tag a message sends, such as a token's balance patch): through mlua every
//! key and value became a `Value` holding a reference. Only raw reads run, none of which
//! can raise a Lua error, so the JSON being built is never skipped by one.

use std::ffi::{c_int, c_void};
use std::ptr;

use mlua::{ffi, Lua, Value};
use serde_json::{Map, Number, Value as Json};

use super::{type_name, LuaBytes, MAX_DEPTH};

/// Encodes `value` as JSON.
pub(crate) fn to_json(lua: &Lua, value: &Value) -> mlua::Result<Json> {
    let mut encoded = Err(String::new());
    // SAFETY: `exec_raw` runs the closure as a protected C function with `value` at index
    // 1. `encode` calls only Lua API functions that raise no error (raw reads, `lua_next`
    // on a table nothing changes meanwhile, `lua_checkstack`, which reports failure), so
    // no error unwinds past the values it owns. The stack is emptied at the end.
    unsafe {
        lua.exec_raw::<()>(value, |state| {
            let mut seen = Vec::new();
            encoded = encode(state, 1, &mut seen);
            ffi::lua_settop(state, 0);
        })?;
    }
    encoded.map_err(mlua::Error::runtime)
}

/// Encodes the value at the absolute `index`; `seen` holds the tables being encoded.
///
/// # Safety
/// A Lua C function's context; the stack above `index` may be used and is left as found
/// when the result is `Ok`.
unsafe fn encode(
    state: *mut ffi::lua_State,
    index: c_int,
    seen: &mut Vec<*const c_void>,
) -> Result<Json, String> {
    // SAFETY: the caller's context; nothing here raises (see `to_json`).
    unsafe {
        Ok(match ffi::lua_type(state, index) {
            ffi::LUA_TNIL => Json::Null,
            ffi::LUA_TBOOLEAN => Json::Bool(ffi::lua_toboolean(state, index) != 0),
            ffi::LUA_TNUMBER if ffi::lua_isinteger(state, index) != 0 => {
                Json::Number(ffi::lua_tointegerx(state, index, ptr::null_mut()).into())
            }
            ffi::LUA_TNUMBER => {
                let n = ffi::lua_tonumberx(state, index, ptr::null_mut());
                match Number::from_f64(n) {
                    Some(n) => Json::Number(n),
                    None => return Err(format!("unexpected number value '{n}'")),
                }
            }
            ffi::LUA_TSTRING => Json::String(LuaBytes::at(state, index).text()),
            ffi::LUA_TTABLE => {
                let table = ffi::lua_topointer(state, index);
                if seen.contains(&table) {
                    return Err("circular reference".into());
                }
                if seen.len() >= MAX_DEPTH {
                    return Err("table nested too deeply to encode".into());
                }
                // A key and a value per level.
                if ffi::lua_checkstack(state, 3) == 0 {
                    return Err("not enough memory".into());
                }
                seen.push(table);
                let out = encode_table(state, index, seen);
                seen.pop();
                out?
            }
            kind => {
                let name = type_name(kind).to_str().unwrap_or_default();
                return Err(format!("unexpected type '{name}'"));
            }
        })
    }
}

/// Encodes the table at the absolute `index`.
///
/// # Safety
/// As [`encode`], with three free slots.
unsafe fn encode_table(
    state: *mut ffi::lua_State,
    index: c_int,
    seen: &mut Vec<*const c_void>,
) -> Result<Json, String> {
    // SAFETY: the caller's context. `lua_next` is given only keys it returned for a table
    // nothing changes meanwhile, so it raises nothing.
    unsafe {
        let top = ffi::lua_gettop(state);
        let len = ffi::lua_rawlen(state, index);
        let mut count = 0usize;
        let mut all_strings = true;
        ffi::lua_pushnil(state);
        while ffi::lua_next(state, index) != 0 {
            count += 1;
            all_strings &= ffi::lua_type(state, -2) == ffi::LUA_TSTRING;
            ffi::lua_settop(state, -2);
        }
        if count == 0 || (len == count && !all_strings) {
            let mut items = Vec::with_capacity(len);
            for at in 1..=len {
                ffi::lua_rawgeti(state, index, at as ffi::lua_Integer);
                let item = encode(state, top + 1, seen);
                ffi::lua_settop(state, top);
                items.push(item?);
            }
            return Ok(Json::Array(items));
        }
        if !all_strings {
            return Err("invalid table: mixed or invalid key types".into());
        }
        let mut map = Map::new();
        ffi::lua_pushnil(state);
        while ffi::lua_next(state, index) != 0 {
            let value = match encode(state, top + 2, seen) {
                Ok(value) => value,
                Err(e) => {
                    ffi::lua_settop(state, top);
                    return Err(e);
                }
            };
            map.insert(LuaBytes::at(state, top + 1).text(), value);
            ffi::lua_settop(state, top + 1);
        }
        Ok(Json::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::Rng;
    use super::*;
    use mlua::Table;

    /// The encoder this one replaced, through mlua's values: the reference it must agree
    /// with, result and error.
    fn reference(value: &Value, stack: &mut Vec<*const c_void>) -> mlua::Result<Json> {
        Ok(match value {
            Value::Nil => Json::Null,
            Value::Boolean(b) => Json::Bool(*b),
            Value::Integer(i) => Json::Number((*i).into()),
            Value::Number(n) => match Number::from_f64(*n) {
                Some(n) => Json::Number(n),
                None => {
                    return Err(mlua::Error::runtime(format!(
                        "unexpected number value '{n}'"
                    )))
                }
            },
            Value::String(s) => Json::String(s.to_string_lossy()),
            Value::Table(t) => {
                let ptr = t.to_pointer();
                if stack.contains(&ptr) {
                    return Err(mlua::Error::runtime("circular reference"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(mlua::Error::runtime("table nested too deeply to encode"));
                }
                stack.push(ptr);
                let out = reference_table(t, stack);
                stack.pop();
                out?
            }
            other => {
                return Err(mlua::Error::runtime(format!(
                    "unexpected type '{}'",
                    other.type_name()
                )))
            }
        })
    }

    fn reference_table(t: &Table, stack: &mut Vec<*const c_void>) -> mlua::Result<Json> {
        let len = t.raw_len();
        let mut count = 0usize;
        let mut all_strings = true;
        for pair in t.pairs::<Value, Value>() {
            let (k, _) = pair?;
            count += 1;
            all_strings &= matches!(k, Value::String(_));
        }
        if count == 0 || (len == count && !all_strings) {
            let mut items = Vec::with_capacity(len);
            for i in 1..=len {
                items.push(reference(&t.raw_get::<Value>(i)?, stack)?);
            }
            return Ok(Json::Array(items));
        }
        if !all_strings {
            return Err(mlua::Error::runtime(
                "invalid table: mixed or invalid key types",
            ));
        }
        let mut map = Map::new();
        for pair in t.pairs::<mlua::LuaString, Value>() {
            let (k, v) = pair?;
            map.insert(k.to_string_lossy(), reference(&v, stack)?);
        }
        Ok(Json::Object(map))
    }

    /// A random value: scalars of every kind, arrays, objects, mixed and sparse tables,
    /// tables with float or boolean keys,
    /// and (rarely) a table holding one of its ancestors.
    fn value(lua: &Lua, rng: &mut Rng, depth: u32, parents: &mut Vec<Table>) -> Value {
        let leaf = depth >= 4 || rng.below(3) == 0;
        match if leaf { rng.below(8) } else { 8 + rng.below(5) } {
            0 => Value::Nil,
            1 => Value::Boolean(rng.below(2) == 0),
            2 => Value::Integer(rng.below(1 << 40) as i64 - (1 << 39)),
            3 => Value::Number([0.5, -1e300, f64::NAN, f64::INFINITY, 3.0][rng.below(5) as usize]),
            4 => Value::String(lua.create_string(b"caf\xc3\xa9 \xff").unwrap()),
            5 => Value::String(lua.create_string(format!("s{}", rng.below(9))).unwrap()),
            6 => Value::Function(lua.create_function(|_, ()| Ok(())).unwrap()),
            7 if !parents.is_empty() && rng.below(4) == 0 => {
                Value::Table(parents[rng.below(parents.len() as u64) as usize].clone())
            }
            7 => Value::Table(lua.create_table().unwrap()),
            kind => {
                let t = lua.create_table().unwrap();
                parents.push(t.clone());
                let n = rng.below(5);
                for i in 1..=n {
                    let v = value(lua, rng, depth + 1, parents);
                    match kind {
                        8 => t.raw_set(i, v).unwrap(),
                        9 => t.raw_set(format!("k{}", rng.below(6)), v).unwrap(),
                        10 => t.raw_set(i * 2, v).unwrap(),
                        11 if i == 2 => t.raw_set(i as f64 + 0.5, v).unwrap(),
                        11 if i == 3 => t.raw_set(true, v).unwrap(),
                        _ if i % 2 == 0 => t.raw_set(i, v).unwrap(),
                        _ => t.raw_set(format!("k{i}"), v).unwrap(),
                    }
                }
                parents.pop();
                Value::Table(t)
            }
        }
    }

    #[test]
    fn encodes_as_the_mlua_reference_on_generated_values() {
        let lua = Lua::new();
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        let (mut ok, mut failed) = (0, 0);
        for _ in 0..3_000 {
            let v = value(&lua, &mut rng, 0, &mut Vec::new());
            let got = to_json(&lua, &v);
            let want = reference(&v, &mut Vec::new());
            match (&got, &want) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b);
                    ok += 1;
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.to_string(), b.to_string());
                    failed += 1;
                }
                _ => panic!("{got:?} against the reference's {want:?}"),
            }
        }
        assert!(ok > 500 && failed > 500, "{ok} encoded, {failed} refused");
    }

    #[test]
    fn deep_nesting_and_cycles_are_refused() {
        let lua = Lua::new();
        let deep: Value = lua
            .load("local t = {} for i = 1, 200 do t = { t } end return t")
            .eval()
            .unwrap();
        let e = to_json(&lua, &deep).unwrap_err().to_string();
        assert!(e.contains("nested too deeply"), "{e}");
        let cycle: Value = lua
            .load("local t = { a = {} } t.a.b = t return t")
            .eval()
            .unwrap();
        let e = to_json(&lua, &cycle).unwrap_err().to_string();
        assert!(e.contains("circular reference"), "{e}");
        let fine: Value = lua
            .load("local s = { 1 } return { x = s, y = s, z = { [1] = 'a', [2] = 'b' } }")
            .eval()
            .unwrap();
        assert_eq!(
            to_json(&lua, &fine).unwrap(),
            serde_json::json!({ "x": [1], "y": [1], "z": ["a", "b"] })
        );
    }
}
