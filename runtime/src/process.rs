//! What a process is: the [`Process`] trait a state type implements (by the macros or by
//! hand) and the [`Config`] it tunes. [`Runtime`](crate::Runtime) runs it.

use crate::context::Ctx;
use crate::error::Error;
use crate::message::Message;
use crate::registry::Registry;
use crate::state::Transactional;

/// Limits and behaviour a process can tune.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Config {
    /// Unhandled messages kept in the inbox; the oldest is dropped past this.
    pub inbox_limit: usize,
    /// Bytes (data and tags) the inbox may hold; the oldest messages are dropped past
    /// this, and a message larger than it is never kept.
    pub inbox_bytes: usize,
    /// Largest message accepted, in bytes of JSON.
    pub max_message_bytes: usize,
    /// Waits for replies kept at once (see [`crate::pending`]); registering one more fails
    /// the handler.
    pub max_pending: usize,
    /// Most output one message may produce (messages, spawns, assignments and printed
    /// text, counted as data plus tags): past it the message fails with an `Error` and
    /// changes nothing. Checked while the output is built, never after.
    pub max_output_bytes: usize,
}

/// One MiB.
const MIB: usize = 1024 * 1024;

impl Default for Config {
    fn default() -> Self {
        Config {
            inbox_limit: 100,
            inbox_bytes: 8 * MIB,
            max_message_bytes: crate::protocol::MAX_MESSAGE_BYTES,
            max_pending: 100,
            max_output_bytes: 16 * MIB,
        }
    }
}

/// Reads an AO `Memory-Limit` (`1-gb`, `512-mb`, `64-kb`, or plain bytes; units are powers
/// of 1024, case ignored). Anything else is no limit.
pub fn parse_memory_limit(text: &str) -> Option<usize> {
    let text = text.trim_ascii();
    // Split at the first ASCII `-` found as a byte (a `str` split decodes every `char`, a
    // `char` pattern searches with `memchr`); `get` at an ASCII byte never fails.
    let (number, unit) = match text.bytes().position(|b| b == b'-') {
        Some(at) => (text.get(..at)?, text.get(at + 1..)?),
        None => (text, "b"),
    };
    // As `usize::from_str` reads it: an optional `+`, then ASCII digits only, through the
    // reader's digit loop for number fields (`""` there is absent, here no limit). A `&str`
    // pattern, not `'+'`: the `char` one encodes itself first, code only this would bring.
    let digits = number.strip_prefix("+").unwrap_or(number);
    let n = usize::try_from(crate::protocol::parse_number(digits)??).ok()?;
    // The unit, case ignored: `| 0x20` lowercases exactly the ASCII letter's two cases
    // (no other byte turns into `b`, `k`, `m` or `g`), so this is `eq_ignore_ascii_case`
    // with each name, without a loop over a table of them.
    let shift = match *unit.as_bytes() {
        [b] if b | 0x20 == b'b' => 0,
        [scale, b] if b | 0x20 == b'b' => match scale | 0x20 {
            b'k' => 10,
            b'm' => 20,
            b'g' => 30,
            _ => return None,
        },
        _ => return None,
    };
    n.checked_mul(1 << shift).filter(|&b| b > 0)
}

/// A process: its state type, how the state is made from the spawn message, and its
/// handlers. `#[aoxide::process]` with `#[aoxide::handlers]` implement it (every process
/// of this repository is written so); it can also be written by hand, on the registry
/// directly, which is what the macros generate:
///
/// ```
/// use aoxide::{Ctx, Error, Handler, Message, OutMessage, Process, Registry, Runtime};
///
/// #[derive(Clone, Default)]
/// struct Ping {
///     pings: u64,
/// }
/// // Rolled back by copy (`#[aoxide::process]` does it field by field instead).
/// aoxide::transactional_by_clone!(Ping);
///
/// impl Process for Ping {
///     fn init(ctx: &mut Ctx<'_>, _spawn: &Message) -> Result<Self, Error> {
///         ctx.print("ready");
///         Ok(Ping::default())
///     }
///
///     fn register(registry: &mut Registry<Self>) {
///         registry.add(Handler::action("Ping", |s: &mut Ping, ctx, _msg| {
///             s.pings += 1;
///             ctx.respond(OutMessage::untargeted().action("Pong"));
///             Ok(())
///         }));
///     }
/// }
///
/// let mut rt = Runtime::<Ping>::new();
/// rt.handle(Message::new("OWNER").with_id("PID"), Some(&aoxide::Env::new("PID", "OWNER")));
/// let out = rt.handle(Message::new("ALICE").with_action("Ping"), None);
/// assert_eq!(out.messages[0].get("Action"), Some("Pong"));
/// assert_eq!(rt.state().unwrap().pings, 1);
/// ```
pub trait Process: Transactional + Sized + 'static {
    /// Builds the state from the spawn message (or the first message when the host never
    /// delivers the spawn).
    fn init(ctx: &mut Ctx<'_>, msg: &Message) -> Result<Self, Error>;

    /// Registers the handlers. Called once, when the runtime starts.
    fn register(registry: &mut Registry<Self>);

    /// The interface records (JSON Lines) that [`export!`](crate::export) embeds in the
    /// module's `aoxide.interface` custom section; `#[aoxide::handlers]` fills it in.
    const INTERFACE: &'static str = "";

    /// Limits; override to change them.
    fn config() -> Config {
        Config::default()
    }

    /// Runs once per message, after its handlers succeeded (never for dry-runs).
    /// `changed` is true when a handler that may change state ran (any handler not marked
    /// read-only, or the default handler). What it sends joins the message's outcome; an
    /// error fails the whole message like a handler error. `#[aoxide::handlers]` uses it
    /// to send one `patch@1.0` message per changing message.
    fn after_message(&mut self, ctx: &mut Ctx<'_>, changed: bool) -> Result<(), Error> {
        let _ = (ctx, changed);
        Ok(())
    }

    /// Whether the process takes `msg`, an assignment: a message addressed to another
    /// process (its `Target`) that a scheduler assigned to this one. By default none, as
    /// AOS refuses assignments unless `ao.addAssignable` named them: a message Alice signed
    /// for one token, assigned to another where she also holds a balance, would otherwise
    /// move her funds there. `#[aoxide::handlers(assignable = path)]` implements it with a
    /// `fn(&Self, &Message) -> bool`, or'ed with what the mounted parts take.
    fn accepts_assignment(&self, msg: &Message) -> bool {
        let _ = msg;
        false
    }

    /// Appends the state's snapshot JSON view to `out` (what tools read through the
    /// module's `aoxide_view` export; see [`crate::view`]); false when the state has none.
    /// `#[aoxide::handlers]` implements it when the state is `Serialize`.
    fn view_state(&self, out: &mut Vec<u8>) -> bool {
        let _ = out;
        false
    }

    /// The state read back from its snapshot JSON view (how the test network reads the
    /// state of a wasm process); `None` when the state cannot be read back.
    /// `#[aoxide::handlers]` implements it when the state is `Deserialize`.
    fn from_view(view: &serde_json::Value) -> Option<Result<Self, crate::SnapshotError>> {
        let _ = view;
        None
    }
}
