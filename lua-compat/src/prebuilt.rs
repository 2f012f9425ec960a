//! The VM built before any process exists: what the module's `aoxide_preinit` export
//! makes when the build calls it (`aoxide_build::preinit`), so a spawn takes a VM whose AOS
//! environment is already loaded instead of loading it.
//!
//! The VM [`Vm::new`] builds depends on nothing a process has (no id, owner, timestamp or
//! limits until [`Vm::with_limits`] and the boot set them), so building it once ahead of
//! time gives every process of the module the same environment it would have built at its
//! spawn. The build runs the export in a fresh instance, and the memory it leaves becomes
//! the module's initial data: the VM lives in linear memory like everything else, and the
//! first [`LuaPart`](crate::LuaPart) of a process takes it.

use std::cell::{Cell, RefCell};

use crate::error::LuaError;
use crate::vm::{Limits, Vm};

thread_local! {
    /// The VM [`preinit`] built, until a part takes it.
    static PREBUILT: RefCell<Option<Vm>> = const { RefCell::new(None) };
    /// Whether [`preinit`] ran: it builds at most once in a module's life, so a host that
    /// calls a leftover export after a spawn allocates nothing.
    static RAN: Cell<bool> = const { Cell::new(false) };
}

/// Builds the VM the next [`LuaPart`](crate::LuaPart) takes: the AOS environment loaded,
/// the libraries `require` offers built (`package.loaded` unchanged), collected to what it
/// keeps, with the default [`Limits`] (a part sets its own). Does
/// nothing after its first call.
///
/// The module's `aoxide_preinit` export; natively, tests call it to check that a process
/// booted from the prebuilt VM answers as one that built its own.
pub fn preinit() -> Result<(), LuaError> {
    if RAN.replace(true) {
        return Ok(());
    }
    let vm = Vm::new(Limits::default())?;
    vm.build_libraries()?;
    // What loading the environment left behind goes now, so the module's data holds only
    // what the VM keeps.
    vm.collect();
    PREBUILT.with(|slot| *slot.borrow_mut() = Some(vm));
    Ok(())
}

/// The prebuilt VM with `limits`, if [`preinit`] built one no part has taken yet.
pub(crate) fn take(limits: Limits) -> Option<Vm> {
    let vm = PREBUILT.with(|slot| slot.borrow_mut().take())?;
    vm.with_limits(limits).ok()
}

/// The export the build calls (`aoxide::module_abi::PREINIT_EXPORT`). A failure leaves no
/// VM: every spawn then builds its own, as without the export.
///
/// It also installs the runtime's panic hook, which every module installs at its first
/// call: baked into the memory, the hook is there at the spawn, and `std`'s `set_hook` is
/// not on its path.
#[cfg(target_arch = "wasm32")]
#[unsafe(no_mangle)]
pub extern "C" fn aoxide_preinit() {
    aoxide::abi::panic::install();
    let _ = preinit();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LuaPart;

    fn waiting() -> bool {
        PREBUILT.with(|slot| slot.borrow().is_some())
    }

    #[test]
    fn the_first_part_takes_the_prebuilt_vm_and_preinit_builds_once() {
        std::thread::spawn(|| {
            assert!(!waiting());
            preinit().unwrap();
            assert!(waiting());
            let limits = Limits {
                instructions: 1_000,
                memory: 64 << 20,
            };
            let part = LuaPart::new(limits).unwrap();
            assert!(!waiting(), "the part did not take the prebuilt VM");
            assert_eq!(part.limits(), limits);
            // The libraries were built ahead of `require`, which still finds them.
            assert!(part
                .value::<bool>("package.loaded['.bint'] == nil")
                .unwrap());
            // Once only: a second call (a leftover export called by a host) builds nothing.
            preinit().unwrap();
            assert!(!waiting());
        })
        .join()
        .unwrap();
    }
}
