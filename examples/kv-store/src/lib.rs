//! Example aoxide process: kv-store.
