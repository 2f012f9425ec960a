// #[process] goes on a struct.
#[aoxide::process]
pub enum State {
    On,
    Off,
}

fn main() {}
