/*
 * aoxide-lua-build's tool (compiled for the build machine in a build script, never part of
 * a module): compiles one Lua file into a Lua 5.3 binary chunk with its debug information
 * (chunk name, lines, local names), so that the VM loads it without parsing it and
 * tracebacks read as they would from the text.
 *
 *   luadump CHUNKNAME IN.lua OUT.luac
 */
#include <stdio.h>
#include <stdlib.h>

#include "lauxlib.h"
#include "lua.h"

static int write_part(lua_State *L, const void *p, size_t n, void *file) {
    (void)L;
    return fwrite(p, 1, n, (FILE *)file) != n;
}

static char *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long size;
    if (f == NULL) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text != NULL && fread(text, 1, (size_t)size, f) != (size_t)size) {
            free(text);
            text = NULL;
        }
        *len = (size_t)size;
    }
    fclose(f);
    return text;
}

int main(int argc, char **argv) {
    size_t len = 0;
    char *text;
    lua_State *L;
    FILE *out;
    int failed;
    if (argc != 4) {
        fprintf(stderr, "usage: %s CHUNKNAME IN.lua OUT.luac\n", argv[0]);
        return 2;
    }
    text = read_all(argv[2], &len);
    if (text == NULL) {
        fprintf(stderr, "luadump: cannot read %s\n", argv[2]);
        return 1;
    }
    L = luaL_newstate();
    if (L == NULL) return 1;
    if (luaL_loadbufferx(L, text, len, argv[1], "t") != LUA_OK) {
        fprintf(stderr, "luadump: %s\n", lua_tostring(L, -1));
        return 1;
    }
    out = fopen(argv[3], "wb");
    if (out == NULL) {
        fprintf(stderr, "luadump: cannot write %s\n", argv[3]);
        return 1;
    }
    failed = lua_dump(L, write_part, out, 0);
    failed |= fclose(out) != 0;
    lua_close(L);
    free(text);
    if (failed) fprintf(stderr, "luadump: writing %s failed\n", argv[3]);
    return failed ? 1 : 0;
}
