// A state field that is not Transactional, in a process with handlers that the runtime runs:
// the mistake is reported once, at the field (not again at every use of the process).
use std::collections::HashMap;

#[aoxide::process]
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Store {
    entries: HashMap<String, String>,
}

#[aoxide::handlers]
impl Store {
    #[handler(action = "Set")]
    fn set(&mut self, key: String, value: String) {
        self.entries.insert(key, value);
    }
}

aoxide::export!(Store);

fn main() {
    let _ = aoxide::Runtime::<Store>::new();
}
