/* setjmp/longjmp for C Lua inside an AO module, over wasm exception handling.
 *
 * Lua raises errors with longjmp. Compiled with `-mllvm -wasm-enable-sjlj`, clang turns
 * every setjmp into a call of __wasm_setjmp (remember which function invocation and which
 * label of it the buffer belongs to), every return from a call that may longjmp into a
 * try/catch of the `__c_longjmp` tag that asks __wasm_setjmp_test whether the buffer is
 * one of this invocation's, and every longjmp into __wasm_longjmp, which throws that tag
 * with a pointer to (buffer, value). Nothing here calls the host: the exception never
 * leaves the module (Lua always has a setjmp in place before it raises).
 */
#include <stdint.h>

/* What a jmp_buf holds here (it is 8 words and more in wasi-libc's setjmp.h). */
struct aoxide_jmp {
    void *invocation; /* the function invocation that called setjmp */
    uint32_t label;   /* which setjmp call of that invocation */
    void *env;        /* thrown with the tag: the buffer ... */
    int val;          /* ... and the value setjmp returns the second time */
};

_Static_assert(sizeof(struct aoxide_jmp) <= 32, "fits wasi-libc's jmp_buf");

void __wasm_setjmp(void *env, uint32_t label, void *invocation) {
    struct aoxide_jmp *jb = env;
    if (label == 0 || invocation == 0) {
        __builtin_trap();
    }
    jb->invocation = invocation;
    jb->label = label;
}

uint32_t __wasm_setjmp_test(void *env, void *invocation) {
    struct aoxide_jmp *jb = env;
    return jb->invocation == invocation ? jb->label : 0;
}

void __wasm_longjmp(void *env, int val) {
    struct aoxide_jmp *jb = env;
    jb->env = env;
    jb->val = val == 0 ? 1 : val;
    /* Tag 1 is C_LONGJMP, the `__c_longjmp` tag (defined in c_longjmp.S). */
    __builtin_wasm_throw(1, &jb->env);
}
