//! Who the process is and whom it trusts.

use serde::{Deserialize, Serialize};

use crate::message::{Env, Message};
use crate::outbox::Outbox;
use crate::outcome::Outcome;
use crate::tags::Tags;

/// The identity of the running process, learnt from the env (and the spawn message).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ProcessInfo {
    /// The process id.
    pub id: String,
    /// The process owner: set once, from the spawn message's `From-Process` or sender,
    /// else from the env.
    pub owner: String,
    /// The process name: its `Name` tag, else "aos" as AOS does.
    pub name: String,
    /// The module id, when the host says.
    pub module: Option<String>,
    /// Addresses allowed to forward messages on behalf of others (the `Authority` tags of
    /// the process, comma-separated values allowed).
    pub authorities: Vec<String>,
    /// The tags the process was spawned with, from the env (AOS `ao.env.Process.Tags`).
    #[serde(default)]
    pub tags: Tags,
}

impl ProcessInfo {
    /// Reads the identity from an env.
    pub fn from_env(env: &Env) -> Self {
        let mut authorities = Vec::new();
        for value in env.process.tags.get_all("Authority") {
            // Split as bytes at the ASCII `,` (each piece is UTF-8 again, so `from_utf8`
            // never fails): a `str` split decodes every `char`, and a `char` pattern
            // searches with `memchr`, code only this would bring into a module.
            for a in value.as_bytes().split(|&b| b == b',') {
                let a = std::str::from_utf8(a).unwrap_or_default().trim_ascii();
                if !a.is_empty() && !authorities.iter().any(|x| x == a) {
                    authorities.push(a.to_owned());
                }
            }
        }
        ProcessInfo {
            id: env.process.id.clone(),
            owner: env.process.owner.clone(),
            name: env.process.tags.get("Name").unwrap_or("aos").to_owned(),
            module: env.module.as_ref().map(|m| m.id.clone()),
            authorities,
            tags: env.process.tags.clone(),
        }
    }

    /// AOS trust: a message is trusted when its sender signed it (`From == Owner`), or when
    /// it was signed by one of the process' authorities (a process message forwarded by
    /// the messenger unit). Anything else claims a `From-Process` nobody vouches for.
    pub fn is_trusted(&self, msg: &Message) -> bool {
        msg.from == msg.owner
            || self.authorities.contains(&msg.owner)
            || self.authorities.contains(&msg.from)
    }

    /// True if `msg` is an assignment: addressed (`Target`) to another process, and given
    /// to this one by a scheduler. A message without a target, or before the process knows
    /// its id, is not one.
    pub fn is_assignment(&self, msg: &Message) -> bool {
        msg.target
            .as_deref()
            .is_some_and(|t| !t.is_empty() && !self.id.is_empty() && t != self.id)
    }

    /// True if `msg` comes from the process owner.
    pub fn is_owner(&self, msg: &Message) -> bool {
        !self.owner.is_empty() && msg.from == self.owner
    }

    /// True if `msg` comes from the process itself.
    pub fn is_self(&self, msg: &Message) -> bool {
        msg.from == self.id
    }
}

/// The outcome of a message the process does not take (`what`: "Message" or
/// "Assignment"): AOS's line, printed; nothing else happens.
pub(crate) fn not_trusted(what: &str, msg: &Message) -> Outcome {
    let mut outbox = Outbox::default();
    outbox.print(&format!(
        "{what} is not trusted! From: {} - Owner: {}",
        msg.from, msg.owner
    ));
    Outcome::from_outbox(outbox)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> ProcessInfo {
        let mut env = Env::new("PID", "OWNER");
        let mut tags = Tags::new();
        tags.add("Authority", "AUTH1,AUTH2");
        tags.add("Authority", "AUTH3");
        env.process.tags = tags;
        ProcessInfo::from_env(&env)
    }

    #[test]
    fn authorities_from_repeated_and_comma_separated_tags() {
        assert_eq!(info().authorities, ["AUTH1", "AUTH2", "AUTH3"]);
        assert_eq!(info().name, "aos");
    }

    /// The authorities as a `str` split at `','` gives them, on values with multi-byte
    /// characters (a split of the bytes must cut nowhere else) and Unicode whitespace.
    #[test]
    fn authorities_split_as_a_str_split() {
        let values = [
            "A,B",
            " A1 ,\u{3000}\u{e9}\u{2003},,A1, \u{df}\u{2c6}, ",
            "\u{ff0c}X\u{ff0c}Y",
            ",,,",
            "",
            "\u{1f389},\u{1f389} ,x\u{85}",
        ];
        for value in values {
            let mut env = Env::new("PID", "OWNER");
            env.process.tags.add("Authority", value);
            env.process.tags.add("Authority", "Z, A1");
            let mut expected: Vec<String> = Vec::new();
            // Trimmed of ASCII whitespace only: an address has no other.
            for a in value.split(',').chain("Z, A1".split(',')) {
                let a = a.trim_ascii();
                if !a.is_empty() && !expected.iter().any(|x| x == a) {
                    expected.push(a.to_owned());
                }
            }
            assert_eq!(
                ProcessInfo::from_env(&env).authorities,
                expected,
                "{value:?}"
            );
        }
    }

    #[test]
    fn trust_rules() {
        let p = info();
        let direct = Message::new("STRANGER");
        assert!(p.is_trusted(&direct), "a signer speaking for itself");
        let mut forwarded = Message::new("AUTH2");
        forwarded.from = "OTHER_PROCESS".into();
        assert!(p.is_trusted(&forwarded), "forwarded by an authority");
        let mut spoofed = Message::new("STRANGER");
        spoofed.from = "OTHER_PROCESS".into();
        assert!(
            !p.is_trusted(&spoofed),
            "a From-Process no authority vouches for"
        );
        assert!(p.is_owner(&Message::new("OWNER")));
        assert!(!p.is_owner(&Message::new("STRANGER")));
    }
}
