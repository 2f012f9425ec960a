//! [`Lent`]: a reference lent to functions Lua calls, for the length of one Rust call.
//!
//! Lua functions made once with the VM (the host functions, a mount's `Rust.*` functions)
//! must reach what only exists while a message is handled: its `Ctx`, the process state.
//! The caller lends it with [`Lent::lend`] around the Lua call; the functions read it with
//! [`Lent::get`], which finds nothing outside such a call.

use std::cell::Cell;
use std::ptr;

/// A slot holding a reference for the length of [`Lent::lend`], empty otherwise.
#[derive(Debug)]
pub(crate) struct Lent(Cell<*const ()>);

impl Lent {
    /// An empty slot.
    pub(crate) fn new() -> Lent {
        Lent(Cell::new(ptr::null()))
    }

    /// Runs `body` with `value` in the slot; what the slot held before is put back when
    /// `body` returns or unwinds (so lending nests).
    pub(crate) fn lend<T, R>(&self, value: &T, body: impl FnOnce() -> R) -> R {
        let at: *const T = value;
        let _restore = Restore {
            slot: &self.0,
            previous: self.0.replace(at.cast()),
        };
        body()
    }

    /// What the slot holds, if a [`Lent::lend`] is running.
    ///
    /// # Safety
    /// `T` must be the type every `lend` of this slot lends (lifetimes aside), and the
    /// reference must not be kept past the call that got it (the lender's `body` is still
    /// running during it, so the value is alive).
    pub(crate) unsafe fn get<T>(&self) -> Option<&T> {
        let at = self.0.get().cast::<T>();
        // SAFETY: non-null only inside `lend`, pointing at a live `T` (the caller's
        // contract above).
        unsafe { at.as_ref() }
    }
}

/// Puts the slot's previous value back.
struct Restore<'s> {
    slot: &'s Cell<*const ()>,
    previous: *const (),
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        self.slot.set(self.previous);
    }
}

#[cfg(test)]
mod tests {
    use super::Lent;

    #[test]
    fn empty_outside_lend_and_restored_after_nesting() {
        let slot = Lent::new();
        // SAFETY: this slot only ever lends `u32`s.
        assert!(unsafe { slot.get::<u32>() }.is_none());
        let (a, b) = (1u32, 2u32);
        slot.lend(&a, || {
            assert_eq!(unsafe { slot.get::<u32>() }, Some(&1));
            slot.lend(&b, || assert_eq!(unsafe { slot.get::<u32>() }, Some(&2)));
            assert_eq!(unsafe { slot.get::<u32>() }, Some(&1));
        });
        assert!(unsafe { slot.get::<u32>() }.is_none());
    }

    #[test]
    fn emptied_when_the_body_unwinds() {
        let slot = Lent::new();
        let a = 7u32;
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            slot.lend(&a, || panic!("deliberate"));
        }));
        assert!(unwound.is_err());
        // SAFETY: this slot only ever lends `u32`s.
        assert!(unsafe { slot.get::<u32>() }.is_none());
    }
}
