//! Example aoxide process: counter.
