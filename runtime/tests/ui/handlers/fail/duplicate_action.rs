// Two handlers for one action need an explicit order.
#[aoxide::process]
#[derive(Default)]
pub struct Token {
    supply: u64,
}

#[aoxide::handlers]
impl Token {
    #[handler(action = "Transfer")]
    fn transfer(&mut self) {}

    #[handler(action = "Transfer", tags(Cast = "_"))]
    fn transfer_cast(&mut self) {}
}

fn main() {}
