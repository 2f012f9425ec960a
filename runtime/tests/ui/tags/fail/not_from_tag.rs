// A tag parameter's type must implement FromTag.
pub struct Colour {
    pub name: String,
}

#[aoxide::process]
#[derive(Default)]
pub struct Palette {
    count: u64,
}

#[aoxide::handlers]
impl Palette {
    #[handler(action = "Add")]
    fn add(&mut self, colour: Colour) {
        let _ = colour.name;
        self.count += 1;
    }
}

fn main() {}
