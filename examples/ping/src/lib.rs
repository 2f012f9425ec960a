//! Example aoxide process: ping.
//!
//! Small enough to read in one sitting, written with the macros like every process, and
//! the module the conformance suite (`tests/conformance`) runs under the real AO hosts. Its
//! actions:
//!
//! | Action | Tags | Does |
//! | --- | --- | --- |
//! | `Ping` | | replies `Action=Pong`, `Data=pong` |
//! | `Increment` | `By` (optional, default 1) | adds to the counter, replies `Action=Incremented`, `Data=<count>` |
//! | `Count` | | replies `Action=Count`, `Data=<count>` |
//! | `Echo` | | replies `Action=Echo` with the same data |
//! | `Fail` | | changes the counter, stores data and sends a message, then fails (all of it is rolled back) |
//! | `Panic` | | changes the counter, then panics (a trap in wasm; rolled back on the next call) |
//! | `Store` | | keeps the data in state, replies `Action=Stored`, `Data=<items stored>` |
//! | `Stored` | `Index` | replies `Action=Stored-Item` with the data stored at `Index` |
//! | `Stats` | | replies `Action=Stats` with JSON: count, pings, stored items and bytes, a checksum of the stored data, process id and owner |
//!
//! Spawning and awaiting a spawn (`Spawn-Child`) and assignments (`Assign`) are shown by
//! `examples/kv-store`, so that the smallest example stays under the 100 KiB line
//! (`docs/size.md`).
//!
//! Each handler is registered under its action's name (`name = "Ping"`), as the module
//! always named them, so its `Error` strings read as before.

#![warn(missing_docs)]

use aoxide::state::Log;
use aoxide::{fail, Ctx, Message, OutMessage, Result};

/// The state of a ping process.
#[aoxide::process]
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ping {
    /// The counter `Increment` changes.
    pub count: u64,
    /// How many `Ping`s were answered.
    pub pings: u64,
    /// What `Store` kept, oldest first.
    pub stored: Log<String>,
}

impl Ping {
    /// Total bytes of stored data.
    pub fn stored_bytes(&self) -> usize {
        self.stored.iter().map(String::len).sum()
    }

    /// A 64-bit FNV-1a checksum over the stored items (each followed by a 0xff separator),
    /// so a test can tell that stored data survived a memory snapshot byte for byte.
    pub fn checksum(&self) -> u64 {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for item in self.stored.iter() {
            for &b in item.as_bytes().iter().chain(&[0xff]) {
                hash ^= u64::from(b);
                hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        hash
    }
}

/// Replies `Action=action`, `Data=data` to the message being handled (one copy of the
/// builder in the module for every handler that replies).
#[inline(never)]
fn reply(ctx: &mut Ctx, action: &str, data: String) {
    ctx.respond(OutMessage::untargeted().action(action).data(data));
}

/// The checksum [`Ping::checksum`] computes, for a list of items (used by tests).
pub fn checksum_of<'a>(items: impl IntoIterator<Item = &'a str>) -> u64 {
    let mut state = Ping::default();
    for item in items {
        state.stored.push(item.to_owned());
    }
    state.checksum()
}

#[aoxide::handlers]
impl Ping {
    /// The spawn: says it is ready.
    #[init]
    fn init(ctx: &mut Ctx) -> Self {
        ctx.print("ping process ready");
        Ping::default()
    }

    /// Replies `Pong`.
    #[handler(action = "Ping", name = "Ping")]
    fn ping(&mut self, ctx: &mut Ctx) {
        self.pings += 1;
        reply(ctx, "Pong", "pong".to_owned());
    }

    /// Adds `By` (default 1) and replies with the count.
    #[handler(action = "Increment", name = "Increment")]
    fn increment(&mut self, ctx: &mut Ctx, by: Option<u64>) -> Result<()> {
        let by = by.unwrap_or(1);
        let Some(count) = self.count.checked_add(by) else {
            fail!("Increment by {by} overflows the counter ({})", self.count);
        };
        self.count = count;
        reply(ctx, "Incremented", count.to_string());
        Ok(())
    }

    /// Replies with the count.
    #[handler(action = "Count", name = "Count")]
    fn count(&self, ctx: &mut Ctx) {
        reply(ctx, "Count", self.count.to_string());
    }

    /// Replies with the data.
    #[handler(action = "Echo", name = "Echo")]
    fn echo(&self, ctx: &mut Ctx, msg: &Message) {
        reply(ctx, "Echo", msg.data.clone());
    }

    /// Changes everything it can, then fails: all of it is rolled back.
    #[handler(action = "Fail", name = "Fail")]
    fn fail(&mut self, ctx: &mut Ctx, msg: &Message) -> Result<()> {
        self.count += 1_000_000;
        self.pings += 1;
        self.stored.push(format!("poison: {}", msg.data));
        ctx.send(OutMessage::to("NOBODY").action("Should-Not-Leave"));
        ctx.print("this output must not appear");
        fail!("Fail always fails (count was {} inside)", self.count)
    }

    /// Changes the count, then panics (a trap in wasm).
    #[handler(action = "Panic", name = "Panic")]
    fn panic(&mut self) {
        self.count += 1_000_000;
        self.stored.push("poison".to_owned());
        panic!("Panic always panics");
    }

    /// Keeps the data; replies with how many items are stored.
    #[handler(action = "Store", name = "Store")]
    fn store(&mut self, ctx: &mut Ctx, msg: &Message) {
        self.stored.push(msg.data.clone());
        reply(ctx, "Stored", self.stored.len().to_string());
    }

    /// Replies with the item stored at `Index`.
    #[handler(action = "Stored", name = "Stored")]
    fn stored(&self, ctx: &mut Ctx, index: usize) -> Result<()> {
        let Some(item) = self.stored.as_slice().get(index) else {
            fail!("no stored item {index} ({} stored)", self.stored.len());
        };
        reply(ctx, "Stored-Item", item.clone());
        Ok(())
    }

    /// Replies with the statistics as JSON.
    #[handler(action = "Stats", name = "Stats")]
    fn stats(&self, ctx: &mut Ctx) {
        // Written by hand, the keys in the order the `serde_json::Map` it was built as kept
        // them: the `serde_json::Value` cost this module 0.9 KB (and `json!` with
        // `OutMessage::json`, before it, 13.7 KB; `docs/size.md`).
        let mut owner = String::new();
        aoxide::push_json_string(&mut owner, ctx.owner());
        let mut process = String::new();
        aoxide::push_json_string(&mut process, ctx.id());
        let stats = format!(
            "{{\"checksum\":\"{}\",\"count\":{},\"owner\":{owner},\"pings\":{},\"process\":{process},\"stored\":{},\"storedBytes\":{}}}",
            self.checksum(),
            self.count,
            self.pings,
            self.stored.len(),
            self.stored_bytes()
        );
        ctx.respond(
            OutMessage::untargeted()
                .action("Stats")
                .data(stats)
                .tag("Content-Type", "application/json"),
        );
    }
}

aoxide::export!(Ping);

#[cfg(test)]
mod tests {
    use super::*;
    use aoxide::Runtime;
    use serde_json::{json, Value};

    const PID: &str = "PING_PROCESS_ID_000000000000000000000000000";
    const OWNER: &str = "PING_OWNER_0000000000000000000000000000000";
    const MU: &str = "PING_AUTHORITY_000000000000000000000000000";

    fn env() -> Vec<u8> {
        json!({"Process": {"Id": PID, "Owner": OWNER, "Tags": [{"name": "Name", "value": "ping"}, {"name": "Authority", "value": MU}]}})
            .to_string()
            .into_bytes()
    }

    fn msg(id: &str, tags: &[(&str, &str)], data: &str) -> Vec<u8> {
        let tags: Vec<Value> = tags
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect();
        json!({"Id": id, "Owner": OWNER, "From": OWNER, "Target": PID, "Tags": tags, "Data": data, "Timestamp": 1, "Block-Height": 1})
            .to_string()
            .into_bytes()
    }

    fn call(rt: &mut Runtime<Ping>, id: &str, tags: &[(&str, &str)], data: &str) -> Value {
        let out = rt.handle_json(&msg(id, tags, data), &env());
        let v: Value = serde_json::from_slice(&out).expect("result is JSON");
        assert_eq!(v["ok"], true, "{v}");
        v["response"].clone()
    }

    fn spawned() -> Runtime<Ping> {
        let mut rt = Runtime::new();
        let r = call(&mut rt, PID, &[("Type", "Process")], "");
        assert!(r.get("Error").is_none(), "{r}");
        assert_eq!(r["Output"]["data"], "ping process ready");
        rt
    }

    fn reply_data(r: &Value) -> String {
        r["Messages"][0]["Data"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    fn reply_action(r: &Value) -> String {
        let tags = r["Messages"][0]["Tags"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        tags.iter()
            .find(|t| t["name"] == "Action")
            .and_then(|t| t["value"].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn ping_pongs_to_the_sender() {
        let mut rt = spawned();
        let r = call(&mut rt, "m1", &[("Action", "Ping")], "");
        assert_eq!(reply_action(&r), "Pong");
        assert_eq!(reply_data(&r), "pong");
        assert_eq!(r["Messages"][0]["Target"], OWNER);
        assert_eq!(rt.state().unwrap().pings, 1);
    }

    #[test]
    fn increment_and_count() {
        let mut rt = spawned();
        call(&mut rt, "m1", &[("Action", "Increment")], "");
        let r = call(&mut rt, "m2", &[("Action", "Increment"), ("By", "41")], "");
        assert_eq!(reply_action(&r), "Incremented");
        assert_eq!(reply_data(&r), "42");
        let r = call(&mut rt, "m3", &[("Action", "Count")], "");
        assert_eq!(reply_data(&r), "42");
    }

    #[test]
    fn bad_by_tag_is_an_error_and_changes_nothing() {
        let mut rt = spawned();
        call(&mut rt, "m1", &[("Action", "Increment"), ("By", "5")], "");
        let r = call(
            &mut rt,
            "m2",
            &[("Action", "Increment"), ("By", "lots")],
            "",
        );
        let err = r["Error"].as_str().unwrap();
        assert!(err.contains("By"), "{err}");
        assert_eq!(r["Messages"], json!([]));
        assert_eq!(rt.state().unwrap().count, 5);
        let r = call(
            &mut rt,
            "m3",
            &[("Action", "Increment"), ("By", &u64::MAX.to_string())],
            "",
        );
        assert!(r["Error"].as_str().unwrap().contains("overflows"));
        assert_eq!(rt.state().unwrap().count, 5);
    }

    #[test]
    fn echo_returns_the_data() {
        let mut rt = spawned();
        let r = call(&mut rt, "m1", &[("Action", "Echo")], "héllo \u{1F600}");
        assert_eq!(reply_action(&r), "Echo");
        assert_eq!(reply_data(&r), "héllo \u{1F600}");
    }

    #[test]
    fn fail_rolls_everything_back() {
        let mut rt = spawned();
        call(&mut rt, "m1", &[("Action", "Increment"), ("By", "3")], "");
        call(&mut rt, "m2", &[("Action", "Store")], "kept");
        let before = rt.state().unwrap().clone();
        let r = call(&mut rt, "m3", &[("Action", "Fail")], "x");
        assert!(r["Error"].as_str().unwrap().contains("Fail always fails"));
        assert_eq!(r["Messages"], json!([]));
        assert_eq!(r["Output"]["data"], "");
        assert_eq!(rt.state().unwrap(), &before);
        let r = call(&mut rt, "m4", &[("Action", "Count")], "");
        assert_eq!(reply_data(&r), "3");
    }

    #[test]
    fn store_keeps_data_and_stats_report_it() {
        let mut rt = spawned();
        let big = "x".repeat(100_000);
        call(&mut rt, "m1", &[("Action", "Store")], "a");
        let r = call(&mut rt, "m2", &[("Action", "Store")], &big);
        assert_eq!(reply_data(&r), "2");
        let r = call(&mut rt, "m3", &[("Action", "Stored"), ("Index", "1")], "");
        assert_eq!(reply_data(&r).len(), 100_000);
        let r = call(&mut rt, "m4", &[("Action", "Stored"), ("Index", "9")], "");
        assert!(r["Error"].as_str().unwrap().contains("no stored item 9"));
        let r = call(&mut rt, "m5", &[("Action", "Stats")], "");
        let stats: Value = serde_json::from_str(&reply_data(&r)).unwrap();
        assert_eq!(stats["stored"], 2);
        assert_eq!(stats["storedBytes"], 100_001);
        assert_eq!(stats["process"], PID);
        assert_eq!(stats["owner"], OWNER);
        assert_eq!(
            stats["checksum"],
            checksum_of(["a", big.as_str()]).to_string()
        );
        // The very text serde_json writes for these fields (as the reply always was).
        let expected = json!({
            "count": 0, "pings": 0, "stored": 2, "storedBytes": 100_001,
            "checksum": checksum_of(["a", big.as_str()]).to_string(),
            "process": PID, "owner": OWNER,
        });
        assert_eq!(reply_data(&r), expected.to_string());
    }

    #[test]
    fn bad_input_is_an_error_and_state_survives() {
        let mut rt = spawned();
        call(&mut rt, "m1", &[("Action", "Increment"), ("By", "7")], "");
        for (m, e) in [
            (&b"{not json"[..], &env()[..]),
            (
                &b"{\"Tags\": [{\"name\": \"\", \"value\": \"x\"}]}"[..],
                &env()[..],
            ),
            (&b"\xff\xfe"[..], &env()[..]),
            (&msg("m2", &[("Action", "Count")], "")[..], &b"null"[..]),
        ] {
            let out: Value = serde_json::from_slice(&rt.handle_json(m, e)).unwrap();
            assert!(out["response"]["Error"].is_string(), "{out}");
        }
        let big = "y".repeat(9 * 1024 * 1024);
        let out: Value = serde_json::from_slice(
            &rt.handle_json(&msg("m3", &[("Action", "Store")], &big), &env()),
        )
        .unwrap();
        assert!(out["response"]["Error"]
            .as_str()
            .unwrap()
            .contains("over the limit"));
        let r = call(&mut rt, "m4", &[("Action", "Count")], "");
        assert_eq!(reply_data(&r), "7");
        assert!(rt.state().unwrap().stored.is_empty());
    }
}
