// Without #[init], the state must be Default.
#[aoxide::process]
pub struct Counter {
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[handler(action = "Get")]
    fn get(&self) -> String {
        self.count.to_string()
    }
}

fn main() {}
