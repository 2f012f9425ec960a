/* Lua libraries an AO process never opens, left out of the module.
 *
 * aoxide-lua replaces `os` with its own (`time` is the message timestamp, `clock` is 0) and
 * opens no `io`, but mlua's code names `luaopen_os` and `luaopen_io`, which would link
 * loslib.o and liolib.o and, through them, wasi-libc's files, stdio streams, time zones and
 * environment. These definitions come first, so the archive members are never linked; they
 * are never called (calling one is a Lua error, not a trap).
 */
#include "lauxlib.h"

int luaopen_io(lua_State *L) {
    return luaL_error(L, "no io library in an AO process");
}

int luaopen_os(lua_State *L) {
    return luaL_error(L, "no C os library in an AO process (aoxide-lua defines os)");
}
