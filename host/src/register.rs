//! One way to register a module for either backend, like Soroban's `env.register(..)`:
//! [`Net::register`] takes a native process type ([`native`]) or, with the `wasm`
//! feature, a built module (`WasmModule`).

use std::marker::PhantomData;

use aoxide::Process;

use crate::ids::ModuleId;
use crate::net::Net;

/// Something [`Net::register`] can register as a module.
pub trait Module {
    /// Registers `self` on `net` as module `name`.
    fn register(self, net: &mut Net, name: &str) -> ModuleId;
}

/// The native process type `P`, as a module: see [`native`].
pub struct NativeModule<P>(PhantomData<fn() -> P>);

/// The native process type `P`, for [`Net::register`]:
/// `net.register("token", aoxide_host::native::<TokenProcess>())`.
pub fn native<P: Process>() -> NativeModule<P> {
    NativeModule(PhantomData)
}

impl<P: Process> Module for NativeModule<P> {
    #[track_caller]
    fn register(self, net: &mut Net, name: &str) -> ModuleId {
        net.register_module::<P>(name)
    }
}

#[cfg(feature = "wasm")]
impl Module for crate::wasm::WasmModule {
    #[track_caller]
    fn register(self, net: &mut Net, name: &str) -> ModuleId {
        net.register_wasm_module(name, self)
    }
}
