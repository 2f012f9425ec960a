//! The AOS chatroom protocol as an aoxide blueprint.
//!
//! | Action | Effect | Reply (Data) |
//! | --- | --- | --- |
//! | `Register` | adds the sender once | `Registered.` or `Already registered.` |
//! | `Unregister` | removes the sender | `Unregistered` or `Not registered` |
//! | `Broadcast` | sends `Action=Broadcast-Notice` with the same Data to every member once | `Broadcasted.` |
//! | `Members` | - | JSON list of the members in joining order (aoxide extension) |
//!
//! Broadcast notices also carry a `Broadcaster` tag naming the sender (an aoxide
//! extension; AOS' notice has only the Action and the Data). As in AOS, anyone may
//! broadcast, member or not.
//!
//! Use it alone ([`ChatProcess`] is the same type), or mount it on a field of your own
//! process: `#[aoxide::handlers(mount(chat = aoxide_chat::Chat))]`.
//!
//! Built for wasm32 with the default `export` feature, this crate is an AO module running
//! [`ChatProcess`]; crates composing [`Chat`] depend on it with `default-features = false`.

#![warn(missing_docs)]

use aoxide::state::Log;
use aoxide::{Ctx, Message, OutMessage};
use serde::{Deserialize, Serialize};

/// A chatroom: an ordered list of members.
///
/// Serde form (the built module's state view, read back by `aoxide-host`'s `Net::state`):
/// `{"members": ["<address>", ...]}`.
///
/// Membership is looked up in the list itself, in O(members) as leaving already was: an
/// index beside it was a second B-tree in the module, 11.5 KB of a 111 KB one
/// (`docs/size.md`).
#[aoxide::process]
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Chat {
    /// Members in the order they registered.
    members: Log<String>,
}

/// A process that is only a chatroom.
pub type ChatProcess = Chat;

impl Chat {
    /// An empty room.
    pub fn new() -> Self {
        Self::default()
    }

    /// The members in joining order.
    pub fn members(&self) -> &[String] {
        self.members.as_slice()
    }

    /// True if `address` is a member.
    pub fn is_member(&self, address: &str) -> bool {
        self.members.iter().any(|m| m == address)
    }

    /// Adds `address`; false when it was already a member.
    pub fn join(&mut self, address: &str) -> bool {
        if self.is_member(address) {
            return false;
        }
        self.members.push(address.to_owned());
        true
    }

    /// Removes `address`; false when it was not a member.
    pub fn leave(&mut self, address: &str) -> bool {
        let Some(i) = self.members.iter().position(|m| m == address) else {
            return false;
        };
        self.members.remove(i);
        true
    }

    /// Sends `Action=Broadcast-Notice` with `data` to every member, once each, in joining
    /// order. Returns how many notices were sent.
    pub fn broadcast(&self, ctx: &mut Ctx<'_>, from: &str, data: &str) -> usize {
        for member in self.members.iter() {
            ctx.send(
                OutMessage::to(member.as_str())
                    .action("Broadcast-Notice")
                    .tag("Broadcaster", from)
                    .data(data),
            );
        }
        self.members.len()
    }
}

/// The handlers, one method per action.
#[aoxide::handlers]
impl Chat {
    /// `Register`: adds the sender once.
    #[handler(action = "Register", name = "register")]
    fn on_register(&mut self, msg: &Message) -> &'static str {
        if self.join(&msg.from) {
            "Registered."
        } else {
            "Already registered."
        }
    }

    /// `Unregister`: removes the sender.
    #[handler(action = "Unregister", name = "unregister")]
    fn on_unregister(&mut self, msg: &Message) -> &'static str {
        if self.leave(&msg.from) {
            "Unregistered"
        } else {
            "Not registered"
        }
    }

    /// `Broadcast`: relays the Data to every member, then replies `Broadcasted.`.
    #[handler(action = "Broadcast", name = "broadcast")]
    fn on_broadcast(&self, ctx: &mut Ctx, msg: &Message) -> &'static str {
        self.broadcast(ctx, &msg.from, &msg.data);
        "Broadcasted."
    }

    /// `Members`: replies with the JSON list of members.
    #[handler(action = "Members", name = "members")]
    fn on_members(&self) -> OutMessage {
        OutMessage::untargeted().json(&self.members())
    }
}

// The AO module entry points. `aoxide::export!` is provided by runtime/src/export.rs.
#[cfg(all(target_arch = "wasm32", feature = "export"))]
aoxide::export!(Chat);

#[cfg(test)]
mod tests {
    use super::*;
    use aoxide::{Env, Runtime, Transactional};

    const PID: &str = "KeBtbx9NA7tCRr3cSN4_G1bPUSlcBFTy0ubMYvoOUaU";
    const ALICE: &str = "IsL5MfprdDYNsGLbAlH36j1neROI203eUdiWZ6Rwu_o";
    const BOB: &str = "LPkm502Ht5Uha7hgOvD9ehjZmoBjRQhdsW96QRHK3xE";
    const CAROL: &str = "jLbz8Sng1M-AIBayL1w_X_hIpd64BOtY2fBLoq7H8Rw";

    fn runtime() -> Runtime<ChatProcess> {
        let mut rt = Runtime::new();
        let env = Env::new(PID, ALICE);
        let spawn = Message::new(ALICE).with_id(PID).with_tag("Type", "Process");
        assert!(!rt.handle(spawn, Some(&env)).is_error());
        rt
    }

    fn send(
        rt: &mut Runtime<ChatProcess>,
        from: &str,
        action: &str,
        data: &str,
    ) -> aoxide::Outcome {
        let msg = Message::new(from)
            .with_id(format!("m-{action}-{from}"))
            .with_action(action)
            .with_data(data);
        rt.handle(msg, None)
    }

    fn reply_data(o: &aoxide::Outcome, to: &str) -> String {
        o.message_to(to)
            .and_then(|m| m.data.clone())
            .unwrap_or_default()
    }

    #[test]
    fn register_once_in_order() {
        let mut rt = runtime();
        assert_eq!(
            reply_data(&send(&mut rt, BOB, "Register", ""), BOB),
            "Registered."
        );
        assert_eq!(
            reply_data(&send(&mut rt, ALICE, "Register", ""), ALICE),
            "Registered."
        );
        assert_eq!(
            reply_data(&send(&mut rt, BOB, "Register", ""), BOB),
            "Already registered."
        );
        assert_eq!(rt.state().unwrap().members(), [BOB, ALICE]);
        let members = send(&mut rt, CAROL, "Members", "");
        assert_eq!(
            reply_data(&members, CAROL),
            format!("[\"{BOB}\",\"{ALICE}\"]")
        );
    }

    #[test]
    fn unregister() {
        let mut rt = runtime();
        assert_eq!(
            reply_data(&send(&mut rt, BOB, "Unregister", ""), BOB),
            "Not registered"
        );
        send(&mut rt, BOB, "Register", "");
        send(&mut rt, CAROL, "Register", "");
        assert_eq!(
            reply_data(&send(&mut rt, BOB, "Unregister", ""), BOB),
            "Unregistered"
        );
        assert_eq!(rt.state().unwrap().members(), [CAROL]);
        assert!(!rt.state().unwrap().is_member(BOB));
        assert_eq!(
            reply_data(&send(&mut rt, BOB, "Register", ""), BOB),
            "Registered."
        );
        assert_eq!(rt.state().unwrap().members(), [CAROL, BOB]);
    }

    #[test]
    fn broadcast_reaches_every_member_once() {
        let mut rt = runtime();
        for who in [ALICE, BOB, CAROL] {
            send(&mut rt, who, "Register", "");
        }
        send(&mut rt, BOB, "Register", "");
        let o = send(&mut rt, CAROL, "Broadcast", "hello room");
        let notices: Vec<_> = o.messages_with_action("Broadcast-Notice").collect();
        assert_eq!(notices.len(), 3);
        let targets: Vec<_> = notices.iter().map(|m| m.target.clone().unwrap()).collect();
        assert_eq!(targets, [ALICE, BOB, CAROL]);
        for n in &notices {
            assert_eq!(n.data.as_deref(), Some("hello room"));
            assert_eq!(n.get("Broadcaster"), Some(CAROL));
        }
        let reply = o.messages.last().unwrap();
        assert_eq!(reply.target.as_deref(), Some(CAROL));
        assert_eq!(reply.data.as_deref(), Some("Broadcasted."));
        assert_eq!(reply.get("Action"), None);
    }

    #[test]
    fn empty_room_broadcast_only_replies() {
        let mut rt = runtime();
        let o = send(&mut rt, BOB, "Broadcast", "anyone?");
        assert_eq!(o.messages.len(), 1);
        assert_eq!(reply_data(&o, BOB), "Broadcasted.");
    }

    #[test]
    fn rollback_restores_members_and_order() {
        let mut chat = Chat::new();
        chat.join(ALICE);
        chat.join(BOB);
        let before = chat.clone();
        let sp = chat.savepoint();
        chat.leave(ALICE);
        chat.join(CAROL);
        chat.join(ALICE);
        assert_eq!(chat.members(), [BOB, CAROL, ALICE]);
        chat.rollback(sp);
        assert_eq!(chat.members(), before.members());
        assert!(chat.is_member(ALICE) && chat.is_member(BOB) && !chat.is_member(CAROL));
    }
}
