// Every field of the state must be Transactional.
use std::collections::HashMap;

#[aoxide::process]
#[derive(Default)]
pub struct Store {
    entries: HashMap<String, String>,
}

fn main() {}
