/* The WASI calls that wasi-libc and zig's libc leave in a module with the Lua layer,
 * answered inside the module.
 *
 * An AO host links no WASI (ao-loader's import object has none of these; an unknown import
 * fails instantiation), so each `__imported_wasi_snapshot_preview1_<name>` that wasi-libc
 * would import is defined here instead: the module then imports only
 * `env.emscripten_resize_heap`. Nothing in a process reads files, the environment or the
 * clock (the Lua sandbox has no `io`, and `os.time` is the message timestamp):
 * - writes to stdout/stderr are accepted and dropped (Lua's `print` is replaced by the AOS
 *   one, which writes into the message's Output);
 * - there is no file, directory or preopened path: `EBADF`, or `ENOSYS` for paths;
 * - the environment is empty, and the clock reads 0 (deterministic);
 * - `proc_exit` traps (the host rejects the call; the next message undoes it).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#define WASI_OK 0
#define WASI_EBADF 8
#define WASI_ENOSYS 52
#define WASI_FILETYPE_CHARACTER_DEVICE 2

struct wasi_ciovec {
    const void *buf;
    uint32_t len;
};

struct wasi_fdstat {
    uint8_t filetype;
    uint16_t flags;
    uint64_t rights_base;
    uint64_t rights_inheriting;
};

static int is_stdio(int32_t fd) {
    return fd >= 0 && fd <= 2;
}

int32_t __imported_wasi_snapshot_preview1_fd_write(int32_t fd, int32_t iovs, int32_t count,
                                                   int32_t written) {
    if (fd != 1 && fd != 2) {
        return WASI_EBADF;
    }
    const struct wasi_ciovec *iov = (const struct wasi_ciovec *)(uintptr_t)iovs;
    uint32_t total = 0;
    for (int32_t i = 0; i < count; i++) {
        total += iov[i].len;
    }
    *(uint32_t *)(uintptr_t)written = total;
    return WASI_OK;
}

int32_t __imported_wasi_snapshot_preview1_fd_read(int32_t fd, int32_t iovs, int32_t count,
                                                  int32_t read) {
    (void)fd, (void)iovs, (void)count, (void)read;
    return WASI_EBADF;
}

int32_t __imported_wasi_snapshot_preview1_fd_seek(int32_t fd, int64_t offset, int32_t whence,
                                                  int32_t out) {
    (void)fd, (void)offset, (void)whence, (void)out;
    return WASI_EBADF;
}

int32_t __imported_wasi_snapshot_preview1_fd_fdstat_get(int32_t fd, int32_t out) {
    if (!is_stdio(fd)) {
        return WASI_EBADF;
    }
    struct wasi_fdstat *stat = (struct wasi_fdstat *)(uintptr_t)out;
    memset(stat, 0, sizeof *stat);
    stat->filetype = WASI_FILETYPE_CHARACTER_DEVICE;
    return WASI_OK;
}

int32_t __imported_wasi_snapshot_preview1_fd_fdstat_set_flags(int32_t fd, int32_t flags) {
    (void)fd, (void)flags;
    return WASI_EBADF;
}

/* No preopened directories: the enumeration at start-up stops at once. */
int32_t __imported_wasi_snapshot_preview1_fd_prestat_get(int32_t fd, int32_t out) {
    (void)fd, (void)out;
    return WASI_EBADF;
}

int32_t __imported_wasi_snapshot_preview1_fd_prestat_dir_name(int32_t fd, int32_t path,
                                                              int32_t len) {
    (void)fd, (void)path, (void)len;
    return WASI_EBADF;
}

int32_t __imported_wasi_snapshot_preview1_fd_renumber(int32_t from, int32_t to) {
    (void)from, (void)to;
    return WASI_EBADF;
}

int32_t __imported_wasi_snapshot_preview1_fd_close(int32_t fd) {
    (void)fd;
    return WASI_EBADF;
}

int32_t __imported_wasi_snapshot_preview1_path_open(int32_t dir, int32_t lookup, int32_t path,
                                                    int32_t len, int32_t oflags, int64_t base,
                                                    int64_t inheriting, int32_t fdflags,
                                                    int32_t out) {
    (void)dir, (void)lookup, (void)path, (void)len, (void)oflags, (void)base, (void)inheriting,
        (void)fdflags, (void)out;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_path_remove_directory(int32_t dir, int32_t path,
                                                                int32_t len) {
    (void)dir, (void)path, (void)len;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_path_rename(int32_t from_dir, int32_t from,
                                                      int32_t from_len, int32_t to_dir,
                                                      int32_t to, int32_t to_len) {
    (void)from_dir, (void)from, (void)from_len, (void)to_dir, (void)to, (void)to_len;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_path_unlink_file(int32_t dir, int32_t path,
                                                           int32_t len) {
    (void)dir, (void)path, (void)len;
    return WASI_ENOSYS;
}

int32_t __imported_wasi_snapshot_preview1_environ_sizes_get(int32_t count, int32_t size) {
    *(uint32_t *)(uintptr_t)count = 0;
    *(uint32_t *)(uintptr_t)size = 0;
    return WASI_OK;
}

int32_t __imported_wasi_snapshot_preview1_environ_get(int32_t environ, int32_t buf) {
    (void)environ, (void)buf;
    return WASI_OK;
}

/* Every clock reads 0: nothing in a process may depend on the time it runs at. */
int32_t __imported_wasi_snapshot_preview1_clock_time_get(int32_t id, int64_t precision,
                                                         int32_t out) {
    (void)id, (void)precision;
    *(uint64_t *)(uintptr_t)out = 0;
    return WASI_OK;
}

_Noreturn void __imported_wasi_snapshot_preview1_proc_exit(int32_t code) {
    (void)code;
    __builtin_trap();
}

/* zig's libc defines `close` (weakly) over its own `fd_close` import: no file is ever open. */
int close(int fd) {
    (void)fd;
    errno = EBADF;
    return -1;
}
