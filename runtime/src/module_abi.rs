//! The AO module contract as one table: what a module built from aoxide exports and
//! imports, the custom sections it carries, the link arguments it needs and the tags it is
//! published with.
//!
//! [`export!`](crate::export) generates the function exports listed in [`EXPORTS`] (the
//! linker adds the memory, the table and `__wasm_call_ctors` through [`LINK_ARGS`]); the
//! validator and the build of `aoxide-build` (`cargo ao build`, `cargo ao check`) read this
//! table, and a test there checks a built module against it. The facts behind each row were
//! measured against `@permaweb/ao-loader` 0.0.49 and HyperBEAM's `json-iface`; they are
//! written out in `docs/module-abi.md` of the repository.

/// A WebAssembly value type in a signature of the contract (only `i32` is used: the module
/// is wasm32 and every argument is a pointer or a size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValType {
    /// A 32-bit integer.
    I32,
}

/// A function signature: parameters and results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signature {
    /// The parameter types, in order.
    pub params: &'static [ValType],
    /// The result types, in order.
    pub results: &'static [ValType],
}

impl core::fmt::Display for Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let list = |types: &[ValType]| {
            types
                .iter()
                .map(|t| match t {
                    ValType::I32 => "i32",
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({}) -> ({})", list(self.params), list(self.results))
    }
}

/// What an export of the contract is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// A function with this signature.
    Func(Signature),
    /// A table.
    Table,
    /// A linear memory.
    Memory,
}

impl core::fmt::Display for ExportKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ExportKind::Func(sig) => write!(f, "function {sig}"),
            ExportKind::Table => f.write_str("table"),
            ExportKind::Memory => f.write_str("memory"),
        }
    }
}

/// Who puts an export into the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// [`export!`](crate::export) defines it.
    ExportMacro,
    /// The linker, through [`LINK_ARGS`].
    Linker,
}

/// One export every AO host needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Export {
    /// The export name.
    pub name: &'static str,
    /// Its kind and, for a function, its signature.
    pub kind: ExportKind,
    /// Who defines it.
    pub source: Source,
    /// What the host does with it.
    pub role: &'static str,
}

/// One import a module may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Import {
    /// The import module.
    pub module: &'static str,
    /// The import name.
    pub name: &'static str,
    /// Its signature (imports are functions).
    pub signature: Signature,
    /// What the module uses it for.
    pub role: &'static str,
}

const I32: ValType = ValType::I32;

const fn func(params: &'static [ValType], results: &'static [ValType]) -> ExportKind {
    ExportKind::Func(Signature { params, results })
}

/// The exports of an AO module, each required (ao-loader aborts without any of them).
pub const EXPORTS: &[Export] = &[
    Export {
        name: "memory",
        kind: ExportKind::Memory,
        source: Source::Linker,
        role: "the process state: the host snapshots the whole linear memory",
    },
    Export {
        name: "__indirect_function_table",
        kind: ExportKind::Table,
        source: Source::Linker,
        role: "asserted present by ao-loader (`--export-table`)",
    },
    Export {
        name: "__wasm_call_ctors",
        kind: func(&[], &[]),
        source: Source::Linker,
        role: "called once at instantiation (`--export=__wasm_call_ctors`)",
    },
    Export {
        name: "handle",
        kind: func(&[I32, I32], &[I32]),
        source: Source::ExportMacro,
        role: "one message: NUL-terminated JSON message and env in, JSON result out",
    },
    Export {
        name: "malloc",
        kind: func(&[I32], &[I32]),
        source: Source::ExportMacro,
        role: "HyperBEAM writes the message and env into blocks from it",
    },
    Export {
        name: "free",
        kind: func(&[I32], &[]),
        source: Source::ExportMacro,
        role: "frees a block from malloc",
    },
    Export {
        name: "emscripten_stack_init",
        kind: func(&[], &[]),
        source: Source::ExportMacro,
        role: "called at instantiation",
    },
    Export {
        name: "emscripten_stack_get_end",
        kind: func(&[], &[I32]),
        source: Source::ExportMacro,
        role: "where the host writes its two stack cookies",
    },
    Export {
        name: "emscripten_stack_get_current",
        kind: func(&[], &[I32]),
        source: Source::ExportMacro,
        role: "the stack save before each call; never 0",
    },
    Export {
        name: "_emscripten_stack_alloc",
        kind: func(&[I32], &[I32]),
        source: Source::ExportMacro,
        role: "a block for one argument string",
    },
    Export {
        name: "_emscripten_stack_restore",
        kind: func(&[I32], &[]),
        source: Source::ExportMacro,
        role: "frees the argument blocks allocated since the saved value",
    },
];

/// Exports aoxide adds for tools (the test network of `aoxide-host`, `cargo ao console`);
/// no AO host calls them. A module may lack them (the validator does not require them),
/// but one that has them must give them these signatures.
pub const TOOL_EXPORTS: &[Export] = &[Export {
    name: VIEW_EXPORT,
    kind: func(&[I32], &[I32]),
    source: Source::ExportMacro,
    role: "a read-only JSON view of one part of the process (`ViewPart`), NUL-terminated, valid until the next call",
}];

/// The export tools read a process through: `aoxide_view(part) -> pointer` (see
/// [`ViewPart`]).
pub const VIEW_EXPORT: &str = "aoxide_view";

/// What [`VIEW_EXPORT`] shows, by its `i32` argument. Each answer is NUL-terminated JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum ViewPart {
    /// 0: the state as the snapshot JSON view (`{"aoxide-snapshot": version, "state":
    /// ...}`), or `null` when the state is not `Serialize` or not made yet.
    State = 0,
    /// 1: the inbox, oldest first: an array of messages as JSON-1.
    Inbox = 1,
    /// 2: the pending waits, oldest first: an array of `{"reference", "kind" ("reply" or
    /// "spawn"), "from", "deadline" (or null), "continuation"}`.
    Pending = 2,
}

impl ViewPart {
    /// The part with this number.
    pub fn from_i32(n: i32) -> Option<ViewPart> {
        match n {
            0 => Some(ViewPart::State),
            1 => Some(ViewPart::Inbox),
            2 => Some(ViewPart::Pending),
            _ => None,
        }
    }
}

/// The export the build calls once in a fresh instance and then removes
/// (`aoxide_build::preinit`): `aoxide_preinit()` builds what every process of the module
/// would otherwise build at its spawn (the Lua layer's VM with the AOS environment), and
/// the memory it leaves becomes the module's data. Any module may have it; it must not
/// depend on a message, an env or a clock.
pub const PREINIT_EXPORT: &str = "aoxide_preinit";

/// Exports the linker adds that hosts ignore (immutable globals); any other extra export is
/// worth a warning.
pub const TOLERATED_EXPORTS: &[&str] = &["__heap_base", "__data_end"];

/// The only import a module may have (ao-loader links 53 emscripten functions; HyperBEAM
/// stubs unknown imports to return 0).
pub const IMPORTS: &[Import] = &[Import {
    module: "env",
    name: "emscripten_resize_heap",
    signature: Signature {
        params: &[I32],
        results: &[I32],
    },
    role: "grows memory so ao-loader refreshes its views (1 = grown)",
}];

/// The export whose entry the build patches to reset the shadow-stack pointer.
pub const ENTRY_EXPORT: &str = "handle";

/// The custom section holding the interface JSON (see [`crate::interface::SECTION`]).
pub const INTERFACE_SECTION: &str = crate::interface::SECTION;

/// Custom sections the build keeps in the published module.
pub const KEPT_SECTIONS: &[&str] = &[INTERFACE_SECTION];

/// The marker in front of the panic record a module keeps in linear memory (16 bytes): a
/// panic hook writes the panic's text after it before the call aborts, so a host can read
/// why a call trapped. The record: this marker, a little-endian `u32` length, then at most
/// [`PANIC_RECORD_TEXT`] bytes of UTF-8 text; it starts 4-aligned, and a length of 0 means
/// no panic since the last call began.
pub const PANIC_RECORD_MAGIC: [u8; 16] = *b"AOXIDE-PANIC-v1\0";

/// Most bytes of panic text the record keeps.
pub const PANIC_RECORD_TEXT: usize = 1024;

/// The wasm page size in bytes.
pub const PAGE_SIZE: u64 = 65536;

/// The initial linear memory a module links with by default, in bytes (1.25 MiB).
pub const INITIAL_MEMORY: u64 = 1_310_720;

/// The shadow stack a module links with, in bytes (256 KiB).
pub const STACK_SIZE: u64 = 262_144;

/// The link arguments every module needs (`.cargo/config.toml` of aoxide's workspace has
/// them; a crate outside it passes them the same way).
pub const LINK_ARGS: &[&str] = &[
    "--export-table",
    "--export=__wasm_call_ctors",
    "--initial-memory=1310720",
    "-zstack-size=262144",
];

/// `Module-Format` of the plain module.
pub const MODULE_FORMAT: &str = "wasm32-unknown-emscripten4";

/// `Module-Format` of the metering variant (bulk-memory and non-trapping float-to-int
/// lowered to MVP opcodes).
pub const METERING_MODULE_FORMAT: &str = "wasm32-unknown-emscripten-metering";

/// `Input-Encoding` and `Output-Encoding` of every aoxide module.
pub const ENCODING: &str = "JSON-1";

/// The default `Memory-Limit` tag.
pub const MEMORY_LIMIT: &str = "1-gb";

/// The default `Compute-Limit` tag.
pub const COMPUTE_LIMIT: &str = "9000000000000";

/// The tags a module is published with, in order, for the given `Module-Format`.
pub fn module_tags(module_format: &'static str) -> [(&'static str, &'static str); 9] {
    [
        ("Data-Protocol", "ao"),
        ("Variant", "ao.TN.1"),
        ("Type", "Module"),
        ("Module-Format", module_format),
        ("Input-Encoding", ENCODING),
        ("Output-Encoding", ENCODING),
        ("Content-Type", "application/wasm"),
        ("Memory-Limit", MEMORY_LIMIT),
        ("Compute-Limit", COMPUTE_LIMIT),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_signatures_print_like_wat() {
        for (i, e) in EXPORTS.iter().enumerate() {
            assert!(
                EXPORTS[i + 1..].iter().all(|o| o.name != e.name),
                "{}",
                e.name
            );
            assert!(!TOLERATED_EXPORTS.contains(&e.name));
            assert!(TOOL_EXPORTS.iter().all(|t| t.name != e.name));
        }
        for part in [ViewPart::State, ViewPart::Inbox, ViewPart::Pending] {
            assert_eq!(ViewPart::from_i32(part as i32), Some(part));
        }
        assert_eq!(ViewPart::from_i32(3), None);
        let handle = EXPORTS.iter().find(|e| e.name == ENTRY_EXPORT).unwrap();
        assert_eq!(handle.kind.to_string(), "function (i32, i32) -> (i32)");
        assert_eq!(
            IMPORTS[0].signature.to_string(),
            "(i32) -> (i32)",
            "emscripten_resize_heap(new_total_bytes) -> ok"
        );
    }

    #[test]
    fn link_args_carry_the_memory_constants() {
        assert!(LINK_ARGS.contains(&format!("--initial-memory={INITIAL_MEMORY}").as_str()));
        assert!(LINK_ARGS.contains(&format!("-zstack-size={STACK_SIZE}").as_str()));
        assert_eq!(INITIAL_MEMORY % PAGE_SIZE, 0);
    }
}
