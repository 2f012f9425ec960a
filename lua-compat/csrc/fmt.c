/* Lua's integer-to-text conversion without wasi-libc's printf engine.
 *
 * C Lua writes an integer as text (`tostring(n)`, `n .. ""`, a number tag value) with
 * `snprintf(buf, size, "%lld", n)` (`lua_integer2str`, LUA_INTEGER_FMT). In the module that
 * call runs wasi-libc's whole printf engine (`printf_core` and its helpers, about 11 KB of
 * code), which the host compiles the first time a process formats an integer: every AOS
 * `Send` does, for its `Reference`. The build compiles C Lua with `-Dsnprintf=aoxide_snprintf`,
 * so Lua's calls come here: "%lld" is written below, with `snprintf`'s result and
 * truncation; every other format (floats, `string.format`) goes to wasi-libc's `vsnprintf`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Writes `value` in decimal into `out` as snprintf(out, size, "%lld", value) does: at most
 * size - 1 characters and a terminating NUL (nothing when size is 0); returns the length of
 * the whole text. */
static int integer_text(char *out, size_t size, long long value) {
    char digits[20]; /* 2^63 has 19 digits */
    unsigned long long magnitude =
        value < 0 ? 0ull - (unsigned long long)value : (unsigned long long)value;
    int count = 0;
    do {
        digits[count++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    int length = count + (value < 0);
    if (size == 0) {
        return length;
    }
    size_t written = 0;
    if (value < 0 && written + 1 < size) {
        out[written++] = '-';
    }
    while (count > 0 && written + 1 < size) {
        out[written++] = digits[--count];
    }
    out[written] = '\0';
    return length;
}

int aoxide_snprintf(char *restrict out, size_t size, const char *restrict format, ...) {
    va_list args;
    va_start(args, format);
    int result;
    if (format[0] == '%' && format[1] == 'l' && format[2] == 'l' && format[3] == 'd' &&
        format[4] == '\0') {
        result = integer_text(out, size, va_arg(args, long long));
    } else {
        result = vsnprintf(out, size, format, args);
    }
    va_end(args);
    return result;
}
