//! The network's limits are enforced locally, and assignments.

mod common;

use aoxide_host::{Msg, Net, NetError, ProcessId, SpawnOptions, Status, Violation};
use common::Counter;

#[test]
fn a_wallet_message_over_a_limit_is_refused() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let before = net.messages().len();

    let mut many = Msg::new().action("Increment");
    for i in 0..130 {
        many = many.tag(format!("T{i}"), "v");
    }
    let err = net.send(&alice, &c, many).unwrap_err();
    assert!(
        matches!(
            err,
            NetError::Limit {
                violation: Violation::TooManyTags { limit: 128, .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("alice"), "{err}");

    let huge = Msg::new()
        .action("Increment")
        .data("x".repeat(8 * 1024 * 1024));
    let err = net.send(&alice, &c, huge).unwrap_err();
    assert!(
        matches!(
            err,
            NetError::Limit {
                violation: Violation::TooLarge { .. },
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(net.messages().len(), before, "nothing entered the network");
    assert_eq!(net.pending(), 0);
}

#[test]
fn a_process_message_over_a_limit_stops_the_run() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    net.send(&alice, &c, Msg::new().action("Big-Tag")).unwrap();
    let err = net.run_until_idle().unwrap_err();
    let NetError::Limit { what, violation } = &err else {
        panic!("expected a limit error, got {err}");
    };
    assert!(what.contains(c.as_str()), "{what}");
    assert!(
        matches!(
            violation,
            Violation::TagValueTooLong {
                len: 4000,
                limit: 3072,
                ..
            }
        ),
        "{violation}"
    );
    let rejected = net.outbox(&c).last().unwrap();
    assert!(matches!(rejected.status, Status::Rejected(_)));
}

#[test]
fn limits_can_be_tuned() {
    let mut net = Net::with_config(aoxide_host::NetConfig {
        limits: aoxide_host::Limits {
            max_message_bytes: 1024,
            ..Default::default()
        },
        ..Default::default()
    });
    let alice = net.wallet("alice");
    let c = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    assert!(net
        .send(
            &alice,
            &c,
            Msg::new().action("Increment").data("x".repeat(2000))
        )
        .is_err());
    assert!(net
        .send(
            &alice,
            &c,
            Msg::new().action("Increment").data("x".repeat(200))
        )
        .is_ok());
}

#[test]
fn assignments_deliver_an_existing_message_to_more_processes() {
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let a = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let b = net.spawn::<Counter>(&alice, SpawnOptions::new()).unwrap();
    let original = net
        .send_and_run(&alice, &a, Msg::new().action("Increment").tag("By", 7u64))
        .unwrap();

    // a assigns alice's message to b: a message for a, which b refuses (as AOS does
    // without `ao.addAssignable`), printing why; its state does not move.
    let assign_to_b = |net: &mut Net, message: &aoxide_host::MessageId| {
        let assign = Msg::new()
            .action("Assign")
            .tag("To", &b)
            .tag("Message", message);
        net.send_and_run(&alice, &a, assign).unwrap();
    };
    assign_to_b(&mut net, &original);
    assert_eq!(net.state::<Counter>(&b).count, 0);
    let at_b = net.result_at(&original, &b).unwrap();
    assert!(at_b.messages.is_empty(), "{:?}", at_b.messages);
    assert!(
        at_b.output
            .data
            .starts_with("Assignment is not trusted! From: "),
        "{}",
        at_b.output.data
    );
    let seen = &net.deliveries_to(&b).last().unwrap().message;
    assert_eq!(seen.id.as_deref(), Some(original.as_str()));
    assert_eq!(seen.target.as_deref(), Some(a.as_str()), "the target stays");

    // A message b's `accepts_assignment` takes: b handles the very same message.
    let taken = net
        .send_and_run(
            &alice,
            &a,
            Msg::new()
                .action("Increment")
                .tag("By", 5u64)
                .tag("Assignable", "yes"),
        )
        .unwrap();
    assign_to_b(&mut net, &taken);
    assert_eq!(net.state::<Counter>(&b).count, 5);
    let at_b = net.result_at(&taken, &b).unwrap();
    assert_eq!(at_b.messages[0].data.as_deref(), Some("5"));
    assert_eq!(net.result(&taken).messages[0].data.as_deref(), Some("12"));

    // A wallet can assign too; unknown messages are recorded, unknown processes refused.
    net.assign(&taken, &b).unwrap();
    net.run_until_idle().unwrap();
    assert_eq!(net.state::<Counter>(&b).count, 10);
    net.assign(&aoxide_host::MessageId::new("m".repeat(43)), &b)
        .unwrap();
    assert_eq!(net.undelivered().len(), 1);
    let nobody = ProcessId::new("n".repeat(43));
    assert!(matches!(
        net.assign(&original, &nobody),
        Err(NetError::UnknownProcess(_))
    ));
}

#[test]
fn a_process_smaller_limit_gives_the_runtime_error() {
    #[derive(Clone, Default)]
    struct Tiny;
    aoxide::transactional_by_clone!(Tiny);
    impl aoxide::Process for Tiny {
        fn init(_: &mut aoxide::Ctx<'_>, _: &aoxide::Message) -> aoxide::Result<Self> {
            Ok(Tiny)
        }
        fn register(r: &mut aoxide::Registry<Self>) {
            r.add(aoxide::Handler::action("Eat", |_, _, _| Ok(())));
        }
        fn config() -> aoxide::Config {
            aoxide::Config {
                max_message_bytes: 2048,
                ..aoxide::Config::default()
            }
        }
    }
    let mut net = Net::new();
    let alice = net.wallet("alice");
    let t = net.spawn::<Tiny>(&alice, SpawnOptions::new()).unwrap();
    let id = net
        .send_and_run(&alice, &t, Msg::new().action("Eat").data("x".repeat(4096)))
        .unwrap();
    let err = net.result(&id).error.clone().unwrap();
    assert!(err.contains("over the limit of 2048 bytes"), "{err}");
}
