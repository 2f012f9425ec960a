// A handler returns (), a reply, or a Result of one.
#[aoxide::process]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[handler(action = "Get")]
    fn get(&self) -> u64 {
        self.count
    }
}

fn main() {}
