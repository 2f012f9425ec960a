// `before`/`after` name a handler of the same impl.
#[aoxide::process]
#[derive(Default)]
pub struct Token {
    supply: u64,
}

#[aoxide::handlers]
impl Token {
    #[handler(action = "Transfer")]
    fn transfer(&mut self) {}

    #[handler(action = "Mint", after = "transfr")]
    fn mint(&mut self) {}
}

fn main() {}
