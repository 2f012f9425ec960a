//! The chat room through its typed client on the test network.

use aoxide_chat::{Chat, ChatClient};
use aoxide_host::{Net, SpawnOptions};

#[test]
fn register_broadcast_and_members_through_the_client() {
    let mut net = Net::new();
    let owner = net.wallet("owner");
    let alice = net.wallet("alice");
    let bob = net.wallet("bob");
    let room = net.spawn::<Chat>(&owner, SpawnOptions::new()).unwrap();
    net.run_until_idle().unwrap();

    let mut chat = ChatClient::new(&mut net, &room);
    assert_eq!(chat.register(&alice).unwrap().data(), Some("Registered."));
    assert_eq!(chat.register(&bob).unwrap().data(), Some("Registered."));
    assert_eq!(
        chat.register(&alice).unwrap().data(),
        Some("Already registered.")
    );

    let members = chat.members(&owner).unwrap();
    let list: Vec<String> = serde_json::from_str(members.data().unwrap()).unwrap();
    assert_eq!(list, [alice.address(), bob.address()]);

    // Broadcast carries the data: the raw `send` sets it.
    let mut tags = aoxide::Tags::new();
    tags.add("Action", "Broadcast");
    let reply = chat.send(&bob, tags, "hello".into()).unwrap();
    assert_eq!(reply.data(), Some("Broadcasted."));
    let notices: Vec<_> = reply.with_action("Broadcast-Notice").collect();
    assert_eq!(notices.len(), 2);
    assert!(notices.iter().all(|n| n.data.as_deref() == Some("hello")));

    assert_eq!(
        chat.unregister(&alice).unwrap().data(),
        Some("Unregistered")
    );
    assert_eq!(
        chat.unregister(&alice).unwrap().data(),
        Some("Not registered")
    );
    assert_eq!(net.state::<Chat>(&room).members(), [bob.address()]);

    // The notices reached the members' wallets on the network.
    assert_eq!(net.messages_with_action("Broadcast-Notice").count(), 2);
}
