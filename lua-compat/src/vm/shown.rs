//! For the tests that compare the layer's replacements with Lua's own functions.

use mlua::Lua;

/// What the expression `call` gives, every value as text: a table as its entries -1 to 6,
/// a function as `function`, values joined by ` | `.
pub(super) fn shown(lua: &Lua, call: &str) -> String {
    let code = format!(
        "local function show(r) \
           local out = {{}} \
           for i = 1, r.n do \
             local v = r[i] \
             if type(v) == 'table' then \
               local items = {{}} \
               for j = -1, 6 do items[#items + 1] = tostring(rawget(v, j)) end \
               v = 'table ' .. table.concat(items, ' ') \
             elseif type(v) == 'function' then \
               v = 'function' \
             end \
             out[#out + 1] = tostring(v) \
           end \
           return table.concat(out, ' | ') \
         end \
         return show(table.pack({call}))"
    );
    lua.load(code).eval::<String>().unwrap()
}
