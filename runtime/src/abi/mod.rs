//! The AO module ABI (wasm32 only): what [`export!`](crate::export) wires up.
//!
//! The contract is in `docs/module-abi.md` of the repository, and its table in
//! [`crate::module_abi`]; in short, the host passes the message and the environment as
//! NUL-terminated JSON, calls `handle`, reads a NUL-terminated JSON result, and snapshots
//! the whole linear memory as the process state. This module holds the bodies of every
//! export, so the macro stays a thin list of `extern "C"` wrappers:
//!
//! - [`heap`]: the global allocator (`talc`), growing memory through
//!   `env.emscripten_resize_heap` with a `memory.grow` fallback;
//! - [`stack`]: the emscripten argument "stack", emulated on the heap, and the stack-cookie
//!   area;
//! - [`handle`], [`malloc`], [`free`]: the entry point and the C allocator exports;
//! - [`view`]: the read-only JSON view tools call (`aoxide_view`; no AO host does).
//!
//! Nothing is kept in mutable wasm globals: the runtime, the last result, the allocator and
//! the argument stack are statics or heap objects in linear memory, so a memory snapshot
//! restored into a fresh instance carries everything. The runtime is created lazily on the
//! first call to `handle`, because constructors run before the host restores memory and
//! HyperBEAM runs no initialiser at all.
//!
//! The only import is `env.emscripten_resize_heap`.
//!
//! Things to know when building a module:
//!
//! - The `#[global_allocator]` is [`heap::HEAP`], defined here: every wasm32 crate that links
//!   aoxide uses it (a second global allocator is a link error).
//! - [`export!`](crate::export) defines `#[no_mangle]` symbols, so only one crate in a module
//!   may invoke it (an rlib that invokes it cannot be linked into another module that does).
//! - Rust's shadow-stack pointer is a mutable wasm global; a call that traps (a panic under
//!   `panic = "abort"`) never pops its frames, so in an instance the host keeps, the stack
//!   shrinks with every trap (about 570 panics exhaust ping's 1 MiB). Stable Rust cannot
//!   write that global, so `scripts/build-wasm.sh` patches `handle` after linking to reset it
//!   on entry (`tests/conformance/lib/reset-stack.mjs`). Publish the modules that script
//!   writes to `target/ao/`, not the raw cargo output.

use core::cell::UnsafeCell;

use crate::outcome::Outcome;
use crate::process::Process;
use crate::runtime::Runtime;

pub mod heap;
pub mod panic;
pub mod stack;

/// The runtime of one process type, stored in a `static` of the module (linear memory).
///
/// [`export!`](crate::export) declares one; it starts empty and is filled on the first call to
/// [`handle`].
pub struct Instance<P: Process> {
    runtime: UnsafeCell<Option<Runtime<P>>>,
}

// SAFETY: wasm32 without atomics runs one thread, and the host never re-enters `handle`.
unsafe impl<P: Process> Sync for Instance<P> {}

impl<P: Process> Instance<P> {
    /// An instance with no runtime yet.
    pub const fn new() -> Self {
        Instance {
            runtime: UnsafeCell::new(None),
        }
    }

    #[allow(clippy::mut_from_ref)]
    fn runtime(&self) -> &mut Runtime<P> {
        // SAFETY: only `handle` calls this, once per call, and calls never nest.
        let slot = unsafe { &mut *self.runtime.get() };
        slot.get_or_insert_with(Runtime::new)
    }
}

impl<P: Process> Default for Instance<P> {
    fn default() -> Self {
        Self::new()
    }
}

/// Single-threaded interior mutability for a non-generic static.
struct Cell<T>(UnsafeCell<T>);

// SAFETY: as for `Instance`.
unsafe impl<T> Sync for Cell<T> {}

/// The last result, NUL-terminated; valid until the next call to `handle`.
static RESULT: Cell<Vec<u8>> = Cell(UnsafeCell::new(Vec::new()));

/// The call in progress: set on entry to `handle`, cleared on return. Found set on entry,
/// it names a call that trapped in a host that kept the memory it left.
#[derive(Clone, Copy)]
struct Call {
    running: bool,
    msg: usize,
    env: usize,
}

static CALL: Cell<Call> = Cell(UnsafeCell::new(Call {
    running: false,
    msg: 0,
    env: 0,
}));

/// Memory a message may need beyond its own bytes, on top of [`NEED_PER_BYTE`] per byte:
/// the parsed copy, the handlers' work and the result. An estimate: a message that needs
/// more than this still fails cleanly when an allocation cannot be met (the host rejects
/// the call and the next call undoes it).
const NEED_BASE: usize = 256 * 1024;
/// Bytes of memory a message is assumed to need per byte of its JSON.
const NEED_PER_BYTE: usize = 3;

/// Starts a call: undoes what a trapped previous call left behind (its arguments, which the
/// host never freed) and records this one. Returns the text of the panic that ended the
/// previous call, when it trapped in a host that kept its memory.
fn begin_call(msg: usize, env: usize) -> Option<String> {
    panic::install();
    // SAFETY: single-threaded, never re-entered.
    let call = unsafe { &mut *CALL.0.get() };
    let trapped = if call.running { panic::take() } else { None };
    panic::clear();
    if call.running {
        stack::release_below([msg, env]);
        if call.msg != msg && call.msg != env {
            free(call.msg);
        }
        if call.env != msg && call.env != env {
            free(call.env);
        }
    }
    *call = Call {
        running: true,
        msg,
        env,
    };
    trapped
}

fn end_call() {
    // SAFETY: as in `begin_call`.
    unsafe { (*CALL.0.get()).running = false };
}

/// The memory-limit check made before a message is parsed: the heap in use, the arguments
/// and what the message may need must fit [`heap::memory_limit`].
fn check_memory(msg_len: usize, env_len: usize) -> Result<(), String> {
    let limit = heap::memory_limit();
    let base = heap::heap_base();
    let need = base
        // A quarter more for what the allocator cannot reuse (freed blocks between live ones).
        .saturating_add(heap::HEAP.in_use().saturating_mul(5) / 4)
        .saturating_add(msg_len.saturating_add(env_len))
        .saturating_add(msg_len.saturating_mul(NEED_PER_BYTE))
        .saturating_add(NEED_BASE);
    if need > limit {
        return Err(format!(
            "message of {msg_len} bytes refused: handling it needs about {need} bytes of memory, over the process' limit of {limit}"
        ));
    }
    Ok(())
}

/// Reads the NUL-terminated bytes at `addr`, treating the address as untrusted: null, out
/// of bounds and unterminated inputs are errors, never reads past the end of memory.
fn read_c_string(addr: usize, what: &str) -> Result<&'static [u8], String> {
    if addr == 0 {
        return Err(format!("{what} pointer is null"));
    }
    let end = heap::memory_end();
    if addr >= end {
        return Err(format!(
            "{what} pointer {addr} is outside memory ({end} bytes)"
        ));
    }
    // SAFETY: addr..end is inside linear memory (checked above); reading wasm memory
    // never faults, and the host does not write it while `handle` runs.
    let rest = unsafe { core::slice::from_raw_parts(addr as *const u8, end - addr) };
    let Some(len) = crate::json::nul_position(rest) else {
        return Err(format!("{what} is not NUL-terminated"));
    };
    // SAFETY: the bytes are inside memory, were written by the host, and nothing in the
    // module writes to a host argument while `handle` runs (they are blocks the module
    // handed out through `malloc` or `_emscripten_stack_alloc` and does not own).
    Ok(unsafe { core::slice::from_raw_parts(addr as *const u8, len) })
}

/// The body of the `handle` export: reads `msg` and `env` (addresses of NUL-terminated
/// JSON-1), runs the process, and returns the address of the NUL-terminated JSON result,
/// valid until the next call. Never panics on any input; bad input gets an `Error` result
/// and changes no state. Arguments that are blocks from [`malloc`] are freed before it
/// returns (the host must not reuse them).
pub fn handle<P: Process>(instance: &'static Instance<P>, msg: usize, env: usize) -> usize {
    // SAFETY: single-threaded, and the host is done with the previous result.
    let result = unsafe { &mut *RESULT.0.get() };
    // Free the previous result before handling, to keep the peak (and the snapshot) small.
    *result = Vec::new();
    let trapped = begin_call(msg, env);
    let runtime = instance.runtime();
    if let Some(text) = trapped {
        runtime.note_trap(text);
    }
    let mut out = match (read_c_string(msg, "message"), read_c_string(env, "env")) {
        (Ok(m), Ok(e)) => match check_memory(m.len(), e.len()) {
            Ok(()) => runtime.handle_json(m, e),
            Err(refused) => Outcome::refused(&refused).to_json(),
        },
        (Err(e), _) | (_, Err(e)) => Outcome::refused(&e).to_json(),
    };
    if let Some(limit) = runtime.memory_limit() {
        heap::set_process_limit(limit);
    }
    out.push(0);
    *result = out;
    // HyperBEAM writes both arguments with `malloc` and never frees them: a leak of every
    // message, which would grow memory past the initial size that its snapshot restore
    // accepts. Blocks from `malloc` carry a magic word, so free exactly those (ao-loader's
    // arguments come from the argument stack and are left to `_emscripten_stack_restore`).
    // A host that frees them itself later is harmless: `free` ignores a cleared block.
    free(msg);
    free(env);
    end_call();
    result.as_ptr() as usize
}

/// The body of the `aoxide_view` export (not called by AO hosts; see
/// [`crate::module_abi::TOOL_EXPORTS`]): the JSON of one [`ViewPart`](crate::view::ViewPart)
/// of the process, NUL-terminated, at the returned address until the next call. An
/// unknown part is `null`. Reads only; a host that wants no trace of the call in memory
/// runs it on a copy of the memory (the test network does).
pub fn view<P: Process>(instance: &'static Instance<P>, part: i32) -> usize {
    // SAFETY: single-threaded, and the host is done with the previous result.
    let result = unsafe { &mut *RESULT.0.get() };
    *result = Vec::new();
    let mut out = match crate::view::ViewPart::from_i32(part) {
        Some(part) => instance.runtime().view_json(part),
        None => b"null".to_vec(),
    };
    out.push(0);
    *result = out;
    result.as_ptr() as usize
}

/// Magic words in front of every block from [`malloc`] (each xor-ed with the block's
/// address), checked by [`free`]. The second differs from the argument stack's check word
/// at the same offset, so a stack block can never pass for a `malloc` block.
const MALLOC_MAGIC: [usize; 2] = [0x414f_584d, 0x4d58_4f41]; // "AOXM", "MXOA"
/// Header in front of blocks from [`malloc`]: keeps the payload 16-aligned.
const MALLOC_HEADER: usize = 16;

/// The body of the `malloc` export: `size` bytes, 16-aligned, or 0 when memory is
/// exhausted. HyperBEAM writes the message and env into such blocks and never frees them;
/// [`handle`] frees its arguments when they are such blocks, once it is done with them.
///
/// The header in front of the block holds the two magic words and, in its third word
/// (`payload - 8`), the size asked for: the C allocator of modules that link C code
/// (`realloc`, `calloc`, ... in aoxide-lua's `csrc/alloc.c`) is built on this export and
/// reads that word. Keep the two in step.
pub fn malloc(size: usize) -> usize {
    let Some(total) = size.checked_add(MALLOC_HEADER) else {
        return 0;
    };
    let block = heap::HEAP.alloc16(total);
    if block.is_null() {
        return 0;
    }
    let addr = block as usize;
    let magic = MALLOC_MAGIC.map(|m| m ^ addr);
    // SAFETY: a fresh block of at least 16 bytes, 16-aligned.
    unsafe { (block as *mut [usize; 4]).write([magic[0], magic[1], size, 0]) };
    addr + MALLOC_HEADER
}

/// The body of the `free` export. Ignores null and anything that does not look like a
/// live block from [`malloc`] (the host is untrusted; a bad `free` must not corrupt the
/// heap).
pub fn free(addr: usize) {
    if addr < MALLOC_HEADER || !addr.is_multiple_of(16) || addr >= heap::memory_end() {
        return;
    }
    let block = addr - MALLOC_HEADER;
    let words = block as *mut [usize; 2];
    // SAFETY: inside memory and aligned; reading wasm memory never faults.
    if unsafe { words.read() } != MALLOC_MAGIC.map(|m| m ^ block) {
        return;
    }
    // SAFETY: the magic words say `block` came from `malloc`, which wrote the size asked
    // for in the third word; clearing them makes a double free a no-op.
    unsafe {
        let size = (block as *const usize).add(2).read();
        words.write([0, 0]);
        heap::HEAP.free16(block as *mut u8, size + MALLOC_HEADER);
    }
}

/// The body of `emscripten_stack_init`: nothing to do (the argument stack is lazily empty).
pub fn stack_init() {}

/// The body of `emscripten_stack_get_end`: see [`stack::cookie_address`].
pub fn stack_end() -> usize {
    stack::cookie_address()
}

/// The body of `emscripten_stack_get_current`: see [`stack::current`].
pub fn stack_current() -> usize {
    stack::current()
}

/// The body of `_emscripten_stack_alloc`: see [`stack::alloc`].
pub fn stack_alloc(size: usize) -> usize {
    stack::alloc(size)
}

/// The body of `_emscripten_stack_restore`: see [`stack::restore`].
pub fn stack_restore(saved: usize) {
    stack::restore(saved)
}
