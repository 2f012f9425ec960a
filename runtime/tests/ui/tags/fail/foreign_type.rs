// A foreign type (Duration) cannot implement FromTag in this crate: the hint says to take a
// String or wrap it in a newtype, not to implement FromTag for Duration.
use std::time::Duration;

#[aoxide::process]
#[derive(Default)]
pub struct Timer {
    waits: u64,
}

#[aoxide::handlers]
impl Timer {
    #[handler(action = "Wait")]
    fn wait(&mut self, delay: Duration) {
        let _ = delay;
        self.waits += 1;
    }
}

fn main() {}
