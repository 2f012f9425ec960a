// One tag, one parameter.
#[aoxide::process]
#[derive(Default)]
pub struct Token {
    supply: u64,
}

#[aoxide::handlers]
impl Token {
    #[handler(action = "Transfer")]
    fn transfer(&mut self, quantity: u64, #[tag("Quantity")] amount: u64) {
        let _ = (quantity, amount);
    }
}

fn main() {}
