//! The Lua heap's allocations charged to the instruction budget.
//!
//! The budget counts VM instructions, and one instruction's time can grow with the bytes
//! it makes: `s .. x` copies `s`, `s:upper()` writes a string as long as `s`. So a loop of
//! a few instructions a turn that copies a stranger's 8 MiB `Data` each turn fitted 50 M
//! turns in a 200 M budget, about 16 hours of copying inside one message. Every such
//! instruction allocates what it writes, so the allocator is where its cost shows: each
//! allocation that grows a block costs one instruction per [`BYTES_PER_INSTRUCTION`] bytes
//! of the block's new size past its first [`FREE_BYTES`].
//!
//! The allocator only takes from the budget. It cannot raise the budget's error itself:
//! Lua allocates in places an error must not unwind from (the collector, a resize half
//! done), and an allocation that fails would be Lua's memory error, which `pcall` catches.
//! An emptied budget raises at the next check: the hook, at most `HOOK_STEP` instructions
//! later, or a library function's charge (`bounded.rs`, `pattern/`).
//!
//! The blocks themselves still come from mlua's allocator, which keeps the heap's limit:
//! [`Meter`] puts its own function in front of it, and puts mlua's back while mlua's
//! memory controls run ([`Meter::unmetered`]) and before the state closes.

use std::cell::Cell;
use std::ffi::c_void;

use mlua::{ffi, Lua};

/// Bytes of a grown block that cost one instruction of the budget: copying 16 bytes takes
/// about as long as one VM instruction (C Lua natively: `x = x + i` about 2.1 ns a turn,
/// `s .. 'b'` over 8 MiB about 3.1 GB/s, page faults included).
pub(crate) const BYTES_PER_INSTRUCTION: usize = 16;

/// Bytes of every block that cost nothing: an object's header and a small object (a short
/// string, a small table), whose work does not grow with anything. Their sizes are what
/// differs between the module (32-bit pointers) and a native build (64-bit), so with them
/// free a block costs the same on both but for its header's bytes, at most one instruction.
pub(crate) const FREE_BYTES: usize = 64;

/// What the metering allocator reads: mlua's allocator and its state, and the budget.
struct Metered {
    inner: ffi::lua_Alloc,
    inner_state: *mut c_void,
    budget: *const Cell<u64>,
}

/// The metering allocator installed in a Lua state; owns what the allocator reads.
pub(super) struct Meter {
    metered: Box<Metered>,
}

impl Meter {
    /// Puts the metering allocator in front of `lua`'s, charging `budget`.
    ///
    /// # Safety
    /// `budget` outlives the state's use of the allocator: until [`Meter::restore`] runs,
    /// which must run before the state closes.
    pub(super) unsafe fn install(lua: &Lua, budget: *const Cell<u64>) -> Meter {
        let state = lua.exec_raw_lua(|raw| raw.state());
        let mut inner_state = std::ptr::null_mut();
        // SAFETY: a live state; reading its allocator allocates nothing.
        let inner = unsafe { ffi::lua_getallocf(state, &mut inner_state) };
        let meter = Meter {
            metered: Box::new(Metered {
                inner,
                inner_state,
                budget,
            }),
        };
        meter.put(lua);
        meter
    }

    /// Installs the metering allocator.
    fn put(&self, lua: &Lua) {
        let state = lua.exec_raw_lua(|raw| raw.state());
        let ud = (&*self.metered as *const Metered)
            .cast_mut()
            .cast::<c_void>();
        // SAFETY: the box lives as long as `self`, which the VM keeps until it restores
        // mlua's allocator.
        unsafe { ffi::lua_setallocf(state, allocate, ud) };
    }

    /// Puts mlua's allocator back: mlua frees its memory state at close only when its own
    /// allocator is installed.
    pub(super) fn restore(&self, lua: &Lua) {
        let state = lua.exec_raw_lua(|raw| raw.state());
        // SAFETY: the pair `install` read from this state.
        unsafe { ffi::lua_setallocf(state, self.metered.inner, self.metered.inner_state) };
    }

    /// Runs `f` with mlua's allocator installed: mlua's memory controls
    /// (`set_memory_limit`) find their state through it.
    pub(super) fn unmetered<R>(&self, lua: &Lua, f: impl FnOnce() -> R) -> R {
        self.restore(lua);
        let result = f();
        self.put(lua);
        result
    }
}

/// What a grown block costs: its new size past [`FREE_BYTES`], in
/// [`BYTES_PER_INSTRUCTION`]s. A new block has no old size (Lua passes the object's type
/// there).
fn cost(ptr: *mut c_void, old_size: usize, new_size: usize) -> u64 {
    let old = if ptr.is_null() { 0 } else { old_size };
    if new_size > old {
        (new_size.saturating_sub(FREE_BYTES) / BYTES_PER_INSTRUCTION) as u64
    } else {
        0
    }
}

/// The Lua allocator: charges the budget, then allocates with mlua's.
unsafe extern "C" fn allocate(
    ud: *mut c_void,
    ptr: *mut c_void,
    old_size: usize,
    new_size: usize,
) -> *mut c_void {
    // SAFETY: `ud` is the `Metered` that `Meter::put` installed with this function; its
    // budget outlives the installation (`Meter::install`'s contract).
    unsafe {
        let metered = &*ud.cast::<Metered>();
        let budget = &*metered.budget;
        // An empty budget raises at its next check, not here.
        let _ = super::limits::spend(budget, cost(ptr, old_size, new_size));
        (metered.inner)(metered.inner_state, ptr, old_size, new_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_grown_block_costs_its_new_size_and_a_shrunk_or_freed_one_nothing() {
        let block = 8 as *mut c_void;
        let none = std::ptr::null_mut();
        assert_eq!(
            cost(none, 4, 1664),
            100,
            "new: Lua's type tag is not a size"
        );
        assert_eq!(cost(block, 1664, 3264), 200, "grown: the copy and the room");
        assert_eq!(cost(block, 3264, 1664), 0, "shrunk");
        assert_eq!(cost(block, 3264, 0), 0, "freed");
        assert_eq!(cost(none, 0, 79), 0, "a small object");
        assert_eq!(cost(none, 0, 80), 1);
    }

    /// Puts mlua's allocator back when a test ends, also by a failed assertion.
    struct Installed<'a>(&'a Lua, Meter);

    impl Drop for Installed<'_> {
        fn drop(&mut self) {
            self.1.restore(self.0);
        }
    }

    #[test]
    fn allocations_take_from_the_budget_and_the_heap_limit_still_holds() {
        let budget = Cell::new(1_000_000);
        let lua = Lua::new();
        // SAFETY: `budget` outlives the state's use of the allocator: `Installed` restores
        // mlua's allocator before `budget` goes.
        let installed = Installed(&lua, unsafe { Meter::install(&lua, &budget) });
        // `string.rep` writes into a buffer, then makes the string from it: two blocks.
        lua.load("Big = string.rep('x', 160000)").exec().unwrap();
        let spent = 1_000_000 - budget.get();
        assert!(
            (19_900..20_100).contains(&spent),
            "twice 160,000 bytes cost 20,000 and a little: {spent}"
        );
        installed.1.unmetered(&lua, || {
            lua.set_memory_limit(lua.used_memory() + 4096).unwrap()
        });
        let before = budget.get();
        let err = lua.load("Bigger = Big .. Big").exec().unwrap_err();
        assert!(matches!(err, mlua::Error::MemoryError(_)), "{err}");
        let refused = before - budget.get();
        // Lua asks twice: again after an emergency collection.
        assert!(
            (39_900..40_100).contains(&refused),
            "the refused 320,000 bytes are charged for each try: {refused}"
        );
    }
}
