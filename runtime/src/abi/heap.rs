//! The heap: `dlmalloc` over linear memory that grows through the host.
//!
//! Every byte of process state lives in linear memory, because the host's memory snapshot
//! IS the process. The allocator's own bookkeeping is a `static` (so it is in linear memory
//! too, never in a wasm global).
//!
//! Growing memory is the delicate part (see `docs/module-abi.md`): ao-loader keeps
//! JS views of memory that it refreshes only when it grows memory itself, so the module asks
//! the host first through `env.emscripten_resize_heap(new_total_bytes)`. Where that returns 0
//! (HyperBEAM answers every unknown import with 0) the module falls back to `memory.grow`.
//! Either way the new region starts at the old end of memory, so nothing the host or the
//! allocator already uses is ever handed out twice.

use core::alloc::{GlobalAlloc, Layout};
use core::arch::wasm32;
use core::cell::{Cell, UnsafeCell};
use core::ptr;

#[cfg(target_feature = "atomics")]
compile_error!("aoxide's wasm32 heap is single-threaded; build without the `atomics` feature");

/// Bytes in a wasm page.
pub const PAGE: usize = 65536;

/// The largest memory the module ever asks for: 65535 pages, the most ao-loader allows
/// (and the most whose end address still fits a `u32`).
pub const MAX_PAGES: usize = 65535;

#[link(wasm_import_module = "env")]
extern "C" {
    /// The emscripten runtime's heap growth: grows memory to at least `requested` bytes and
    /// refreshes the loader's views. Returns 1 on success (ao-loader), 0 on failure or when
    /// the host stubs it (HyperBEAM).
    fn emscripten_resize_heap(requested: usize) -> i32;
}

extern "C" {
    /// First byte after the linker's static data and stack: where the heap may start.
    static __heap_base: u8;
}

/// Where the heap starts: everything below is static data and the stack.
pub fn heap_base() -> usize {
    // Only the address of the linker symbol is taken, never its value.
    ptr::addr_of!(__heap_base) as usize
}

/// Current end of linear memory, in bytes (clamped to [`MAX_PAGES`]).
pub fn memory_end() -> usize {
    wasm32::memory_size(0).min(MAX_PAGES) * PAGE
}

/// The memory budget fixed when the module was built: `AOXIDE_MEMORY_BUDGET` (bytes) in the
/// environment of the build, for hosts that restore a snapshot only into a fresh instance
/// of the initial size (HyperBEAM): link such a module with `--initial-memory` equal to it,
/// and memory never grows. Unset: the most wasm32 allows.
pub const BUILD_BUDGET: usize = parse_budget(option_env!("AOXIDE_MEMORY_BUDGET"));

const fn parse_budget(text: Option<&str>) -> usize {
    let Some(text) = text else {
        return MAX_PAGES * PAGE;
    };
    let bytes = text.as_bytes();
    let mut value: usize = 0;
    let mut i = 0;
    while i < bytes.len() {
        let digit = bytes[i];
        assert!(
            digit.is_ascii_digit(),
            "AOXIDE_MEMORY_BUDGET must be a number of bytes"
        );
        value = value * 10 + (digit - b'0') as usize;
        i += 1;
    }
    assert!(
        value.is_multiple_of(PAGE) && value > 0,
        "AOXIDE_MEMORY_BUDGET must be a positive multiple of 65536"
    );
    if value > MAX_PAGES * PAGE {
        MAX_PAGES * PAGE
    } else {
        value
    }
}

/// The process' own limit (its `Memory-Limit` tag), once known; 0 = none.
struct Limit(Cell<usize>);
// SAFETY: wasm32 without atomics has one thread.
unsafe impl Sync for Limit {}
static PROCESS_LIMIT: Limit = Limit(Cell::new(0));

/// Sets the process' memory limit (bytes), from its `Memory-Limit` tag.
pub fn set_process_limit(bytes: usize) {
    PROCESS_LIMIT.0.set(bytes);
}

/// The most memory the module may have, in bytes: the build budget, lowered by the
/// process' `Memory-Limit`. Memory never grows past it (an allocation that would needs it
/// fails), and [`handle`](super::handle) refuses a message that would need more.
pub fn memory_limit() -> usize {
    match PROCESS_LIMIT.0.get() {
        0 => BUILD_BUDGET,
        limit => limit.min(BUILD_BUDGET),
    }
}

/// Grows linear memory so that it holds at least `target` bytes: first through the host,
/// then with `memory.grow`. Returns false when neither could, or when `target` is past
/// [`memory_limit`].
pub fn grow_to(target: usize) -> bool {
    let pages = target.div_ceil(PAGE);
    if pages > MAX_PAGES || pages * PAGE > memory_limit().max(memory_end()) {
        return false;
    }
    let current = wasm32::memory_size(0);
    if current >= pages {
        return true;
    }
    // SAFETY: a plain host call with an integer argument; the host may grow memory, which
    // invalidates nothing on the Rust side (addresses stay the same).
    let asked = unsafe { emscripten_resize_heap(pages * PAGE) };
    let now = wasm32::memory_size(0);
    if asked != 0 && now >= pages {
        return true;
    }
    wasm32::memory_grow(0, pages - now) != usize::MAX
}

/// The system layer under `dlmalloc`: hands out regions of linear memory.
///
/// The first region is the free space the linker left between `__heap_base` and the end of
/// the initial memory (extended when the first request is larger); every later region
/// starts where the last one ended and runs to the end of memory. That end is kept here (in
/// linear memory, so in the snapshot), not read from the memory size: when a host writes a
/// smaller snapshot back into an instance that grew (ao-loader after an out-of-memory trap
/// copies the pre-trap memory into the grown instance), the space between the snapshot's
/// end and the instance's end is handed to dlmalloc again instead of being lost.
pub struct HostMemory {
    /// End of the last region handed out; 0 before the first.
    end: Cell<usize>,
}

// SAFETY: wasm32 without atomics has one thread; the compile_error above rules out the rest.
unsafe impl Send for HostMemory {}

impl HostMemory {
    /// The system layer, with the initial free space not yet handed out.
    pub const fn new() -> Self {
        HostMemory { end: Cell::new(0) }
    }
}

impl Default for HostMemory {
    fn default() -> Self {
        Self::new()
    }
}

fn align_up(value: usize, align: usize) -> Option<usize> {
    Some(value.checked_add(align - 1)? & !(align - 1))
}

// SAFETY: regions returned are fresh, disjoint, page-granular parts of linear memory that
// nothing else uses (everything past `__heap_base` belongs to this allocator).
unsafe impl dlmalloc::Allocator for HostMemory {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        let start = if self.end.get() != 0 {
            self.end.get()
        } else {
            match align_up(heap_base(), 16) {
                Some(base) => base,
                None => return (ptr::null_mut(), 0, 0),
            }
        };
        let Some(needed) = start.checked_add(size) else {
            return (ptr::null_mut(), 0, 0);
        };
        if needed > memory_end() && !grow_to(needed) {
            return (ptr::null_mut(), 0, 0);
        }
        let end = memory_end();
        if end < needed {
            return (ptr::null_mut(), 0, 0);
        }
        // Keep the region clear of the very top of the address space (dlmalloc adds to
        // pointers past the end of a segment).
        let len = (end - start) & !15;
        self.end.set(start + len);
        (start as *mut u8, len, 0)
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        // A restored snapshot may hold anything past the end of the old heap; never assume.
        false
    }

    fn page_size(&self) -> usize {
        PAGE
    }
}

/// Granularity of the small-block size classes, in bytes (dlmalloc's own alignment).
const CLASS_STEP: usize = 8;
/// The largest block kept in a size class; larger ones go straight to dlmalloc.
const CLASS_MAX: usize = 512;
/// Number of size classes (class `i` holds blocks of `i * CLASS_STEP` bytes; 0 is unused).
const CLASSES: usize = CLASS_MAX / CLASS_STEP + 1;

/// The global allocator of every aoxide wasm32 module: `dlmalloc` over [`HostMemory`],
/// with a free list per small size class in front of it.
///
/// A message allocates and frees a hundred or so small blocks (tag names and values,
/// strings of the result); a freed block of up to [`CLASS_MAX`] bytes (alignment 8 at
/// most) goes on the list of its size class, and the next request of that class takes it
/// back in a few instructions instead of a trip through dlmalloc's bins. Blocks on the lists
/// stay allocated as far as dlmalloc knows; they are only ever reused for their own class,
/// so memory stays bounded by the peak use of each class. The lists are in linear memory
/// (a static), so a snapshot carries them like the rest of the heap.
pub struct Heap {
    inner: UnsafeCell<dlmalloc::Dlmalloc<HostMemory>>,
    /// Head of each class's free list; each free block holds the address of the next.
    free_lists: UnsafeCell<[*mut u8; CLASSES]>,
    /// Bytes of Rust allocations live now (requested sizes).
    in_use: Cell<usize>,
}

/// The size class of a request, when it is small enough and needs no more than dlmalloc's
/// alignment.
#[inline(always)]
fn class_of(size: usize, align: usize) -> Option<usize> {
    if size <= CLASS_MAX && align <= CLASS_STEP {
        Some(size.max(1).div_ceil(CLASS_STEP))
    } else {
        None
    }
}

// SAFETY: wasm32 without atomics has one thread, and no allocator call re-enters another
// (the host import called while growing never calls back into the module).
unsafe impl Sync for Heap {}

impl Heap {
    /// An empty heap; memory is taken from the host on first use.
    pub const fn new() -> Self {
        Heap {
            inner: UnsafeCell::new(dlmalloc::Dlmalloc::new_with_allocator(HostMemory::new())),
            free_lists: UnsafeCell::new([ptr::null_mut(); CLASSES]),
            in_use: Cell::new(0),
        }
    }

    /// Bytes of Rust allocations live now (what [`handle`](super::handle) compares with
    /// [`memory_limit`] before taking a message).
    pub fn in_use(&self) -> usize {
        self.in_use.get()
    }

    #[inline(always)]
    fn count(&self, block: *mut u8, size: usize) -> *mut u8 {
        if !block.is_null() {
            self.in_use.set(self.in_use.get().wrapping_add(size));
        }
        block
    }

    #[inline(always)]
    fn uncount(&self, size: usize) {
        self.in_use.set(self.in_use.get().saturating_sub(size));
    }

    #[allow(clippy::mut_from_ref)]
    fn dl(&self) -> &mut dlmalloc::Dlmalloc<HostMemory> {
        // SAFETY: single-threaded and never re-entered (see the `Sync` impl), so this is the
        // only live reference for the duration of each allocator call.
        unsafe { &mut *self.inner.get() }
    }

    /// C `malloc`: `size` bytes aligned to 8, or null.
    pub fn c_malloc(&self, size: usize) -> *mut u8 {
        // SAFETY: any size is accepted; null signals failure.
        unsafe { self.dl().c_malloc(size) }
    }

    /// C `memalign`: `size` bytes aligned to `align` (a power of two), or null.
    pub fn c_memalign(&self, align: usize, size: usize) -> *mut u8 {
        // SAFETY: dlmalloc rounds odd alignments up and returns null on failure.
        unsafe { self.dl().c_memalign(align, size) }
    }

    /// C `free` of a pointer from [`Heap::c_malloc`] or [`Heap::c_memalign`].
    ///
    /// # Safety
    /// `ptr` must come from [`Heap::c_malloc`] or [`Heap::c_memalign`] and not have been freed.
    pub unsafe fn c_free(&self, ptr: *mut u8) {
        if !ptr.is_null() {
            self.dl().c_free(ptr)
        }
    }
}

impl Default for Heap {
    fn default() -> Self {
        Self::new()
    }
}

impl Heap {
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    fn lists(&self) -> &mut [*mut u8; CLASSES] {
        // SAFETY: as for `dl`: single-threaded, never re-entered.
        unsafe { &mut *self.free_lists.get() }
    }

    /// A block of class `class`: the head of its list, else a new one from dlmalloc.
    #[inline(always)]
    fn alloc_class(&self, class: usize) -> *mut u8 {
        let head = &mut self.lists()[class];
        let block = *head;
        if block.is_null() {
            // SAFETY: dlmalloc accepts any size; null signals failure.
            return unsafe { self.dl().malloc(class * CLASS_STEP, CLASS_STEP) };
        }
        // SAFETY: a block on a free list holds the address of the next one in its first
        // word (written by `free_class`), and is aligned to at least 8.
        *head = unsafe { (block as *const *mut u8).read() };
        block
    }

    /// Puts a block of class `class` on its list.
    #[inline(always)]
    fn free_class(&self, block: *mut u8, class: usize) {
        let head = &mut self.lists()[class];
        // SAFETY: the block is at least 8 bytes, 8-aligned, and no longer in use.
        unsafe { (block as *mut *mut u8).write(*head) };
        *head = block;
    }
}

// SAFETY: small blocks come from dlmalloc with the size of their class (at least the
// request) and alignment 8 (at least the request's); a block is on at most one list and
// handed out again only once; the rest forwards to dlmalloc, which honours size and
// alignment.
unsafe impl GlobalAlloc for Heap {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let block = match class_of(layout.size(), layout.align()) {
            Some(class) => self.alloc_class(class),
            None => self.dl().malloc(layout.size(), layout.align()),
        };
        self.count(block, layout.size())
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let block = match class_of(layout.size(), layout.align()) {
            Some(class) => {
                let block = self.alloc_class(class);
                if !block.is_null() {
                    ptr::write_bytes(block, 0, layout.size());
                }
                block
            }
            None => self.dl().calloc(layout.size(), layout.align()),
        };
        self.count(block, layout.size())
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.uncount(layout.size());
        match class_of(layout.size(), layout.align()) {
            Some(class) => self.free_class(ptr, class),
            None => self.dl().free(ptr, layout.size(), layout.align()),
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class_of(layout.size(), layout.align());
        let new = class_of(new_size, layout.align());
        match (old, new) {
            (None, None) => {
                let moved = self
                    .dl()
                    .realloc(ptr, layout.size(), layout.align(), new_size);
                if !moved.is_null() {
                    self.uncount(layout.size());
                }
                self.count(moved, new_size)
            }
            // Still fits the block it has.
            (Some(a), Some(b)) if a == b => {
                self.uncount(layout.size());
                self.count(ptr, new_size)
            }
            _ => {
                // SAFETY: the caller guarantees `new_size` with this alignment is a valid
                // layout.
                let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
                let fresh = self.alloc(new_layout);
                if !fresh.is_null() {
                    ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
                    self.dealloc(ptr, layout);
                }
                fresh
            }
        }
    }
}

/// The allocator every aoxide wasm32 module uses.
#[global_allocator]
pub static HEAP: Heap = Heap::new();
