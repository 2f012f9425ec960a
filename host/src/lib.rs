//! In-memory AO network for native tests of aoxide processes.
