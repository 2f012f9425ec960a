// Versions, migrations, patch keys, tuple structs.
use aoxide::snapshot::{Payload, Schema, SnapshotError};

#[aoxide::process(version = 3, migrate = Ledger::migrate)]
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Ledger {
    #[patch("token-info")]
    info: String,
    #[patch]
    total_supply: u64,
    entries: aoxide::state::Map<String, u64>,
}

impl Ledger {
    fn migrate(from: u32, _old: Payload<'_>) -> Result<Self, SnapshotError> {
        Err(SnapshotError::unsupported::<Self>(from))
    }
}

#[aoxide::process]
#[derive(Default)]
pub struct Pair(u64, String);

fn main() {
    assert_eq!(<Ledger as Schema>::VERSION, 3);
    let patch = Ledger::default().patch_message().unwrap();
    assert_eq!(patch.get("device"), Some("patch@1.0"));
    assert!(patch.tags.find("token-info").is_some());
    assert!(patch.tags.find("total-supply").is_some());
    assert!(Pair::default().patch_message().is_none());
}
