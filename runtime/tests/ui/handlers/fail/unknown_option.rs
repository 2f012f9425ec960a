// Unknown options are errors, and every one is reported at once.
#[aoxide::process]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[handler(action = "Increment", colour = "red")]
    fn increment(&mut self) {}

    #[handler(action = "Get", priority = 1)]
    fn get(&self) {}

    #[handler(action = "Reset", from = nobody)]
    fn reset(&mut self) {}
}

fn main() {}
