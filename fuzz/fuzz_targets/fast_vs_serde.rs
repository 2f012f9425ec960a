//! aoxide's reader of messages and envs agrees with the serde reference on every input:
//! both accept it with the same value (compared through `Debug`, so `-0.0` differs from
//! `0.0`), or both refuse it.
#![no_main]
use libfuzzer_sys::fuzz_target;

fn agree<T: std::fmt::Debug, E: std::fmt::Debug>(ours: Result<T, E>, serde: Result<T, E>) {
    match (&ours, &serde) {
        (Ok(a), Ok(b)) => assert_eq!(
            format!("{a:?}"),
            format!("{b:?}"),
            "aoxide's reader and serde read different values"
        ),
        (Err(_), Err(_)) => {}
        _ => panic!("aoxide's reader and serde disagree on validity: {ours:?} vs {serde:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let (ours, serde) = aoxide::message::fast_and_serde(data);
    agree(ours, serde);
    let (ours, serde) = aoxide::message::env_fast_and_serde(data);
    agree(ours, serde);
});
