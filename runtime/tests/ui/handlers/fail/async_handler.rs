// Handlers are synchronous.
#[aoxide::process]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[handler(action = "Increment")]
    async fn increment(&mut self) {}
}

fn main() {}
