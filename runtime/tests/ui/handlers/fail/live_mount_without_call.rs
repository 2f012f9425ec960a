// A live part is mounted by calling the function that returns its mount.
#[aoxide::process]
#[derive(Default)]
pub struct Chat {
    members: u64,
}

#[aoxide::handlers(mount(members = Self::members))]
impl Chat {
    fn members() -> u64 {
        0
    }
}

fn main() {}
