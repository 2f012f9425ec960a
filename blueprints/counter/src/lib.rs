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
//! Several counters can live in one process: [`register_with_prefix`] prefixes the
//! actions (`Score-Increment`, `Score-Count`, ...).
//!
//! Built for wasm32 with the default `export` feature, this crate is an AO module running
//! [`CounterProcess`]; crates composing [`Counter`] depend on it with
//! `default-features = false`.

#![warn(missing_docs)]

use aoxide::{Caller, Ctx, Error, Handler, Message, OutMessage, Process, Registry, Transactional};

/// A counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counter {
    /// The current value.
    pub value: u64,
}

impl Transactional for Counter {
    type Savepoint = u64;
    fn savepoint(&mut self) -> u64 {
        self.value
    }
    fn rollback(&mut self, sp: u64) {
        self.value = sp;
    }
    fn commit(&mut self, _sp: u64) {}
}

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

fn reply(ctx: &mut Ctx<'_>, value: u64) {
    ctx.respond(
        OutMessage::untargeted()
            .tag("Count", value)
            .data(value.to_string()),
    );
}

fn by(msg: &Message) -> Result<u64, Error> {
    Ok(msg.tag::<Option<u64>>("By")?.unwrap_or(1))
}

/// Registers `Increment`, `Decrement`, `Count` and `Reset` into any process' registry;
/// `counter` finds the counter in the process state.
pub fn register<P: 'static, F>(registry: &mut Registry<P>, counter: F)
where
    F: Fn(&mut P) -> &mut Counter + Clone + 'static,
{
    register_with_prefix(registry, "", counter)
}

/// Like [`register`], with every action (and handler name) prefixed by `prefix`.
pub fn register_with_prefix<P: 'static, F>(registry: &mut Registry<P>, prefix: &str, counter: F)
where
    F: Fn(&mut P) -> &mut Counter + Clone + 'static,
{
    registry
        .scoped(counter)
        .action(&format!("{prefix}Increment"), handle_increment)
        .action(&format!("{prefix}Decrement"), handle_decrement)
        .action(&format!("{prefix}Count"), handle_count)
        .handler(
            Handler::action(&format!("{prefix}Reset"), handle_reset).from(Caller::OwnerOrProcess),
        );
}

fn handle_increment(counter: &mut Counter, ctx: &mut Ctx<'_>, msg: &Message) -> Result<(), Error> {
    let value = counter.increment(by(msg)?)?;
    reply(ctx, value);
    Ok(())
}

fn handle_decrement(counter: &mut Counter, ctx: &mut Ctx<'_>, msg: &Message) -> Result<(), Error> {
    let value = counter.decrement(by(msg)?)?;
    reply(ctx, value);
    Ok(())
}

fn handle_count(counter: &mut Counter, ctx: &mut Ctx<'_>, _msg: &Message) -> Result<(), Error> {
    reply(ctx, counter.value);
    Ok(())
}

fn handle_reset(counter: &mut Counter, ctx: &mut Ctx<'_>, _msg: &Message) -> Result<(), Error> {
    counter.value = 0;
    reply(ctx, 0);
    Ok(())
}

/// A process that is only a counter. Its spawn message may carry a `Start` tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CounterProcess {
    /// The counter.
    pub counter: Counter,
}

impl Transactional for CounterProcess {
    type Savepoint = u64;
    fn savepoint(&mut self) -> u64 {
        self.counter.savepoint()
    }
    fn rollback(&mut self, sp: u64) {
        self.counter.rollback(sp)
    }
    fn commit(&mut self, sp: u64) {
        self.counter.commit(sp)
    }
}

impl Process for CounterProcess {
    fn init(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error> {
        let start = if msg.is_spawn_of(ctx.id()) {
            msg.tag::<Option<u64>>("Start")?.unwrap_or(0)
        } else {
            0
        };
        Ok(CounterProcess {
            counter: Counter::new(start),
        })
    }
    fn register(registry: &mut Registry<Self>) {
        register(registry, |p: &mut CounterProcess| &mut p.counter);
    }
}

// The AO module entry points. `aoxide::export!` is provided by runtime/src/export.rs.
#[cfg(all(target_arch = "wasm32", feature = "export"))]
aoxide::export!(CounterProcess);

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
        assert_eq!(rt.state().unwrap().counter.value, 3);
        send(&mut rt, BOB, "Increment", Some(&u64::MAX.to_string()[..]))
            .error
            .unwrap();
        assert_eq!(rt.state().unwrap().counter.value, 3);
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
        assert_eq!(rt.state().unwrap().counter.value, 9);
        assert_eq!(count(&send(&mut rt, OWNER, "Reset", None)), Some("0"));
        assert_eq!(rt.state().unwrap().counter.value, 0);
    }

    #[test]
    fn prefixed_counters_live_side_by_side() {
        #[derive(Default)]
        struct Two {
            a: Counter,
            b: Counter,
        }
        let mut registry: Registry<Two> = Registry::new();
        register_with_prefix(&mut registry, "A-", |t: &mut Two| &mut t.a);
        register_with_prefix(&mut registry, "B-", |t: &mut Two| &mut t.b);
        let names: Vec<_> = registry.names().collect();
        assert_eq!(
            names,
            [
                "A-Increment",
                "A-Decrement",
                "A-Count",
                "A-Reset",
                "B-Increment",
                "B-Decrement",
                "B-Count",
                "B-Reset"
            ]
        );
    }
}
