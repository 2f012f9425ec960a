//! The whole user flow against a real local AO server (WAO 0.35.7's gateway, bundler, MU,
//! SU and CU through `tests/ao-server/server.mjs`), driven with the `ao-deploy` binary:
//! publish -> spawn -> send -> result -> dry-run, for the token and for two processes
//! where one reacts to the other's notices; and tampered items refused.

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use aoxide_deploy::ans104::{decode_id, DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use aoxide_deploy::http::Client;
use serde_json::Value;
use support::{AoServer, Urls};

fn wallet_path() -> std::path::PathBuf {
    support::fixtures().join("jwk-vector-1.json")
}

/// Runs `ao-deploy ARGS --json` (with the server's URLs where the command takes them) and
/// returns its JSON report, or panics with its stderr.
#[track_caller]
fn ao(urls: &Urls, args: &[&str]) -> Value {
    let command = args[0];
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ao-deploy"));
    cmd.args(args).arg("--json");
    match command {
        "publish" => {
            cmd.args(["--bundler", &urls.bundler, "--timeout", "30"]);
        }
        _ => {
            cmd.args(["--gateway-url", &urls.gateway])
                .args(["--mu-url", &urls.mu])
                .args(["--cu-url", &urls.cu])
                .args(["--timeout", "30", "--retries", "2"]);
        }
    }
    if matches!(command, "publish" | "spawn" | "send" | "dry-run") {
        cmd.arg("--wallet").arg(wallet_path());
    }
    let out = cmd.output().expect("ao-deploy runs");
    assert!(
        out.status.success(),
        "ao-deploy {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "ao-deploy {args:?}: not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs `ao-deploy ARGS` expecting failure; returns stderr.
#[track_caller]
fn ao_fails(urls: &Urls, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ao-deploy"))
        .args(args)
        .args(["--gateway-url", &urls.gateway])
        .args(["--mu-url", &urls.mu])
        .args(["--cu-url", &urls.cu])
        .args(["--timeout", "20", "--retries", "0"])
        .arg("--wallet")
        .arg(wallet_path())
        .output()
        .expect("ao-deploy runs");
    assert!(!out.status.success(), "ao-deploy {args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn messages(result: &Value) -> Vec<Value> {
    result["messages"].as_array().cloned().unwrap_or_default()
}

fn tag<'a>(message: &'a Value, name: &str) -> Option<&'a str> {
    message["tags"]
        .as_array()?
        .iter()
        .find(|t| t[0] == name)
        .and_then(|t| t[1].as_str())
}

#[track_caller]
fn message_with_action(result: &Value, action: &str) -> Value {
    messages(result)
        .into_iter()
        .find(|m| tag(m, "Action") == Some(action))
        .unwrap_or_else(|| panic!("no {action} message in {result:#}"))
}

fn publish(urls: &Urls, module: &Path) -> String {
    let report = ao(
        urls,
        &[
            "publish",
            module.to_str().unwrap(),
            "--memory-limit",
            "256-mb",
        ],
    );
    assert_eq!(report["posted_to"], urls.bundler.as_str());
    report["id"].as_str().unwrap().to_string()
}

fn spawn(urls: &Urls, module: &str, tags: &[&str]) -> String {
    let mut args = vec!["spawn", "--module", module, "--scheduler", &urls.scheduler];
    args.extend(["--authority", &urls.authority]);
    for t in tags {
        args.extend(["--tag", t]);
    }
    let report = ao(urls, &args);
    assert_eq!(report["module"], module);
    report["process"].as_str().unwrap().to_string()
}

/// `send ... --result`: the message id and its result.
fn send(urls: &Urls, pid: &str, action: &str, tags: &[&str]) -> (String, Value) {
    let mut args = vec!["send", pid, action];
    args.extend(tags);
    args.push("--result");
    let report = ao(urls, &args);
    let mid = report["message"].as_str().unwrap().to_string();
    (mid, report["result"].clone())
}

#[test]
fn publish_spawn_send_result_dry_run_on_a_local_ao_server() {
    let token = support::built_module("token", "aoxide-token");
    let game = support::built_module("game", "example-game");
    let ping = support::built_module("ping", "example-ping");
    let mut server = AoServer::start(Duration::from_secs(90));
    let urls = server.urls.clone();
    let me = Wallet::from_jwk_file(&wallet_path()).unwrap().address();

    // --- The token: publish, spawn with tags, Transfer, result, dry-run Balance.
    let token_module = publish(&urls, &token);
    // The launcher's bundler stored the item where the gateway serves it.
    let served = Client::new(Duration::from_secs(20), 2)
        .get_bytes(&format!("{}/{token_module}", urls.gateway))
        .unwrap();
    assert!(
        served == std::fs::read(&token).unwrap(),
        "the gateway serves other bytes"
    );
    let pid = spawn(&urls, &token_module, &["Ticker=AOX", "Initial-Supply=1000"]);
    // The process holds the supply (as in AOS): the owner has nothing to transfer.
    let (mid, result) = send(
        &urls,
        &pid,
        "Transfer",
        &[
            "Recipient=Ze1rVfO-1MbZ68mEzNTV2vOXMf4heLKvHsXRo14Cb6s",
            "Quantity=5",
        ],
    );
    let refused = message_with_action(&result, "Transfer-Error");
    assert_eq!(refused["target"], me.as_str());
    assert_eq!(tag(&refused, "Error"), Some("Insufficient Balance!"));
    // `result` reads the same outcome again.
    let again = ao(&urls, &["result", &mid, "--process", &pid]);
    assert_eq!(messages(&again), messages(&result));
    let supply = ao(
        &urls,
        &["dry-run", &pid, "Balance", &format!("Recipient={pid}")],
    );
    let reply = &messages(&supply)[0];
    assert_eq!(reply["data"], "1000");
    assert_eq!(tag(reply, "Ticker"), Some("AOX"));
    // The text form prints the reply's tags and data.
    let out = Command::new(env!("CARGO_BIN_EXE_ao-deploy"))
        .args(["dry-run", &pid, "Balance", &format!("Recipient={pid}")])
        .args(["--cu-url", &urls.cu, "--timeout", "30"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("Messages: 1")
            && text.contains("Balance = 1000")
            && text.contains("Data: 1000"),
        "{text}"
    );
    let mine = ao(&urls, &["dry-run", &pid, "Balance"]);
    assert_eq!(messages(&mine)[0]["data"], "0");
    assert_eq!(tag(&messages(&mine)[0], "Account"), Some(me.as_str()));

    // The metering build publishes with its own Module-Format and runs the same.
    let metered = support::built_module("token.metering", "aoxide-token");
    let metered_module = publish(&urls, &metered);
    let client = Client::new(Duration::from_secs(20), 2);
    let found = aoxide_deploy::ao::lookup_module(&client, &urls.gateway, &metered_module).unwrap();
    assert_eq!(
        found.tag("Module-Format"),
        Some("wasm32-unknown-emscripten-metering")
    );
    let metered_pid = spawn(&urls, &metered_module, &["Ticker=MTR"]);
    let info = ao(&urls, &["dry-run", &metered_pid, "Info"]);
    assert_eq!(tag(&messages(&info)[0], "ticker"), Some("MTR"), "{info:#}");

    // --- Two processes: a game (a token treasury) pays a ping process, which reacts to
    // the Credit-Notice the token protocol sends it.
    let game_module = publish(&urls, &game);
    let ping_module = publish(&urls, &ping);
    let game_pid = spawn(&urls, &game_module, &["Ticker=DICE"]);
    let ping_pid = spawn(&urls, &ping_module, &[]);
    let (_, joined) = send(&urls, &game_pid, "Join", &[]);
    assert!(
        messages(&joined).iter().any(|m| m["data"] == "Welcome!"),
        "{joined:#}"
    );
    let (_, paid) = send(
        &urls,
        &game_pid,
        "Transfer",
        &[
            &format!("Recipient={ping_pid}"),
            "Quantity=7",
            "X-Note=thanks",
        ],
    );
    assert_eq!(paid["error"], Value::Null, "{paid:#}");
    let debit = message_with_action(&paid, "Debit-Notice");
    assert_eq!(debit["target"], me.as_str());
    let credit = message_with_action(&paid, "Credit-Notice");
    assert_eq!(credit["target"], ping_pid.as_str());
    assert_eq!(tag(&credit, "Quantity"), Some("7"));
    assert_eq!(tag(&credit, "X-Note"), Some("thanks"));
    let balance = ao(
        &urls,
        &[
            "dry-run",
            &game_pid,
            "Balance",
            &format!("Recipient={ping_pid}"),
        ],
    );
    assert_eq!(messages(&balance)[0]["data"], "7");
    // A dry-run Transfer shows its notices and changes nothing.
    let trial = ao(
        &urls,
        &[
            "dry-run",
            &game_pid,
            "Transfer",
            &format!("Recipient={ping_pid}"),
            "Quantity=1",
        ],
    );
    message_with_action(&trial, "Debit-Notice");
    let mine = ao(&urls, &["dry-run", &game_pid, "Balance"]);
    assert_eq!(
        messages(&mine)[0]["data"],
        "93",
        "100 welcome bonus less 7 paid"
    );
    // The ping process received the notice (pushed by the MU) and reacted: no handler
    // takes a Credit-Notice, so it keeps it in its inbox and prints it.
    let mut seen = None;
    for _ in 0..100 {
        let results = client
            .get_json(&format!(
                "{}/results/{ping_pid}?sort=DESC&limit=25",
                urls.cu
            ))
            .unwrap();
        let edges = results["edges"].as_array().cloned().unwrap_or_default();
        seen = edges.into_iter().find(|e| {
            e["node"]["Output"]["data"]
                .as_str()
                .or(e["node"]["Output"].as_str())
                .is_some_and(|o| o.contains("Action = Credit-Notice"))
        });
        if seen.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(seen.is_some(), "ping never printed the Credit-Notice");
    let (_, count) = send(&urls, &ping_pid, "Count", &[]);
    assert_eq!(message_with_action(&count, "Count")["data"], "0");

    // --- Refusals: tampered items at the MU and the bundler, an unknown module.
    let wallet = Wallet::from_jwk_file(&wallet_path()).unwrap();
    let mut item = UnsignedItem::new(
        vec![
            Tag::new("Data-Protocol", "ao"),
            Tag::new("Variant", "ao.TN.1"),
            Tag::new("Type", "Message"),
            Tag::new("Action", "Ping"),
        ],
        b"x".to_vec(),
    );
    item.target = Some(decode_id(&ping_pid).unwrap());
    item.anchor = Some(*b"00000000000000000000000000000007");
    let signed = item.sign(&wallet, SaltLength::Max).unwrap();
    let mut tampered = signed.to_bytes();
    let last = tampered.len() - 1;
    tampered[last] = b'y';
    assert!(DataItem::parse(&tampered).unwrap().verify().is_err());
    for url in [format!("{}/", urls.mu), format!("{}/tx", urls.bundler)] {
        let err = client.post_bytes(&url, &tampered).unwrap_err().to_string();
        assert!(err.contains("HTTP 400"), "{url}: {err}");
    }
    // Bytes that are no item at all, and an empty body, get a 400 too.
    for body in [&b"garbage"[..], &[][..], &[1u8, 0][..]] {
        for url in [format!("{}/", urls.mu), format!("{}/tx", urls.bundler)] {
            let err = client.post_bytes(&url, body).unwrap_err().to_string();
            assert!(err.contains("HTTP 400"), "{url}: {err}");
        }
    }
    // The stock SU's `GET /:pid` can end the whole server; here it is one failed request.
    let _ = client.get_json(&format!("{}/{}", urls.su, "no-such-process"));
    let _ = client.get_json(&format!("{}/{ping_pid}", urls.su));
    assert!(server.running(), "the SU's GET /:pid ended the server");
    // The genuine item is accepted, and only it reached the process.
    let accepted = aoxide_deploy::ao::post_to_mu(&client, &urls.mu, &signed).unwrap();
    let pong = ao(&urls, &["result", &accepted, "--process", &ping_pid]);
    assert_eq!(message_with_action(&pong, "Pong")["data"], "pong");
    let unknown = ao_fails(
        &urls,
        &[
            "spawn",
            "--module",
            "Ze1rVfO-1MbZ68mEzNTV2vOXMf4heLKvHsXRo14Cb6s",
        ],
    );
    assert!(unknown.contains("not known to the gateway"), "{unknown}");
    assert!(server.running(), "the server survived the whole flow");
}
