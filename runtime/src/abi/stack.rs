//! The emscripten "stack" the host uses to pass arguments, emulated on the heap.
//!
//! ao-loader calls `stackSave` (`emscripten_stack_get_current`), copies each argument string
//! into a block from `_emscripten_stack_alloc`, calls `handle`, and then `stackRestore`s the
//! saved value. The strings can be megabytes, far more than any real stack, so each block
//! is a heap allocation with a small header linking it to the previous one. The "stack
//! pointer" is the address of the newest header (or of a static marker when there is none), so a
//! saved value identifies exactly the blocks allocated after it. Everything lives in linear
//! memory (statics and heap), none of it in wasm globals.
//!
//! It also provides the stack-cookie area the host writes to at instantiation
//! ([`cookie_address`]).

use core::cell::UnsafeCell;
use core::ptr;

use super::heap::HEAP;

/// Header in front of every block: the previous block, a check word, and the block's
/// size (header included, for the allocator).
#[repr(C, align(16))]
struct Block {
    prev: *mut Block,
    check: usize,
    size: usize,
}

const HEADER: usize = core::mem::size_of::<Block>();
/// Differs from the second `malloc` magic word (see `abi::MALLOC_MAGIC`).
const CHECK: usize = 0x5354_4b41; // "STKA"

/// Single-threaded interior mutability for statics in linear memory.
#[repr(C, align(16))]
struct Slot<T>(UnsafeCell<T>);

// SAFETY: wasm32 without atomics has one thread, and the exports never re-enter.
unsafe impl<T> Sync for Slot<T> {}

/// The newest block, or null.
static TOP: Slot<*mut Block> = Slot(UnsafeCell::new(ptr::null_mut()));

/// A distinct non-zero address standing for "no blocks": what `stackSave` returns then.
static BOTTOM: Slot<[u8; 16]> = Slot(UnsafeCell::new([0; 16]));

/// Sixteen bytes the module never touches: the host writes its stack cookies here.
static COOKIE: Slot<[u32; 4]> = Slot(UnsafeCell::new([0; 4]));

/// The address the host treats as the stack end and writes two cookies to: 16-aligned,
/// 16 bytes long, never used by the module and never 0.
pub fn cookie_address() -> usize {
    COOKIE.0.get() as usize
}

fn top() -> *mut Block {
    // SAFETY: single-threaded; a plain read of a static in linear memory.
    unsafe { *TOP.0.get() }
}

fn set_top(block: *mut Block) {
    // SAFETY: as in `top`.
    unsafe { *TOP.0.get() = block }
}

/// `emscripten_stack_get_current`: the value to restore to later. Never 0.
pub fn current() -> usize {
    let top = top();
    if top.is_null() {
        BOTTOM.0.get() as usize
    } else {
        top as usize
    }
}

/// `_emscripten_stack_alloc`: a 16-aligned block of `size` bytes, freed by a later
/// [`restore`] to a value saved before it. Traps when memory is exhausted (the host then
/// rejects the call) rather than returning an address the host would write over.
pub fn alloc(size: usize) -> usize {
    let Some(total) = size.checked_add(HEADER) else {
        core::arch::wasm32::unreachable()
    };
    let block = HEAP.alloc16(total) as *mut Block;
    if block.is_null() {
        core::arch::wasm32::unreachable()
    }
    push(block, total)
}

fn push(block: *mut Block, size: usize) -> usize {
    // SAFETY: `block` is a fresh allocation of at least HEADER bytes, 16-aligned.
    unsafe {
        block.write(Block {
            prev: top(),
            check: CHECK ^ block as usize,
            size,
        });
    }
    set_top(block);
    block as usize + HEADER
}

/// The newest block that [`release_below`] freed: a host that saved the stack position
/// before the trapped call's leftovers were freed restores to it, which then means "to the
/// bottom". 0 when none.
static RELEASED_TOP: Slot<usize> = Slot(UnsafeCell::new(0));

/// `_emscripten_stack_restore`: frees every block allocated after `saved` was returned by
/// [`current`]. A value that does not name a live block (or the bottom) changes nothing:
/// leaking is better than freeing memory still in use.
pub fn restore(saved: usize) {
    let bottom = BOTTOM.0.get() as usize;
    // SAFETY: single-threaded; a plain access of a static in linear memory.
    let released = unsafe { &mut *RELEASED_TOP.0.get() };
    let saved = if *released != 0 && saved == *released && !is_live(saved) {
        bottom
    } else {
        saved
    };
    *released = 0;
    if saved != bottom && !is_live(saved) {
        return;
    }
    let mut block = top();
    while !block.is_null() && block as usize != saved {
        // SAFETY: every block on the chain was pushed by `push` and is still allocated.
        let prev = unsafe { (*block).prev };
        // SAFETY: clear the check word so a stale value can never match again, then free.
        unsafe {
            (*block).check = 0;
            HEAP.free16(block.cast(), (*block).size);
        }
        block = prev;
        set_top(block);
    }
}

/// After a call that trapped, in a host that kept its memory: frees every block under the
/// current call's arguments (`keep`, payload addresses). The trapped call's arguments were
/// never restored by the host (emscripten's `ccall` skips `stackRestore` when the call
/// throws), so without this each trapped call would leak its whole message.
pub fn release_below(keep: [usize; 2]) {
    let mut newest_kept: *mut Block = ptr::null_mut();
    let mut block = top();
    while !block.is_null() && keep.contains(&(block as usize + HEADER)) {
        newest_kept = block;
        // SAFETY: on the chain, so allocated and initialised.
        block = unsafe { (*block).prev };
    }
    if block.is_null() {
        return;
    }
    // SAFETY: single-threaded; a plain write of a static in linear memory.
    unsafe { *RELEASED_TOP.0.get() = block as usize };
    if newest_kept.is_null() {
        set_top(ptr::null_mut());
    } else {
        // SAFETY: a live block on the chain.
        unsafe { (*newest_kept).prev = ptr::null_mut() };
    }
    while !block.is_null() {
        // SAFETY: every block on the chain was pushed by `push` and is still allocated.
        let prev = unsafe { (*block).prev };
        // SAFETY: unlinked above; clear the check word, then free.
        unsafe {
            (*block).check = 0;
            HEAP.free16(block.cast(), (*block).size);
        }
        block = prev;
    }
}

fn is_live(saved: usize) -> bool {
    let mut block = top();
    while !block.is_null() {
        if block as usize == saved {
            // SAFETY: on the chain, so allocated and initialised.
            return unsafe { (*block).check } == CHECK ^ saved;
        }
        // SAFETY: as above.
        block = unsafe { (*block).prev };
    }
    false
}
