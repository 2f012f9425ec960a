// Tag parameters are owned values.
#[aoxide::process]
#[derive(Default)]
pub struct Greeter {
    last: String,
}

#[aoxide::handlers]
impl Greeter {
    #[handler(action = "Greet")]
    fn greet(&mut self, name: &str) {
        self.last = name.to_owned();
    }
}

fn main() {}
