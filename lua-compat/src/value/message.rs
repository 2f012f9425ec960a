//! A message's raw Lua view ([`push_raw_view`]) and the tag lists Lua sends
//! ([`tags_from_lua`]). Both are on every message's path, so they are written with Lua's
//! C API in one protected call each, not an mlua call (a protected call of its own, and a
//! Lua string made through mlua) per field.

use std::ffi::{c_char, c_int, CStr};
use std::ptr;

use aoxide::{Message, Tag, TagValue, Tags};
use mlua::{ffi, Lua, Table};

use super::{from_json, tag_value, LuaBytes};

/// Pushes `text` as a Lua string.
///
/// # Safety
/// A Lua C function's context with a free stack slot; it may raise a memory error.
pub(crate) unsafe fn push_text(state: *mut ffi::lua_State, text: &str) {
    // SAFETY: the caller's context; the bytes are read for `text.len()`.
    unsafe { ffi::lua_pushlstring(state, text.as_ptr().cast::<c_char>(), text.len()) };
}

/// `t[key] = text`, `t` on top of the stack (a new table: no metamethods run).
///
/// # Safety
/// As [`push_text`], with the table on top.
unsafe fn set_text(state: *mut ffi::lua_State, key: &CStr, text: &str) {
    // SAFETY: the caller's context.
    unsafe {
        push_text(state, text);
        ffi::lua_setfield(state, -2, key.as_ptr());
    }
}

/// [`set_text`] when there is a text.
///
/// # Safety
/// As [`set_text`].
unsafe fn set_opt(state: *mut ffi::lua_State, key: &CStr, text: Option<&str>) {
    if let Some(text) = text {
        // SAFETY: the caller's context.
        unsafe { set_text(state, key, text) };
    }
}

/// `t[key] = n` when there is a number, `t` on top of the stack.
///
/// # Safety
/// As [`set_text`].
unsafe fn set_integer(state: *mut ffi::lua_State, key: &CStr, n: Option<u64>) {
    if let Some(n) = n {
        // SAFETY: the caller's context.
        unsafe {
            ffi::lua_pushinteger(state, n as ffi::lua_Integer);
            ffi::lua_setfield(state, -2, key.as_ptr());
        }
    }
}

/// `t[key] = true`, `t` on top of the stack.
///
/// # Safety
/// As [`set_text`].
unsafe fn set_bool(state: *mut ffi::lua_State, key: &CStr, b: bool) {
    // SAFETY: the caller's context.
    unsafe {
        ffi::lua_pushboolean(state, c_int::from(b));
        ffi::lua_setfield(state, -2, key.as_ptr());
    }
}

/// A size hint for `lua_createtable` (a hint only: capped, never wrong).
pub(crate) fn hint(n: usize) -> c_int {
    c_int::try_from(n).unwrap_or(c_int::MAX)
}

/// Pushes the raw Lua view of a message: its fields, and `TagArray` (the Lua side adds
/// `Tags`, the Title-Case fields and `reply`/`forward`). A JSON-valued tag's entry gets no
/// `value` here ([`set_json_tags`] sets it, through mlua).
///
/// # Safety
/// A Lua C function's context with four free slots (the message, `TagArray`, an entry, a
/// value); it leaves the view on top. Only new tables are written, so no metamethod (no
/// Lua code) runs; a memory error unwinds past the caller's frame, which must own nothing
/// to drop (this frame only borrows `msg`).
pub(crate) unsafe fn push_raw_view(state: *mut ffi::lua_State, msg: &Message) {
    // SAFETY: the caller's context.
    unsafe {
        ffi::lua_createtable(state, 0, hint(16 + msg.tags.len()));
        set_opt(state, c"Id", msg.id.as_deref());
        set_text(state, c"From", &msg.from);
        set_text(state, c"Owner", &msg.owner);
        set_opt(state, c"Target", msg.target.as_deref());
        set_opt(state, c"Anchor", msg.anchor.as_deref());
        set_opt(state, c"Module", msg.module.as_deref());
        set_opt(state, c"Hash-Chain", msg.hash_chain.as_deref());
        set_opt(state, c"Forwarded-By", msg.forwarded_by.as_deref());
        set_text(state, c"Data", &msg.data);
        set_integer(state, c"Timestamp", msg.timestamp);
        set_integer(state, c"Block-Height", msg.block_height);
        set_integer(state, c"Epoch", msg.epoch);
        set_integer(state, c"Nonce", msg.nonce);
        set_bool(state, c"Cron", msg.cron);
        if msg.read_only {
            set_bool(state, c"Read-Only", true);
        }
        ffi::lua_createtable(state, hint(msg.tags.len()), 0);
        for (at, tag) in msg.tags.iter().enumerate() {
            ffi::lua_createtable(state, 0, 2);
            set_text(state, c"name", &tag.name);
            if let TagValue::Text(text) = &tag.value {
                set_text(state, c"value", text);
            }
            ffi::lua_rawseti(state, -2, at as ffi::lua_Integer + 1);
        }
        ffi::lua_setfield(state, -2, c"TagArray".as_ptr());
    }
}

/// True when `msg` has a JSON-valued tag (patch@1.0; rare), whose value
/// [`push_raw_view`] leaves to [`set_json_tags`].
pub(crate) fn has_json_tags(msg: &Message) -> bool {
    msg.tags
        .iter()
        .any(|t| matches!(t.value, TagValue::Json(_)))
}

/// Sets the values of `msg`'s JSON-valued tags in its raw view `table`, through mlua.
pub(crate) fn set_json_tags(lua: &Lua, table: &Table, msg: &Message) -> mlua::Result<()> {
    let array: Table = table.raw_get("TagArray")?;
    for (at, tag) in msg.tags.iter().enumerate() {
        if let TagValue::Json(value) = &tag.value {
            let entry: Table = array.raw_get(at + 1)?;
            entry.raw_set("value", from_json(lua, value)?)?;
        }
    }
    Ok(())
}

/// The raw Lua view of a message as a table ([`push_raw_view`] and [`set_json_tags`]).
#[cfg(test)]
pub(crate) fn message_table(lua: &Lua, msg: &Message) -> mlua::Result<Table> {
    // SAFETY: `exec_raw` runs the closure as a protected C function with LUA_MINSTACK
    // (20) free slots and takes the view it leaves; the closure owns nothing.
    let table: Table = unsafe { lua.exec_raw((), |state| push_raw_view(state, msg))? };
    if has_json_tags(msg) {
        set_json_tags(lua, &table, msg)?;
    }
    Ok(table)
}

/// A tag value read in place.
#[derive(Clone, Copy)]
pub(crate) enum ReadValue {
    Text(LuaBytes),
    Integer(i64),
    Number(f64),
    Boolean(bool),
}

/// An entry of a tag list as read in place: a text name and a scalar value, or anything
/// else (read again through mlua, with the rules and errors of [`tag_value`]).
#[derive(Clone, Copy)]
pub(crate) enum Read {
    Tag(LuaBytes, ReadValue),
    Other,
}

/// Reads the entry table at `keys + 2`, with the keys `"name"` at `keys` and `"value"` at
/// `keys + 1`, pushing its two values.
///
/// # Safety
/// A Lua C function's context with two free slots and that stack (the entry on top).
unsafe fn read_entry(state: *mut ffi::lua_State, keys: c_int) -> Read {
    let (entry, name, value) = (keys + 2, keys + 3, keys + 4);
    // SAFETY: the caller's context; raw gets run no metamethods and cannot raise.
    unsafe {
        ffi::lua_pushvalue(state, keys);
        ffi::lua_rawget(state, entry);
        ffi::lua_pushvalue(state, keys + 1);
        ffi::lua_rawget(state, entry);
        if ffi::lua_type(state, name) != ffi::LUA_TSTRING {
            return Read::Other;
        }
        let read = match ffi::lua_type(state, value) {
            ffi::LUA_TSTRING => ReadValue::Text(LuaBytes::at(state, value)),
            ffi::LUA_TNUMBER if ffi::lua_isinteger(state, value) != 0 => {
                ReadValue::Integer(ffi::lua_tointegerx(state, value, ptr::null_mut()))
            }
            ffi::LUA_TNUMBER => {
                ReadValue::Number(ffi::lua_tonumberx(state, value, ptr::null_mut()))
            }
            ffi::LUA_TBOOLEAN => ReadValue::Boolean(ffi::lua_toboolean(state, value) != 0),
            _ => return Read::Other,
        };
        Read::Tag(LuaBytes::at(state, name), read)
    }
}

/// Reads the entries of the list at `list` into `read`, as mlua's `sequence_values` walks
/// them (1..=#list, then on while not nil), with the keys `"name"` and `"value"` at
/// `keys` and `keys + 1`, the top. The stack is left as it was; nothing here raises.
///
/// # Safety
/// A Lua C function's context with three free slots and that stack. What `read` holds
/// is valid while the list is alive and unchanged.
pub(crate) unsafe fn read_list(
    state: *mut ffi::lua_State,
    list: c_int,
    keys: c_int,
    read: &mut Vec<Read>,
) {
    // SAFETY: the caller's context; raw gets only.
    unsafe {
        let len = ffi::lua_rawlen(state, list) as ffi::lua_Integer;
        let mut at = 1;
        loop {
            let kind = ffi::lua_rawgeti(state, list, at);
            if kind == ffi::LUA_TNIL && at > len {
                break;
            }
            read.push(if kind == ffi::LUA_TTABLE {
                read_entry(state, keys)
            } else {
                Read::Other
            });
            ffi::lua_settop(state, keys + 1);
            at += 1;
        }
        ffi::lua_settop(state, keys + 1);
    }
}

/// The tags of a list [`read_list`] read, if every entry is a text name (not empty) with
/// a scalar value: what [`tags_from_lua`] makes of them. `None` when one needs mlua.
///
/// # Safety
/// As [`LuaBytes::text`]: no Lua code ran since the read.
pub(crate) unsafe fn plain_tags(read: &[Read]) -> Option<Tags> {
    let mut tags = Tags::with_capacity(read.len());
    for entry in read {
        let Read::Tag(name, value) = *entry else {
            return None;
        };
        // SAFETY: the caller's contract.
        let name = unsafe { name.text() };
        if name.is_empty() {
            return None;
        }
        // SAFETY: the caller's contract.
        tags.push(Tag::new(name, unsafe { copy_value(value) }));
    }
    Some(tags)
}

/// A Lua list of `{ name = ..., value = ... }` as tags.
pub(crate) fn tags_from_lua(lua: &Lua, list: &Table) -> mlua::Result<Tags> {
    let mut read: Vec<Read> = Vec::with_capacity(list.raw_len());
    // SAFETY: `exec_raw` runs the closure as a protected C function with the list at
    // index 1 and at least LUA_MINSTACK (20) free slots; it uses six. Only raw gets run
    // (no metamethods, no Lua code); pushing the two key strings may raise a memory
    // error, which returns to `exec_raw` past the closure, whose frame owns nothing to
    // drop (`read` is owned outside). The stack is emptied, so the call returns nothing.
    // Like mlua's `sequence_values`: entries 1..=#list, then on while not nil.
    unsafe {
        lua.exec_raw::<()>(list, |state| {
            ffi::lua_pushstring(state, c"name".as_ptr());
            ffi::lua_pushstring(state, c"value".as_ptr());
            read_list(state, 1, 2, &mut read);
            ffi::lua_settop(state, 0);
        })?;
    }
    // Copies first, while no Lua code has run since the strings were read (the list keeps
    // them alive); the other entries after, in order (their reads may run metamethods).
    let copied: Vec<Option<(String, TagValue)>> = read
        .iter()
        .map(|entry| match *entry {
            // SAFETY: nothing ran since the read.
            Read::Tag(name, value) => Some(unsafe { (name.text(), copy_value(value)) }),
            Read::Other => None,
        })
        .collect();
    let mut tags = Tags::with_capacity(copied.len());
    for (at, entry) in copied.into_iter().enumerate() {
        let (name, value) = match entry {
            Some(tag) => tag,
            None => other_entry(lua, list, at + 1)?,
        };
        if name.is_empty() {
            return Err(empty_name());
        }
        tags.push(Tag::new(name, value));
    }
    Ok(tags)
}

/// A value read in place as a tag value (what [`tag_value`] makes of it).
///
/// # Safety
/// As [`LuaBytes::text`].
unsafe fn copy_value(value: ReadValue) -> TagValue {
    TagValue::Text(match value {
        // SAFETY: the caller's contract.
        ReadValue::Text(bytes) => unsafe { bytes.text() },
        ReadValue::Integer(i) => i.to_string(),
        ReadValue::Number(n) => n.to_string(),
        ReadValue::Boolean(b) => b.to_string(),
    })
}

/// An entry that is not a text name with a scalar value, read through mlua.
fn other_entry(lua: &Lua, list: &Table, at: usize) -> mlua::Result<(String, TagValue)> {
    let entry: Table = list.raw_get(at)?;
    let name = entry.get::<mlua::LuaString>("name")?.to_string_lossy();
    if name.is_empty() {
        return Err(empty_name());
    }
    Ok((name, tag_value(lua, entry.get("value")?)?))
}

fn empty_name() -> mlua::Error {
    mlua::Error::runtime("a tag name cannot be empty")
}

#[cfg(test)]
mod tests {
    use super::super::tests::Rng;
    use super::*;
    use mlua::Value;

    /// A Lua value a tag list entry may hold: every kind the fast path reads, and the
    /// ones it leaves to mlua.
    fn value(lua: &Lua, rng: &mut Rng) -> Value {
        match rng.below(9) {
            0 => Value::String(lua.create_string("").unwrap()),
            1 => Value::String(lua.create_string(b"\xff\xfe ok \xc3").unwrap()),
            2 => Value::String(lua.create_string(format!("text {}", rng.next())).unwrap()),
            3 => Value::Integer(rng.next() as i64),
            4 => Value::Number(f64::from_bits(rng.next())),
            5 => Value::Boolean(rng.below(2) == 0),
            6 => {
                let t = lua.create_table().unwrap();
                t.raw_set("k", rng.below(100)).unwrap();
                Value::Table(t)
            }
            7 => Value::Nil,
            _ => Value::Function(lua.create_function(|_, ()| Ok(())).unwrap()),
        }
    }

    /// What reading entry by entry through mlua (the rules the fast path must keep) gives.
    fn by_entry(lua: &Lua, list: &Table) -> mlua::Result<Tags> {
        let mut tags = Tags::with_capacity(list.raw_len());
        for at in 1..=list.raw_len() {
            let (name, value) = other_entry(lua, list, at)?;
            tags.push(Tag::new(name, value));
        }
        Ok(tags)
    }

    #[test]
    fn tag_lists_read_in_place_as_entry_by_entry_through_mlua() {
        let lua = Lua::new();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut failures = 0;
        for _ in 0..2_000 {
            let list = lua.create_table().unwrap();
            for at in 1..=rng.below(6) {
                let entry = lua.create_table().unwrap();
                match rng.below(8) {
                    0 => {}                                             // no name
                    1 => entry.raw_set("name", rng.below(10)).unwrap(), // a number
                    2 => entry.raw_set("name", "").unwrap(),
                    _ => entry.raw_set("name", format!("N{}", rng.below(4))).unwrap(),
                }
                entry.raw_set("value", value(&lua, &mut rng)).unwrap();
                list.raw_set(at, entry).unwrap();
            }
            let fast = tags_from_lua(&lua, &list);
            let slow = by_entry(&lua, &list);
            match (&fast, &slow) {
                (Ok(a), Ok(b)) => assert_eq!(a, b),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
                _ => panic!("fast {fast:?} against entry by entry {slow:?}"),
            }
            failures += usize::from(fast.is_err());
        }
        assert!(
            (100..1_900).contains(&failures),
            "both outcomes are exercised: {failures} of 2,000 lists fail"
        );
    }

    #[test]
    fn a_message_view_holds_every_field_and_tag() {
        let lua = Lua::new();
        let mut msg = Message::new("FROM")
            .with_id("ID")
            .with_action("Act")
            .with_tag("Dup", "1")
            .with_tag("Dup", "2");
        msg.tags.push(Tag::new(
            "Json",
            TagValue::Json(serde_json::json!({ "a": [1, 2] })),
        ));
        msg.timestamp = Some(7);
        msg.read_only = true;
        let t = message_table(&lua, &msg).unwrap();
        assert_eq!(t.raw_get::<String>("Id").unwrap(), "ID");
        assert_eq!(t.raw_get::<String>("From").unwrap(), "FROM");
        assert_eq!(t.raw_get::<i64>("Timestamp").unwrap(), 7);
        assert!(t.raw_get::<bool>("Read-Only").unwrap());
        assert!(!t.raw_get::<bool>("Cron").unwrap());
        assert_eq!(t.raw_get::<Value>("Target").unwrap(), Value::Nil);
        let array: Table = t.raw_get("TagArray").unwrap();
        assert_eq!(array.raw_len(), 4);
        let names: Vec<String> = (1..=4)
            .map(|at| array.raw_get::<Table>(at).unwrap().raw_get("name").unwrap())
            .collect();
        assert_eq!(names, ["Action", "Dup", "Dup", "Json"]);
        let json: Table = array.raw_get::<Table>(4).unwrap().raw_get("value").unwrap();
        let items: Table = json.raw_get("a").unwrap();
        assert_eq!(items.raw_get::<i64>(2).unwrap(), 2);
        // The same list read back as tags.
        let back = tags_from_lua(&lua, &array).unwrap();
        assert_eq!(back, msg.tags);
    }
}
