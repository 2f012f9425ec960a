// #[process] takes version and migrate only; patch keys go on fields.
#[aoxide::process(version = 2, patch = [count], colour = "red")]
#[derive(Default)]
pub struct Counter {
    count: u64,
}

fn main() {}
