//! The AOS chatroom protocol as an aoxide blueprint.
