/* The C allocator of a module with the Lua layer, over the module's own `malloc` and `free`.
 *
 * `malloc` and `free` are the module's exports, defined in Rust by `aoxide::export!`
 * (`aoxide::abi::malloc`/`free`): every block carries a 16-byte header in front of it,
 * two magic words (checked by `free`, which ignores anything else) and, in its third word,
 * the size asked for. The rest of the C allocator is defined here on top of them, so that
 * wasi-libc's own dlmalloc (which would grow memory behind the host's back) is never
 * linked in, and every C allocation lives in the one heap the memory snapshot carries.
 * (mlua gives the Lua VM its own allocator over Rust's; this is for libc internals.)
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *malloc(size_t size);
void free(void *ptr);

/* The size `malloc` was asked for: the header's third word (see aoxide::abi::malloc). */
static size_t block_size(const void *ptr) {
    return ((const size_t *)ptr)[-2];
}

void *calloc(size_t count, size_t size) {
    size_t total;
    if (__builtin_mul_overflow(count, size, &total)) {
        errno = ENOMEM;
        return NULL;
    }
    void *ptr = malloc(total);
    if (ptr != NULL) {
        memset(ptr, 0, total);
    }
    return ptr;
}

void *realloc(void *ptr, size_t size) {
    if (ptr == NULL) {
        return malloc(size);
    }
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    size_t old = block_size(ptr);
    if (size <= old && size >= old / 2) {
        return ptr;
    }
    void *moved = malloc(size);
    if (moved == NULL) {
        return NULL;
    }
    memcpy(moved, ptr, old < size ? old : size);
    free(ptr);
    return moved;
}

/* `malloc` aligns to 16; larger alignments are not needed by anything the module links. */
void *aligned_alloc(size_t align, size_t size) {
    if (align > 16 || (align & (align - 1)) != 0) {
        errno = EINVAL;
        return NULL;
    }
    return malloc(size);
}

int posix_memalign(void **out, size_t align, size_t size) {
    if (align > 16 || (align & (align - 1)) != 0 || align < sizeof(void *)) {
        return EINVAL;
    }
    void *ptr = malloc(size);
    if (ptr == NULL) {
        return ENOMEM;
    }
    *out = ptr;
    return 0;
}

void *__libc_malloc(size_t size) { return malloc(size); }
void __libc_free(void *ptr) { free(ptr); }
void *__libc_calloc(size_t count, size_t size) { return calloc(count, size); }
