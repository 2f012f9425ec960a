//! The AOS token protocol as an aoxide blueprint.
