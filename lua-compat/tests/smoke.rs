mod common;
use common::*;

#[test]
fn eval_prints_and_handlers_reply() {
    let mut rt = spawn::<Bare_>();
    assert_eq!(printed(&mut rt, "return 1 + 2"), "3");
    eval(
        &mut rt,
        r#"Handlers.add("Ping", function(msg) msg.reply({ Data = "Pong", Extra = "x" }) end)"#,
    );
    let out = rt.handle(msg(ALICE, "Ping", &[("Reference", "7")]), None);
    assert!(out.error.is_none(), "{:?}", out.error);
    assert_eq!(out.messages.len(), 1);
    let m = &out.messages[0];
    assert_eq!(m.target.as_deref(), Some(ALICE));
    assert_eq!(m.data.as_deref(), Some("Pong"));
    assert_eq!(m.get("Extra"), Some("x"));
    assert_eq!(m.get("X-Reference"), Some("7"));
    println!("{:?}", m);
}
