// A handler without action, tags or when would take every message.
#[aoxide::process]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[handler(from = owner)]
    fn anything(&mut self) {}
}

fn main() {}
