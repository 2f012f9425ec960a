// The shape from the docs: init, handlers with tags, read-only, owner-only, cron, default.
use aoxide::{Ctx, Message, Result};

#[aoxide::process]
#[derive(Default, serde::Serialize, serde::Deserialize)]
pub struct Counter {
    #[patch]
    count: u64,
}

#[aoxide::handlers]
impl Counter {
    #[init]
    fn init(_ctx: &Ctx) -> Self {
        Counter { count: 0 }
    }
    #[handler(action = "Increment")]
    fn increment(&mut self, _ctx: &mut Ctx, by: Option<u64>) -> Result<()> {
        self.count += by.unwrap_or(1);
        Ok(())
    }
    #[handler(action = "Get")]
    fn get(&self, _ctx: &mut Ctx) -> String {
        self.count.to_string()
    }
    #[handler(action = "Reset", from = owner)]
    fn reset(&mut self) {
        self.count = 0;
    }
    #[cron]
    fn tick(&mut self, _ctx: &mut Ctx) {}
    #[default]
    fn other(&mut self, _ctx: &mut Ctx, _msg: &Message) {}
}

aoxide::export!(Counter);

fn main() {
    let rt = aoxide::Runtime::<Counter>::new();
    assert_eq!(rt.registry().len(), 4);
    assert_eq!(Counter::interface().handlers.len(), 5);
}
