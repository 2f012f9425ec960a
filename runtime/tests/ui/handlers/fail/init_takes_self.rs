// #[init] builds the state; it returns Self and takes no self.
#[aoxide::process]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[init]
    fn init(&mut self) {}
}

fn main() {}
