//! The message of a call that never returned (a trap in wasm): [`Runtime`](super::Runtime)
//! keeps it until the next call, which frees it.

use std::rc::Rc;

use crate::message::Message;

/// Frees the message of a call that never returned. Its other handles belonged to that
/// call's frames, which will never run again (in wasm a trap ends the call for good; a
/// native panic that unwound dropped them already, so there are none).
pub(super) fn release_trapped(msg: Rc<Message>, kept: usize) {
    let ptr = Rc::as_ptr(&msg);
    for _ in 1 + kept..Rc::strong_count(&msg) {
        // SAFETY: each handle counted here was held by a frame of the trapped call, which
        // is gone without having dropped it; `msg` itself keeps the count above zero.
        unsafe { Rc::decrement_strong_count(ptr) };
    }
    drop(msg);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trapped_call_frees_its_own_handles_of_the_message_and_not_the_inbox_s() {
        let current = Rc::new(Message::new("SENDER"));
        // What the trapped call left: its own handle (never dropped), and the inbox's.
        std::mem::forget(Rc::clone(&current));
        let inbox = Rc::clone(&current);
        assert_eq!(Rc::strong_count(&current), 3);
        release_trapped(current, 1);
        assert_eq!(Rc::strong_count(&inbox), 1);
        assert_eq!(inbox.from, "SENDER");
    }
}
