//! Tests of the waits' own checks.

use super::{parses_to, Await, AwaitError, Pending, WaitKind};
use crate::{Error, NoTime};

/// A deadline with no known time names the reason as `Ctx::now`'s error writes it.
#[test]
fn no_time_reason_is_the_error_text() {
    let mut pending = Pending::<()>::new(4);
    let wait = Await::new(|_: &mut (), _: &mut crate::Ctx<'_>, _: &crate::Message| Ok(()));
    let now = Err(Error::msg(NoTime));
    let err = pending
        .add(WaitKind::Reply, 3, "T".into(), now, wait.within(10))
        .unwrap_err();
    assert_eq!(
        err,
        AwaitError::NoTime {
            reference: 3,
            ms: 10,
            reason: Error::msg(NoTime).to_string(),
        }
    );
    assert!(pending.is_empty());
}

/// The reference check reads as `u64::from_str` did: a `+`, no `-`, no blanks, no
/// overflow, leading zeros.
#[test]
fn reference_reads_as_u64_from_str() {
    let texts = [
        "",
        "+",
        "-",
        "0",
        "+0",
        "-0",
        "00",
        "007",
        "7",
        "+7",
        "++7",
        "+-7",
        " 7",
        "7 ",
        "7a",
        "0x7",
        "1e3",
        "42",
        "18446744073709551615",
        "+18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999",
        "٣",
        "７",
    ];
    for text in texts {
        for reference in [0, 7, 42, 1000, u64::MAX] {
            let expected = text.parse::<u64>().ok() == Some(reference);
            assert_eq!(
                parses_to(Some(text), reference),
                expected,
                "{text:?} {reference}"
            );
        }
    }
    assert!(!parses_to(None, 0));
}

/// Each refusal's text, word for word (written by hand since the tenth round; these are
/// the texts the derived `Display` wrote).
#[test]
fn await_error_texts() {
    let cases = [
        (
            AwaitError::TooMany {
                reference: 7,
                limit: 3,
            },
            "cannot await reference 7: 3 waits are already pending (Config::max_pending)",
        ),
        (
            AwaitError::WrongState {
                continuation: "a::b",
                expected: "u64",
                actual: "a::State",
            },
            "the continuation `a::b` takes `&mut u64`, but the process state is `a::State`",
        ),
        (
            AwaitError::NoRuntime { reference: 0 },
            "cannot await reference 0: this context is not run by an aoxide Runtime",
        ),
        (
            AwaitError::NoSender { reference: 12 },
            "cannot await reference 12: the message has no target; say who answers with Await::from",
        ),
        (
            AwaitError::NoTime {
                reference: 18446744073709551615,
                ms: 60000,
                reason: "why".into(),
            },
            "cannot await reference 18446744073709551615 within 60000 ms: why",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
}
