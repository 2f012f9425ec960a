//! A counter blueprint for aoxide processes.
