//! The fast message reader agrees with the serde path on every input it accepts.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (fast, serde) = aoxide::message::fast_and_serde(data);
    if let Some(fast) = fast {
        match (&fast, &serde) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "the fast reader and serde disagree"),
            (Err(_), Err(_)) => {}
            _ => panic!("the fast reader and serde disagree on validity: {fast:?} vs {serde:?}"),
        }
    }
});
