//! The heap: `talc` over linear memory that grows through the host.
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

/// The memory source under [`talc`]: hands it linear memory, growing it through the host.
///
/// The first region is the free space the linker left between `__heap_base` and the end of
/// the initial memory (grown first when a larger request comes first); every later request
/// extends the heap from where it ended to the new end of memory. That end is kept here
/// (in linear memory, so in the snapshot), not read from the memory size: when a host
/// writes a smaller snapshot back into an instance that grew (ao-loader after an
/// out-of-memory trap copies the pre-trap memory into the grown instance), the space
/// between the snapshot's end and the instance's end is handed to the allocator again
/// instead of being lost.
#[derive(Debug)]
pub struct HostMemory {
    /// End of the heap handed to the allocator so far; `None` before the first region.
    end: Option<ptr::NonNull<u8>>,
}

impl HostMemory {
    /// The source, with the initial free space not yet handed out.
    pub const fn new() -> Self {
        HostMemory { end: None }
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

/// Bytes past a request that the allocator may need around it: its chunk's tag and
/// rounding, the alignment, and on the first region its bin table.
const OVERHEAD: usize = 1024;

// SAFETY: the regions handed to talc are parts of linear memory past `__heap_base` that
// nothing else uses (everything there belongs to this allocator), each one starting where
// the last one ended; the source never allocates.
unsafe impl talc::source::Source for HostMemory {
    fn acquire<B: talc::base::binning::Binning>(
        talc: &mut talc::base::Talc<Self, B>,
        layout: Layout,
    ) -> Result<(), ()> {
        let start = match talc.source.end {
            Some(end) => end.as_ptr() as usize,
            None => align_up(heap_base(), 16).ok_or(())?,
        };
        let need = layout
            .size()
            .checked_add(layout.align())
            .and_then(|n| n.checked_add(OVERHEAD))
            .and_then(|n| n.checked_add(start))
            .ok_or(())?;
        if need > memory_end() && !grow_to(need) {
            return Err(());
        }
        let end = memory_end();
        if end < need {
            return Err(());
        }
        // SAFETY: `start..end` is linear memory no one else uses (see the impl's comment);
        // talc keeps its bin table at the start of the first region.
        talc.source.end = unsafe {
            match talc.source.end {
                Some(old) => Some(talc.extend(old, end as *mut u8)),
                None => talc.claim(start as *mut u8, end - start),
            }
        };
        talc.source.end.map(|_| ()).ok_or(())
    }
}

/// Granularity of the small-block size classes, in bytes.
const CLASS_STEP: usize = 8;
/// The largest block kept in a size class; larger ones go straight to talc.
const CLASS_MAX: usize = 1024;
/// Number of size classes (class `i` holds blocks of `i * CLASS_STEP` bytes; 0 is unused).
const CLASSES: usize = CLASS_MAX / CLASS_STEP + 1;

/// The allocator under the size classes: talc, with its bins for wasm32.
type Talc = talc::base::Talc<HostMemory, talc::wasm::WasmBinning>;

/// The global allocator of every aoxide wasm32 module: [`talc`] over [`HostMemory`],
/// with a free list per small size class in front of it.
///
/// A message allocates and frees a hundred or so small blocks (tag names and values,
/// strings of the result); a freed block of up to [`CLASS_MAX`] bytes (alignment 8 at
/// most) goes on the list of its size class, and the next request of that class takes it
/// back in a few instructions instead of a trip through talc's bins. Blocks on the lists
/// stay allocated as far as talc knows; they are only ever reused for their own class,
/// so memory stays bounded by the peak use of each class. The lists are in linear memory
/// (a static), so a snapshot carries them like the rest of the heap.
pub struct Heap {
    inner: UnsafeCell<Talc>,
    /// Head of each class's free list; each free block holds the address of the next.
    free_lists: UnsafeCell<[*mut u8; CLASSES]>,
    /// Bytes of Rust allocations live now (requested sizes).
    in_use: Cell<usize>,
}

/// The size class of a request, when it is small enough and needs no more than the
/// classes' alignment.
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
            inner: UnsafeCell::new(Talc::new(HostMemory::new())),
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
    fn talc(&self) -> &mut Talc {
        // SAFETY: single-threaded and never re-entered (see the `Sync` impl), so this is the
        // only live reference for the duration of each allocator call.
        unsafe { &mut *self.inner.get() }
    }

    /// A block of `layout` from talc (whose sizes must not be 0), or null.
    fn big(&self, layout: Layout) -> *mut u8 {
        // SAFETY: talc needs a non-zero size: zero-sized requests are small.
        unsafe { self.talc().allocate(layout) }.map_or(ptr::null_mut(), |p| p.as_ptr())
    }

    /// `size` bytes aligned to 16, or null: the blocks of the C `malloc` export and of
    /// the argument stack. Free with [`Heap::free16`] and the same size.
    pub fn alloc16(&self, size: usize) -> *mut u8 {
        match Layout::from_size_align(size, 16) {
            // SAFETY: a valid layout; `alloc` accepts any.
            Ok(layout) => unsafe { self.alloc(layout) },
            Err(_) => ptr::null_mut(),
        }
    }

    /// Frees a block of [`Heap::alloc16`].
    ///
    /// # Safety
    /// `ptr` must come from [`Heap::alloc16`] with this `size` and not have been freed.
    pub unsafe fn free16(&self, ptr: *mut u8, size: usize) {
        self.dealloc(ptr, Layout::from_size_align_unchecked(size, 16))
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
        // SAFETY: as for `talc`: single-threaded, never re-entered.
        unsafe { &mut *self.free_lists.get() }
    }

    /// A block of class `class`: the head of its list, else a new one from talc.
    #[inline(always)]
    fn alloc_class(&self, class: usize) -> *mut u8 {
        let head = &mut self.lists()[class];
        let block = *head;
        if block.is_null() {
            // SAFETY: a class size is at least 8 and a multiple of 8, a valid layout.
            return self
                .big(unsafe { Layout::from_size_align_unchecked(class * CLASS_STEP, CLASS_STEP) });
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

// SAFETY: small blocks come from talc with the size of their class (at least the request)
// and alignment 8 (at least the request's); a block is on at most one list and handed out
// again only once; the rest forwards to talc, which honours size and alignment (every
// request that reaches it is larger than `CLASS_MAX` or more aligned than 8, so never of
// size 0).
unsafe impl GlobalAlloc for Heap {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let block = match class_of(layout.size(), layout.align()) {
            Some(class) => self.alloc_class(class),
            None => self.big(layout),
        };
        self.count(block, layout.size())
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.uncount(layout.size());
        match class_of(layout.size(), layout.align()) {
            Some(class) => self.free_class(ptr, class),
            None => self.talc().deallocate(ptr, layout),
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let old = class_of(layout.size(), layout.align());
        let new = class_of(new_size, layout.align());
        let in_place = match (old, new) {
            // Still fits the block it has.
            (Some(a), Some(b)) => a == b,
            (None, None) => self.talc().try_realloc_in_place(ptr, layout, new_size),
            _ => false,
        };
        if in_place {
            self.uncount(layout.size());
            return self.count(ptr, new_size);
        }
        // SAFETY: the caller guarantees `new_size` with this alignment is a valid layout.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        // The global allocator (`HEAP`) moves the block through its entry points, which
        // inline its `alloc` and `dealloc`, instead of copies of them inlined here too (the
        // test is folded where `realloc` is inlined into the entry point); another heap
        // through its own.
        let global = ptr::eq(self, &HEAP);
        let fresh = if global {
            std::alloc::alloc(new_layout)
        } else {
            self.alloc(new_layout)
        };
        if !fresh.is_null() {
            ptr::copy_nonoverlapping(ptr, fresh, layout.size().min(new_size));
            if global {
                std::alloc::dealloc(ptr, layout);
            } else {
                self.dealloc(ptr, layout);
            }
        }
        fresh
    }
}

/// The allocator every aoxide wasm32 module uses.
#[global_allocator]
pub static HEAP: Heap = Heap::new();
