//! One instance of a module, driven as ao-loader drives it: instantiation (stack cookies,
//! constructors), one `handle` call (arguments on the emscripten argument stack, the
//! result read back, the cookies checked), the tools' `aoxide_view`, and memory growth
//! through `env.emscripten_resize_heap`.

use aoxide::view::ViewPart;
use wasmi::{Caller, Extern, Instance, Memory, Store, StoreLimits, StoreLimitsBuilder, TypedFunc};

use super::Compiled;
use crate::backend::BackendViewError;

/// The first stack cookie the loader writes at `emscripten_stack_get_end()`.
const COOKIE_1: u32 = 0x0213_5467;
/// The second stack cookie, 4 bytes further.
const COOKIE_2: u32 = 0x89BA_CDFE;
/// The cookie at address 0 (`"emsc"`).
const COOKIE_0: u32 = 0x6373_6d65;

/// The wasm page size.
pub(super) const PAGE: u64 = aoxide::module_abi::PAGE_SIZE;

/// What the host functions see.
pub(super) struct HostState {
    limits: StoreLimits,
    memory_limit: u64,
}

/// `env.emscripten_resize_heap`: the loader's growth rule (over-allocate by 20%, at most
/// 96 MiB more than asked, retried with less), returning 1 when memory is large enough.
pub(super) fn resize_heap(mut caller: Caller<'_, HostState>, requested: i32) -> i32 {
    let requested = u64::from(requested as u32);
    let Some(Extern::Memory(memory)) = caller.get_export("memory") else {
        return 0;
    };
    let old = memory.data_size(&caller) as u64;
    if requested <= old {
        return 1;
    }
    let max = caller.data().memory_limit;
    if requested > max {
        return 0;
    }
    let align_up = |x: u64| x.div_ceil(PAGE) * PAGE;
    for cut_down in [1u64, 2, 4] {
        let over_grown = (old + old / (5 * cut_down)).min(requested + 100_663_296);
        let new_size = max.min(align_up(requested.max(over_grown)));
        let pages = (new_size - old).div_ceil(PAGE);
        if memory.grow(&mut caller, pages).is_ok() {
            return 1;
        }
    }
    0
}

/// The exports the host calls.
pub(super) struct Exports {
    handle: TypedFunc<(i32, i32), i32>,
    stack_get_end: TypedFunc<(), i32>,
    stack_get_current: TypedFunc<(), i32>,
    stack_alloc: TypedFunc<i32, i32>,
    stack_restore: TypedFunc<i32, ()>,
    /// `aoxide_view`, when the module has it (tools only; see `aoxide::view`).
    view: Option<TypedFunc<i32, i32>>,
}

/// One running instance.
pub(super) struct Live {
    pub(super) store: Store<HostState>,
    pub(super) memory: Memory,
    exports: Exports,
    compute_limit: u64,
}

/// A failed call: the reason, and whether the instance is still usable.
pub(super) struct Fault {
    pub(super) message: String,
    pub(super) fatal: bool,
}

impl Fault {
    fn fatal(message: impl Into<String>) -> Self {
        Fault {
            message: message.into(),
            fatal: true,
        }
    }
}

impl Live {
    pub(super) fn new(c: &Compiled) -> Result<Live, String> {
        let limit = usize::try_from(c.memory_limit).unwrap_or(usize::MAX);
        let mut store = Store::new(
            &c.engine,
            HostState {
                limits: StoreLimitsBuilder::new().memory_size(limit).build(),
                memory_limit: c.memory_limit,
            },
        );
        store.limiter(|s| &mut s.limits);
        store
            .set_fuel(c.compute_limit)
            .map_err(|e| format!("cannot set the compute limit: {e}"))?;
        let instance: Instance = c
            .linker
            .instantiate_and_start(&mut store, &c.module)
            .map_err(|e| e.to_string())?;
        let memory = instance
            .get_memory(&store, "memory")
            .ok_or("no memory export")?;
        fn func<P: wasmi::WasmParams, R: wasmi::WasmResults>(
            instance: &Instance,
            store: &Store<HostState>,
            name: &str,
        ) -> Result<TypedFunc<P, R>, String> {
            instance
                .get_typed_func::<P, R>(store, name)
                .map_err(|e| format!("export {name}: {e}"))
        }
        let ctors = func::<(), ()>(&instance, &store, "__wasm_call_ctors")?;
        let stack_init = func::<(), ()>(&instance, &store, "emscripten_stack_init")?;
        let exports = Exports {
            handle: func(&instance, &store, "handle")?,
            stack_get_end: func(&instance, &store, "emscripten_stack_get_end")?,
            stack_get_current: func(&instance, &store, "emscripten_stack_get_current")?,
            stack_alloc: func(&instance, &store, "_emscripten_stack_alloc")?,
            stack_restore: func(&instance, &store, "_emscripten_stack_restore")?,
            view: func(&instance, &store, aoxide::module_abi::VIEW_EXPORT).ok(),
        };
        let mut live = Live {
            store,
            memory,
            exports,
            compute_limit: c.compute_limit,
        };
        // The loader's order: stackCheckInit (stack init, cookies), initRuntime (check,
        // constructors), postRun (check).
        stack_init
            .call(&mut live.store, ())
            .map_err(|e| format!("emscripten_stack_init trapped: {e}"))?;
        live.write_cookies().map_err(|f| f.message)?;
        live.check_cookies().map_err(|f| f.message)?;
        ctors
            .call(&mut live.store, ())
            .map_err(|e| format!("__wasm_call_ctors trapped: {e}"))?;
        live.check_cookies().map_err(|f| f.message)?;
        Ok(live)
    }

    fn cookie_address(&mut self) -> Result<usize, Fault> {
        let end = self
            .exports
            .stack_get_end
            .call(&mut self.store, ())
            .map_err(|e| Fault::fatal(format!("emscripten_stack_get_end trapped: {e}")))?
            as u32;
        if end & 3 != 0 {
            return Err(Fault::fatal(format!(
                "emscripten_stack_get_end returned {end:#x}, which is not 4-aligned"
            )));
        }
        Ok(if end == 0 { 4 } else { end as usize })
    }

    fn write_u32(&mut self, addr: usize, value: u32) -> Result<(), Fault> {
        self.memory
            .write(&mut self.store, addr, &value.to_le_bytes())
            .map_err(|_| Fault::fatal(format!("address {addr:#x} is out of bounds")))
    }

    fn read_u32(&self, addr: usize) -> Result<u32, Fault> {
        let mut b = [0u8; 4];
        self.memory
            .read(&self.store, addr, &mut b)
            .map_err(|_| Fault::fatal(format!("address {addr:#x} is out of bounds")))?;
        Ok(u32::from_le_bytes(b))
    }

    fn write_cookies(&mut self) -> Result<(), Fault> {
        let max = self.cookie_address()?;
        self.write_u32(max, COOKIE_1)?;
        self.write_u32(max + 4, COOKIE_2)?;
        self.write_u32(0, COOKIE_0)
    }

    pub(super) fn check_cookies(&mut self) -> Result<(), Fault> {
        let max = self.cookie_address()?;
        let (c1, c2) = (self.read_u32(max)?, self.read_u32(max + 4)?);
        if c1 != COOKIE_1 || c2 != COOKIE_2 {
            return Err(Fault::fatal(format!(
                "Stack overflow! Stack cookie has been overwritten at {max:#x}, expected hex \
                 dwords 0x89BACDFE and 0x2135467, but received {c2:#x} {c1:#x}"
            )));
        }
        if self.read_u32(0)? != COOKIE_0 {
            return Err(Fault::fatal(
                "Runtime error: The application has corrupted its heap memory area (address zero)!",
            ));
        }
        Ok(())
    }

    /// Copies `s` and a NUL onto the argument stack, as `stringToUTF8OnStack` does.
    fn push_string(&mut self, s: &[u8], what: &str) -> Result<i32, Fault> {
        let size = i32::try_from(s.len() + 1)
            .map_err(|_| Fault::fatal(format!("the {what} is too large for wasm32")))?;
        let ptr = self
            .exports
            .stack_alloc
            .call(&mut self.store, size)
            .map_err(|e| Fault::fatal(format!("_emscripten_stack_alloc trapped: {e}")))?;
        let addr = ptr as u32 as usize;
        let data = self.memory.data_mut(&mut self.store);
        let Some(dst) = data.get_mut(addr..addr + s.len() + 1) else {
            return Err(Fault::fatal(format!(
                "_emscripten_stack_alloc({size}) returned {addr:#x}, out of bounds"
            )));
        };
        dst[..s.len()].copy_from_slice(s);
        dst[s.len()] = 0;
        Ok(ptr)
    }

    /// Writes `snapshot` over the start of memory, growing memory first when it is larger
    /// (as the loader restores memory).
    pub(super) fn load(&mut self, snapshot: &[u8]) -> Result<(), String> {
        let size = self.memory.data_size(&self.store) as u64;
        let want = snapshot.len() as u64;
        if want > size {
            let pages = (want - size).div_ceil(PAGE);
            self.memory
                .grow(&mut self.store, pages)
                .map_err(|e| format!("cannot grow memory from {size} to {want} bytes: {e}"))?;
        }
        self.memory.data_mut(&mut self.store)[..snapshot.len()].copy_from_slice(snapshot);
        Ok(())
    }

    /// The NUL-terminated text at `addr`, which `what` returned.
    fn c_string(&self, addr: i32, what: &str) -> Result<Vec<u8>, String> {
        let addr = addr as u32 as usize;
        let data = self.memory.data(&self.store);
        match data.get(addr..) {
            Some(tail) if addr != 0 => match tail.iter().position(|&b| b == 0) {
                Some(len) => Ok(tail[..len].to_vec()),
                None => Err(format!(
                    "the result of {what} at {addr:#x} has no NUL before the end of memory"
                )),
            },
            _ => Err(format!("{what} returned the invalid pointer {addr:#x}")),
        }
    }

    /// One `aoxide_view` call.
    pub(super) fn view(&mut self, part: ViewPart) -> Result<Vec<u8>, BackendViewError> {
        let Some(view) = self.exports.view else {
            return Err(BackendViewError::Module(format!(
                "the module has no `{}` export (it was built with an aoxide without the view)",
                aoxide::module_abi::VIEW_EXPORT
            )));
        };
        self.store
            .set_fuel(self.compute_limit)
            .map_err(|e| BackendViewError::Module(format!("cannot set the compute limit: {e}")))?;
        let addr = view
            .call(&mut self.store, part as i32)
            .map_err(|e| BackendViewError::Module(format!("wasm trap in the view: {e}")))?;
        self.c_string(addr, aoxide::module_abi::VIEW_EXPORT)
            .map_err(BackendViewError::Module)
    }

    /// One `handle` call as the loader's `ccall("handle", "string", ["string", "string"])`.
    /// A message or env with a NUL byte is refused before the call: the module reads both
    /// as C strings, which would end at the NUL and hand it a different message.
    pub(super) fn call(&mut self, msg: &[u8], env: &[u8]) -> Result<Vec<u8>, Fault> {
        for (what, s) in [("message", msg), ("env", env)] {
            if let Some(at) = s.iter().position(|&b| b == 0) {
                return Err(Fault {
                    message: format!(
                        "the {what} has a NUL byte at offset {at}: the module reads it as a \
                         C string, which would end there"
                    ),
                    fatal: false,
                });
            }
        }
        self.store
            .set_fuel(self.compute_limit)
            .map_err(|e| Fault::fatal(format!("cannot set the compute limit: {e}")))?;
        let saved = self
            .exports
            .stack_get_current
            .call(&mut self.store, ())
            .map_err(|e| Fault::fatal(format!("emscripten_stack_get_current trapped: {e}")))?;
        let p_msg = self.push_string(msg, "message")?;
        let p_env = self.push_string(env, "env")?;
        let result = self
            .exports
            .handle
            .call(&mut self.store, (p_msg, p_env))
            .map_err(|e| Fault::fatal(format!("wasm trap in handle: {e}")))?;
        let text = self.c_string(result, "handle");
        if saved != 0 {
            self.exports
                .stack_restore
                .call(&mut self.store, saved)
                .map_err(|e| Fault::fatal(format!("_emscripten_stack_restore trapped: {e}")))?;
        }
        self.check_cookies()?;
        text.map_err(|message| Fault {
            message,
            fatal: false,
        })
    }
}
