//! `U256` amounts are decimal strings in every serde path: a JSON reply, a `#[patch]`
//! field, a `state::Map` delta, the snapshot JSON view, and back.

use aoxide::interface::Json;
use aoxide::state::Map;
use aoxide::{snapshot, Env, Message, Result, Runtime, U256};
use serde::{Deserialize, Serialize};

#[aoxide::process]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vault {
    #[patch]
    supply: U256,
    #[patch]
    balances: Map<String, U256>,
}

#[aoxide::handlers]
impl Vault {
    /// Mints `Quantity` to the sender.
    #[handler(action = "Mint")]
    fn mint(&mut self, msg: &Message, quantity: U256) -> Result<()> {
        self.supply = self
            .supply
            .checked_add(quantity)
            .ok_or(aoxide::Error::msg("overflow"))?;
        let balance = self.balances.get(&msg.from).copied().unwrap_or_default();
        self.balances.insert(msg.from.clone(), balance + quantity);
        Ok(())
    }

    /// The whole state as JSON.
    #[handler(action = "State")]
    fn state(&self) -> Json<Vault> {
        Json(self.clone())
    }
}

#[test]
fn amounts_are_decimal_in_replies_patches_and_snapshots() {
    let mut rt = Runtime::<Vault>::new();
    rt.handle(
        Message::new("OWNER").with_id("PID"),
        Some(&Env::new("PID", "OWNER")),
    );
    let o = rt.handle(
        Message::new("ALICE")
            .with_action("Mint")
            .with_tag("Quantity", "200"),
        None,
    );
    let patch = o
        .messages
        .iter()
        .find(|m| m.get("device") == Some("patch@1.0"))
        .unwrap();
    assert_eq!(patch.get("supply"), Some("200"), "a whole field");
    assert_eq!(
        patch.tags.find("balances").unwrap().to_string(),
        r#"{"ALICE":"200"}"#,
        "a Map delta"
    );

    let o = rt.handle(Message::new("ALICE").with_action("State"), None);
    let data = o.message_to("ALICE").unwrap().data.clone().unwrap();
    assert_eq!(data, r#"{"supply":"200","balances":{"ALICE":"200"}}"#);

    let state = rt.state().unwrap();
    let view = snapshot::to_json(state).unwrap();
    assert_eq!(view["state"]["supply"], "200");
    assert_eq!(view["state"]["balances"]["ALICE"], "200");
    let back: Vault = snapshot::from_json(&view).unwrap();
    assert_eq!(&back, state);
    let bytes = snapshot::save(state).unwrap();
    assert_eq!(&snapshot::load::<Vault>(&bytes).unwrap(), state);

    let big = U256::MAX;
    let text = serde_json::to_string(&big).unwrap();
    assert_eq!(text, format!("\"{big}\""));
    assert_eq!(serde_json::from_str::<U256>(&text).unwrap(), big);
}
