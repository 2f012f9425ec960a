//! The key-value store on the test network through its typed client (`KvStoreClient`):
//! the tests a user of the store would write.

use std::collections::BTreeMap;

use aoxide::Tags;
use aoxide_host::{Net, ProcessId, SpawnOptions, Wallet};
use example_kv_store::{KvStore, KvStoreClient};

struct World {
    net: Net,
    kv: ProcessId,
    owner: Wallet,
    alice: Wallet,
}

fn world() -> World {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let kv = net.spawn::<KvStore>(&owner, SpawnOptions::new()).unwrap();
    World {
        net,
        kv,
        owner,
        alice,
    }
}

/// `Set` reads its value from the message data, which is no handler parameter: the
/// client's `send` carries it.
fn set(client: &mut KvStoreClient<'_, Net>, from: &Wallet, key: &str, value: &str) {
    let mut tags = Tags::new();
    tags.add("Action", "Set");
    tags.add("Key", key);
    client.send(from, tags, value.to_owned()).unwrap();
}

#[test]
fn a_user_sets_lists_and_gets_through_the_client() {
    let mut w = world();
    let mut kv = KvStoreClient::new(&mut w.net, &w.kv);
    set(&mut kv, &w.alice, "a/1", "one");
    let pairs = BTreeMap::from([("b/1", "two"), ("b/2", "three")]);
    assert_eq!(
        kv.set_many(&w.alice, &pairs).unwrap().data(),
        Some("stored 2")
    );

    let reply = kv.get(&w.alice, "a/1").unwrap();
    assert_eq!(reply.get("Action"), Some("Value"));
    assert_eq!(reply.get("Found"), Some("true"));
    assert_eq!(reply.data(), Some("one"));
    assert_eq!(kv.get(&w.alice, "zzz").unwrap().get("Found"), Some("false"));
    let listed = kv.list(&w.alice, Some("b/".to_owned())).unwrap();
    assert_eq!(listed.data(), Some(r#"["b/1","b/2"]"#));

    let state = w.net.state::<KvStore>(&w.kv);
    assert_eq!(state.entries.len(), 3);
    assert_eq!(state.writes, 2, "one Set and one Set-Many");
}

#[test]
fn refusals_are_failures_with_their_handler_and_change_nothing() {
    let mut w = world();
    let mut kv = KvStoreClient::new(&mut w.net, &w.kv);
    set(&mut kv, &w.alice, "k", "v");

    // A stranger's Delete passes `delete` (from = trusted) and is refused by the next one.
    let err = kv.delete(&w.alice, "k").unwrap_err();
    let failure = err.failure().expect("handled");
    assert_eq!(failure.handler(), Some("refuse_delete"));
    assert_eq!(failure.action(), Some("Delete"));
    assert_eq!(
        failure.message(),
        "only the owner or the process may delete"
    );
    assert_eq!(err.code(), None);

    // A value over the limit never reaches `set`.
    let err = kv
        .set_many(&w.alice, &BTreeMap::from([("big", "x".repeat(2000))]))
        .unwrap_err();
    assert!(err
        .failure()
        .unwrap()
        .message()
        .contains("over the limit of 1024"));
    assert_eq!(w.net.state::<KvStore>(&w.kv).writes, 1);

    let mut kv = KvStoreClient::new(&mut w.net, &w.kv);
    kv.delete(&w.owner, "k").unwrap();
    let state = w.net.state::<KvStore>(&w.kv);
    assert!(state.entries.is_empty());
    assert_eq!(state.writes, 2, "the owner's Delete counts");
}

#[test]
fn seed_runs_once_then_seeds_go_to_the_inbox() {
    let mut w = world();
    let mut kv = KvStoreClient::new(&mut w.net, &w.kv);
    kv.seed(&w.owner, &BTreeMap::from([("s", "1")])).unwrap();
    // `once`: the handler is gone, so a second Seed is kept in the inbox.
    kv.seed(&w.owner, &BTreeMap::from([("t", "2")])).unwrap();
    let inbox = w.net.inbox(&w.kv);
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].action(), Some("Seed"));
    assert_eq!(inbox[0].data, r#"{"t":"2"}"#);
    assert_eq!(
        w.net
            .state::<KvStore>(&w.kv)
            .entries
            .get("s")
            .map(String::as_str),
        Some("1")
    );
}

#[test]
fn the_snapshot_handler_answers_the_network_state_view() {
    let mut w = world();
    let mut kv = KvStoreClient::new(&mut w.net, &w.kv);
    set(&mut kv, &w.alice, "a", "1");
    let snapshot = kv.snapshot(&w.owner).unwrap();
    let answered: serde_json::Value = serde_json::from_str(snapshot.data().unwrap()).unwrap();
    let view = w
        .net
        .state_json(&w.kv)
        .unwrap()
        .expect("KvStore is Serialize");
    assert_eq!(answered, view);
    assert_eq!(view["aoxide-snapshot"], 2);
}
