//! A counter blueprint for aoxide processes.
//!
//! | Action | Accepts | Effect | Reply |
//! | --- | --- | --- | --- |
//! | `Increment` | optional `By` (unsigned integer, default 1) | adds `By` | tag `Count`, Data = the new value |
//! | `Decrement` | optional `By` (default 1) | subtracts `By` | tag `Count`, Data = the new value |
//! | `Count` | - | - | tag `Count`, Data = the value |
//! | `Reset` | only from the owner or the process itself | sets 0 | tag `Count`, Data = `0` |
//!
//! The counter is a `u64`. Going past `u64::MAX`, below zero, or a `By` that is not a
//! canonical unsigned integer fails the message (an `Error` result, no reply, nothing
//! changes). A `Reset` from anyone else matches no handler (the message goes to the
//! inbox, as unknown actions do).
//!
//! Mount it on a field of another process with
//! `#[aoxide::handlers(mount(counter = aoxide_counter::Counter))]`.
//!
//! Built for wasm32 with the default `export` feature, this crate is an AO module running
//! [`CounterProcess`]; crates composing [`Counter`] depend on it with
//! `default-features = false`.

#![warn(missing_docs)]

use aoxide::{Ctx, Error, Message, OutMessage};

/// A counter.
#[aoxide::process]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    /// The current value.
    pub value: u64,
}

/// A process that is only a counter. Its spawn message may carry a `Start` tag.
pub type CounterProcess = Counter;

impl Counter {
    /// A counter at `value`.
    pub fn new(value: u64) -> Self {
        Counter { value }
    }

    /// Adds `by`; refuses (and changes nothing) past `u64::MAX`.
    pub fn increment(&mut self, by: u64) -> Result<u64, Error> {
        self.value = self
            .value
            .checked_add(by)
            .ok_or_else(|| Error::msg(format!("Counter cannot go above {}", u64::MAX)))?;
        Ok(self.value)
    }

    /// Subtracts `by`; refuses (and changes nothing) below zero.
    pub fn decrement(&mut self, by: u64) -> Result<u64, Error> {
        self.value = self.value.checked_sub(by).ok_or_else(|| {
            Error::msg(format!(
                "Counter cannot go below zero (value {}, By {by})",
                self.value
            ))
        })?;
        Ok(self.value)
    }
}

/// The reply: tag `Count`, Data = the value.
fn reply(value: u64) -> OutMessage {
    OutMessage::untargeted()
        .tag("Count", value)
        .data(value.to_string())
}

#[aoxide::handlers]
impl Counter {
    /// The spawn message may carry `Start` (read only from the spawn message itself).
    #[init]
    fn init(ctx: &Ctx, msg: &Message) -> Result<Self, Error> {
        let start = if msg.is_spawn_of(ctx.id()) {
            msg.tag::<Option<u64>>("Start")?.unwrap_or(0)
        } else {
            0
        };
        Ok(Counter::new(start))
    }

    /// `Increment`: adds `By` (default 1).
    #[handler(action = "Increment", name = "increment")]
    fn on_increment(&mut self, by: Option<u64>) -> Result<OutMessage, Error> {
        Ok(reply(self.increment(by.unwrap_or(1))?))
    }

    /// `Decrement`: subtracts `By` (default 1).
    #[handler(action = "Decrement", name = "decrement")]
    fn on_decrement(&mut self, by: Option<u64>) -> Result<OutMessage, Error> {
        Ok(reply(self.decrement(by.unwrap_or(1))?))
    }

    /// `Count`: replies with the value.
    #[handler(action = "Count", name = "count")]
    fn on_count(&self) -> OutMessage {
        reply(self.value)
    }

    /// `Reset`: only the owner or the process itself; sets 0.
    #[handler(action = "Reset", name = "reset", from = trusted)]
    fn on_reset(&mut self) -> OutMessage {
        self.value = 0;
        reply(0)
    }
}

// The AO module entry points. `aoxide::export!` is provided by runtime/src/export.rs.
#[cfg(all(target_arch = "wasm32", feature = "export"))]
aoxide::export!(Counter);

#[cfg(test)]
mod tests {
    use super::*;
    use aoxide::{Env, Outcome, Runtime};

    const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
    const OWNER: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
    const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";

    fn runtime(start: Option<&str>) -> Runtime<CounterProcess> {
        let mut rt = Runtime::new();
        let mut spawn = Message::new(OWNER).with_id(PID).with_tag("Type", "Process");
        if let Some(s) = start {
            spawn = spawn.with_tag("Start", s);
        }
        assert!(!rt.handle(spawn, Some(&Env::new(PID, OWNER))).is_error());
        rt
    }

    fn send(
        rt: &mut Runtime<CounterProcess>,
        from: &str,
        action: &str,
        by: Option<&str>,
    ) -> Outcome {
        let mut m = Message::new(from).with_id("m").with_action(action);
        if let Some(b) = by {
            m = m.with_tag("By", b);
        }
        rt.handle(m, None)
    }

    fn count(o: &Outcome) -> Option<&str> {
        o.messages.first().and_then(|m| m.get("Count"))
    }

    #[test]
    fn counts_up_and_down() {
        let mut rt = runtime(Some("5"));
        assert_eq!(count(&send(&mut rt, BOB, "Increment", None)), Some("6"));
        assert_eq!(
            count(&send(&mut rt, BOB, "Increment", Some("10"))),
            Some("16")
        );
        assert_eq!(
            count(&send(&mut rt, BOB, "Decrement", Some("6"))),
            Some("10")
        );
        let o = send(&mut rt, BOB, "Count", None);
        assert_eq!(count(&o), Some("10"));
        assert_eq!(o.messages[0].data.as_deref(), Some("10"));
        assert_eq!(o.messages[0].target.as_deref(), Some(BOB));
    }

    #[test]
    fn bad_input_fails_and_changes_nothing() {
        let mut rt = runtime(None);
        send(&mut rt, BOB, "Increment", Some("3"));
        for bad in ["-1", "1.5", "01", "", "x", "18446744073709551616"] {
            let o = send(&mut rt, BOB, "Increment", Some(bad));
            assert!(o.is_error(), "{bad}");
            assert!(o.messages.is_empty());
        }
        assert!(send(&mut rt, BOB, "Decrement", Some("4")).is_error());
        assert_eq!(rt.state().unwrap().value, 3);
        send(&mut rt, BOB, "Increment", Some(&u64::MAX.to_string()[..]))
            .error
            .unwrap();
        assert_eq!(rt.state().unwrap().value, 3);
    }

    #[test]
    fn reset_is_for_the_owner() {
        let mut rt = runtime(Some("9"));
        let o = send(&mut rt, BOB, "Reset", None);
        assert!(
            o.messages.is_empty(),
            "a stranger's Reset goes to the inbox"
        );
        assert_eq!(rt.inbox().len(), 1);
        assert_eq!(rt.state().unwrap().value, 9);
        assert_eq!(count(&send(&mut rt, OWNER, "Reset", None)), Some("0"));
        assert_eq!(rt.state().unwrap().value, 0);
    }

    #[test]
    fn two_counters_mount_side_by_side() {
        #[aoxide::process]
        #[derive(Default)]
        struct Two {
            a: Counter,
            b: Counter,
        }
        #[aoxide::handlers(mount(a = Counter, b = Counter))]
        impl Two {}
        let rt = Runtime::<Two>::new();
        let names: Vec<_> = rt.registry().names().collect();
        assert_eq!(
            names,
            [
                "a.increment",
                "a.decrement",
                "a.count",
                "a.reset",
                "b.increment",
                "b.decrement",
                "b.count",
                "b.reset"
            ]
        );
        let parts: Vec<_> = Two::interface()
            .parts
            .iter()
            .map(|p| p.field.clone())
            .collect();
        assert_eq!(parts, ["a", "b"]);
    }
}
