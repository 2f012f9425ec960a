// Every handler option, and every parameter kind.
use aoxide::interface::Json;
use aoxide::{Address, Ctx, Message, OutMessage, Result, U256};

fn large(msg: &Message) -> bool {
    msg.data.len() > 10
}

fn config() -> aoxide::Config {
    aoxide::Config { inbox_limit: 10, ..aoxide::Config::default() }
}

#[derive(serde::Deserialize)]
struct Batch {
    items: Vec<String>,
}

#[aoxide::process]
#[derive(Default)]
pub struct Token {
    balances: aoxide::state::Map<String, U256>,
    log: aoxide::state::Log<String>,
}

#[aoxide::handlers(config = config)]
impl Token {
    #[handler(name = "Transfer", action = "Transfer")]
    fn transfer(&mut self, recipient: Address, quantity: U256, x_memo: Option<String>, #[tag("Reply-To")] reply_to: Option<String>) -> Result<OutMessage> {
        let _ = (recipient, quantity, x_memo, reply_to);
        Ok(OutMessage::untargeted().action("Debit-Notice"))
    }
    #[handler(action = "Transfer", tags(Cast = "_", Recipient = ["a", "b"]), before = "Transfer")]
    fn cast(&mut self) {}
    #[handler(action = "Transfer", continue, after = "Transfer")]
    fn audit(&self, msg: &Message) {
        let _ = msg;
    }
    #[handler(action = "Batch", when = large, from = self, max_runs = 3)]
    fn batch(&mut self, #[data] batch: Batch) -> Result<String> {
        Ok(batch.items.len().to_string())
    }
    #[handler(action = "Mint", from = "0x52908400098527886E0F7030069857D2E4169EE7", once)]
    fn mint(&mut self) {}
    #[handler(action = "Sweep", from = trusted)]
    fn sweep(&mut self) {}
    #[handler(action = "Vote", from = authority)]
    fn vote(&mut self) {}
    #[handler(action = "Info")]
    fn info(ctx: &Ctx) -> Json<String> {
        Json(ctx.id().to_owned())
    }
    #[handler(tags(Action = "Ping"), name = "ping")]
    fn ping(&self) -> &'static str {
        "pong"
    }
    #[handler(tags(Action = "Maybe"))]
    fn maybe(&self) -> Option<String> {
        None
    }
    #[cron(continue)]
    fn tick(&mut self) {}
    #[cron(after = "tick")]
    fn tock(&mut self) {}

    // A plain helper stays a plain method.
    fn helper(&self) -> usize {
        self.balances.len() + self.log.len()
    }
}

fn main() {
    let rt = aoxide::Runtime::<Token>::new();
    let names: Vec<_> = rt.registry().names().collect();
    assert_eq!(names[0], "cast");
    assert_eq!(names[1], "Transfer");
    assert_eq!(names[2], "audit");
    let _ = Token::default().helper();
}
