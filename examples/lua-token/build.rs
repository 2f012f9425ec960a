//! Precompiles the Lua token (`blueprints/lua/token.lua`) into a binary chunk, which the
//! process boots from (`aoxide_lua::lua_chunk!("token")`) without parsing it at spawn.

fn main() {
    let chunks = aoxide_lua_build::Chunks::new().unwrap_or_else(|e| panic!("{e}"));
    // The chunk name is the one the text had (`lua_source!`), so messages read the same.
    chunks.compile(
        "token",
        "../../blueprints/lua/token.lua",
        "../../../blueprints/lua/token.lua",
    );
}
