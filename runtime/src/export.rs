//! The `export!` macro: turns a process type into the AO module entry points (wasm32 only).

/// Exports a [`Process`](crate::Process) as an AO module.
///
/// Invoke it once, at the root of the crate that is built as the `cdylib`:
///
/// ```ignore
/// aoxide::export!(MyProcess);
/// ```
///
/// On `wasm32` it generates the exports every AO host needs (`handle`, `malloc`, `free`,
/// `emscripten_stack_init`, `emscripten_stack_get_end`, `emscripten_stack_get_current`,
/// `_emscripten_stack_alloc`, `_emscripten_stack_restore`), the tools' view
/// `aoxide_view` ([`crate::view`]), and the static that holds the runtime in linear
/// memory; the bodies are in `aoxide::abi`. It also embeds
/// [`Process::INTERFACE`](crate::Process::INTERFACE) in the `aoxide.interface` custom
/// section (only the exported process's, not that of every linked crate). On every other
/// target it expands only to a hidden `__aoxide_native_runtime()` (a fresh
/// [`Runtime`](crate::Runtime) of the process, what `cargo ao run --native` runs) and
/// `__aoxide_native_view` (its views, as the module's `aoxide_view` writes them), so the
/// same crate builds and tests natively.
///
/// The module also needs link arguments, which only a Cargo config can pass (put them in
/// `.cargo/config.toml` of the workspace that builds the module; aoxide's own workspace
/// has these):
///
/// ```toml
/// [target.wasm32-unknown-unknown]
/// rustflags = [
///     "-C", "link-arg=--export-table",
///     "-C", "link-arg=--export=__wasm_call_ctors",
///     "-C", "link-arg=--initial-memory=1310720",
///     "-C", "link-arg=-zstack-size=262144",
/// ]
/// ```
///
/// `--initial-memory` (bytes, a multiple of 65536) is the memory a fresh instance starts
/// with, and `-zstack-size` the part of it the stack takes. ao-loader grows memory as
/// needed, and a compute unit's copying loader pays for every byte on every message, so
/// small is fast. HyperBEAM restores a snapshot only into a fresh instance of the initial
/// size: build for it with `AOXIDE_MEMORY_BUDGET=<bytes> scripts/build-wasm.sh <crate>`
/// (the HyperBEAM profile: the initial memory is the whole budget and memory never grows
/// past it; `docs/limits.md` in the repository).
#[macro_export]
macro_rules! export {
    ($process:ty $(,)?) => {
        /// The exported process natively: a fresh runtime, driven with the JSON-1 message
        /// and env as the module's `handle` drives it (`cargo ao run --native` does).
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        #[allow(dead_code, private_interfaces)]
        pub fn __aoxide_native_runtime() -> $crate::Runtime<$process> {
            $crate::Runtime::new()
        }

        /// A view of the process (a [`ViewPart`]($crate::module_abi::ViewPart) number, as
        /// the module's `aoxide_view` export takes it) as JSON; empty for an unknown part.
        #[cfg(not(target_arch = "wasm32"))]
        #[doc(hidden)]
        #[allow(dead_code, private_interfaces)]
        pub fn __aoxide_native_view(runtime: &$crate::Runtime<$process>, part: i32) -> Vec<u8> {
            $crate::module_abi::ViewPart::from_i32(part)
                .map(|part| runtime.view_json(part))
                .unwrap_or_default()
        }

        #[cfg(target_arch = "wasm32")]
        const _: () = {
            const AOXIDE_INTERFACE: &str = <$process as $crate::Process>::INTERFACE;
            /// The interface (JSON Lines), for tools that read the module without running it.
            /// Not `#[used]`: the linker keeps a custom section anyway, and `#[used]` made
            /// it keep a second copy in the module's memory data as well.
            #[link_section = "aoxide.interface"]
            static AOXIDE_INTERFACE_SECTION: [u8; AOXIDE_INTERFACE.len()] =
                $crate::__private::bytes_of(AOXIDE_INTERFACE);

            static AOXIDE_INSTANCE: $crate::abi::Instance<$process> = $crate::abi::Instance::new();

            /// Handles one message: NUL-terminated JSON-1 in, NUL-terminated JSON-1 out.
            #[unsafe(no_mangle)]
            pub extern "C" fn handle(msg: *const u8, env: *const u8) -> *const u8 {
                $crate::abi::handle(&AOXIDE_INSTANCE, msg as usize, env as usize) as *const u8
            }

            /// A read-only JSON view of the process for tools (`aoxide::module_abi::ViewPart`).
            #[unsafe(no_mangle)]
            pub extern "C" fn aoxide_view(part: i32) -> *const u8 {
                $crate::abi::view(&AOXIDE_INSTANCE, part) as *const u8
            }

            /// C `malloc` (HyperBEAM writes its arguments with it).
            #[unsafe(no_mangle)]
            pub extern "C" fn malloc(size: usize) -> *mut u8 {
                $crate::abi::malloc(size) as *mut u8
            }

            /// C `free` of a block from `malloc`.
            #[unsafe(no_mangle)]
            pub extern "C" fn free(ptr: *mut u8) {
                $crate::abi::free(ptr as usize)
            }

            /// Emscripten stack set-up; nothing to do.
            #[unsafe(no_mangle)]
            pub extern "C" fn emscripten_stack_init() {
                $crate::abi::stack_init()
            }

            /// Where the host writes its stack cookies.
            #[unsafe(no_mangle)]
            pub extern "C" fn emscripten_stack_get_end() -> usize {
                $crate::abi::stack_end()
            }

            /// The argument-stack position to restore after a call; never 0.
            #[unsafe(no_mangle)]
            pub extern "C" fn emscripten_stack_get_current() -> usize {
                $crate::abi::stack_current()
            }

            /// A block for one argument string.
            #[unsafe(no_mangle)]
            pub extern "C" fn _emscripten_stack_alloc(size: usize) -> usize {
                $crate::abi::stack_alloc(size)
            }

            /// Frees the argument blocks allocated since `saved`.
            #[unsafe(no_mangle)]
            pub extern "C" fn _emscripten_stack_restore(saved: usize) {
                $crate::abi::stack_restore(saved)
            }
        };
    };
}
