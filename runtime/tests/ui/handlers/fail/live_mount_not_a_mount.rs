// A call in `mount(..)` returns the mount of a part whose handlers change at run time
// (`aoxide::LiveMount`, like `aoxide_lua::LuaMount`), not the part itself.
#[aoxide::process]
#[derive(Default)]
pub struct Chat {
    members: u64,
}

#[aoxide::handlers(mount(members = Self::members()))]
impl Chat {
    fn members() -> u64 {
        0
    }
}

fn main() {}
