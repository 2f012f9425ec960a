// A handler must borrow the state.
#[aoxide::process]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[handler(action = "Increment")]
    fn increment(self) {}
}

fn main() {}
