//! Example aoxide process: ping.
