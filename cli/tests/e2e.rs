//! The whole user flow with the `cargo ao` binary against a real local AO server (WAO
//! 0.35.7's gateway, bundler, MU, SU and CU through `tests/ao-server/server.mjs`):
//! `cargo ao build` -> `publish` -> `spawn` -> `send` -> `result` -> `dry-run`, for the
//! token and for an auction that takes bids as the token's `Credit-Notice`s and awaits the
//! token's answers; tampered items refused; network errors that say what to do. The server
//! is reaped when the test ends however it ends, and every wait is bounded.

#[path = "../../deploy/tests/support/mod.rs"]
mod support;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aoxide_deploy::ans104::{decode_id, DataItem, SaltLength, Tag, UnsignedItem, Wallet};
use aoxide_deploy::http::Client;
use serde_json::Value;
use support::{AoServer, Urls};

fn wallet_path() -> PathBuf {
    support::fixtures().join("jwk-vector-1.json")
}

/// What one `cargo ao` run did.
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs the `cargo ao` binary with `args` in the repository, killed after `limit`.
#[track_caller]
fn cargo_ao(args: &[&str], limit: Duration) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cargo-ao"))
        .arg("ao")
        .args(args)
        .current_dir(support::repo_root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cargo-ao starts");
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let end = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = Run {
        ok: status.is_some_and(|s| s.success()),
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    };
    assert!(
        status.is_some(),
        "cargo ao {args:?} ran past {limit:?}:\n{}",
        run.stderr
    );
    run
}

/// The arguments a network command takes for this server (and `wallet` where it signs).
fn unit_args(urls: &Urls, command: &str, wallet: &Path) -> Vec<String> {
    let mut args: Vec<String> = Vec::new();
    if command == "publish" {
        args.extend(["--bundler".into(), urls.bundler.clone()]);
    } else {
        for (flag, url) in [
            ("--gateway-url", &urls.gateway),
            ("--mu-url", &urls.mu),
            ("--cu-url", &urls.cu),
        ] {
            args.extend([flag.to_string(), url.clone()]);
        }
        args.extend(["--retries".into(), "2".into()]);
    }
    args.extend(["--timeout".into(), "30".into()]);
    if matches!(command, "publish" | "spawn" | "send" | "dry-run") {
        args.extend(["--wallet".into(), wallet.display().to_string()]);
    }
    args
}

/// `cargo ao ARGS --json` against the server: its JSON report, or a panic with its stderr.
#[track_caller]
fn ao(urls: &Urls, args: &[&str]) -> Value {
    ao_as(urls, &wallet_path(), args)
}

/// [`ao`], signing with `wallet`.
#[track_caller]
fn ao_as(urls: &Urls, wallet: &Path, args: &[&str]) -> Value {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(unit_args(urls, args[0], wallet));
    all.push("--json".into());
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let run = cargo_ao(&all, Duration::from_secs(120));
    assert!(run.ok, "cargo ao {args:?} failed:\n{}", run.stderr);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("cargo ao {args:?}: not JSON ({e}):\n{}", run.stdout))
}

/// `cargo ao ARGS` against the server, expected to fail: its stderr (the diagnostic).
#[track_caller]
fn ao_fails(urls: &Urls, args: &[&str]) -> String {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend(unit_args(urls, args[0], &wallet_path()));
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let run = cargo_ao(&all, Duration::from_secs(120));
    assert!(!run.ok, "cargo ao {args:?} succeeded:\n{}", run.stdout);
    run.stderr
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
    args.extend(["--result", "--wait", "20"]);
    let report = ao(urls, &args);
    let mid = report["message"].as_str().unwrap().to_string();
    (mid, report["result"].clone())
}

/// The data of the first message a dry-run of `action` answers with.
fn dry_data(urls: &Urls, pid: &str, action: &str, tags: &[&str]) -> String {
    let mut args = vec!["dry-run", pid, action];
    args.extend(tags);
    let out = ao(urls, &args);
    messages(&out)
        .first()
        .and_then(|m| m["data"].as_str())
        .unwrap_or_else(|| panic!("no answer to {action}: {out:#}"))
        .to_owned()
}

/// Asks `probe` every 250 ms until it returns something, at most `limit`.
#[track_caller]
fn eventually<T>(what: &str, limit: Duration, probe: impl FnMut() -> Option<T>) -> T {
    try_eventually(limit, probe).unwrap_or_else(|| panic!("{what}: not within {limit:?}"))
}

/// Asks `probe` every 250 ms until it returns something; `None` after `limit`.
fn try_eventually<T>(limit: Duration, mut probe: impl FnMut() -> Option<T>) -> Option<T> {
    let end = Instant::now() + limit;
    loop {
        if let Some(found) = probe() {
            return Some(found);
        }
        if Instant::now() > end {
            return None;
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// `cargo ao build --release` of the token and the auction into `out`: the report's
/// modules (binaryen's `-Oz`: publish refuses dev modules).
fn build(out: &Path) -> Vec<Value> {
    support::ensure_binaryen();
    let run = cargo_ao(
        &[
            "build",
            "--release",
            "-p",
            "aoxide-token",
            "-p",
            "example-auction",
            "--metering",
            "--out-dir",
            out.to_str().unwrap(),
            "--json",
        ],
        Duration::from_secs(1800),
    );
    assert!(run.ok, "cargo ao build failed:\n{}", run.stderr);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let modules = report["modules"].as_array().cloned().unwrap();
    for module in &modules {
        assert_eq!(module["build"], "release", "{module:#}");
    }
    modules
}

#[test]
fn cargo_ao_builds_publishes_spawns_sends_and_reads_results_on_a_local_ao_server() {
    let out = tempfile::tempdir().unwrap();
    let modules = build(out.path());
    let module = |file: &str| -> PathBuf {
        let entry = modules
            .iter()
            .find(|m| m["path"].as_str().is_some_and(|p| p.ends_with(file)))
            .unwrap_or_else(|| panic!("no {file} in the build report: {modules:#?}"));
        PathBuf::from(entry["path"].as_str().unwrap())
    };
    let (token, metered, auction) = (
        module("/token.wasm"),
        module("/token.metering.wasm"),
        module("/auction.wasm"),
    );
    assert_eq!(modules.len(), 4, "plain and metering of each: {modules:#?}");
    for m in &modules {
        assert!(m["imports"] == serde_json::json!(["env.emscripten_resize_heap"]));
    }

    let mut server = AoServer::start(Duration::from_secs(90));
    let urls = server.urls.clone();
    let me = Wallet::from_jwk_file(&wallet_path()).unwrap().address();
    let client = Client::new(Duration::from_secs(20), 2);

    // --- The token: publish, spawn with tags, Transfer, result, dry-run Balance.
    let token_module = publish(&urls, &token);
    // The launcher's bundler stored the item where the gateway serves it.
    let served = client
        .get_bytes(&format!("{}/{token_module}", urls.gateway))
        .unwrap();
    assert!(
        served == std::fs::read(&token).unwrap(),
        "the gateway serves other bytes"
    );
    let pid = spawn(
        &urls,
        &token_module,
        &["Ticker=AOX", "Initial-Supply=1000", "Initial-Holder=owner"],
    );
    assert_eq!(dry_data(&urls, &pid, "Balance", &[]), "1000");
    let carol = "Ze1rVfO-1MbZ68mEzNTV2vOXMf4heLKvHsXRo14Cb6s";
    let recipient = format!("Recipient={carol}");
    let (mid, result) = send(&urls, &pid, "Transfer", &[&recipient, "Quantity=5"]);
    assert_eq!(result["error"], Value::Null, "{result:#}");
    assert_eq!(
        message_with_action(&result, "Debit-Notice")["target"],
        me.as_str()
    );
    let credit = message_with_action(&result, "Credit-Notice");
    assert_eq!(credit["target"], carol);
    assert_eq!(tag(&credit, "Quantity"), Some("5"));
    // `result` reads the same outcome again.
    let again = ao(&urls, &["result", &mid, "--process", &pid]);
    assert_eq!(messages(&again), messages(&result));
    assert_eq!(dry_data(&urls, &pid, "Balance", &[&recipient]), "5");
    // The text form prints the reply's tags and data.
    let mut args = vec![
        "dry-run".to_string(),
        pid.clone(),
        "Balance".into(),
        recipient,
    ];
    args.extend(unit_args(&urls, "dry-run", &wallet_path()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = cargo_ao(&args, Duration::from_secs(120));
    assert!(text.ok, "{}", text.stderr);
    assert!(
        text.stdout.contains("Messages: 1") && text.stdout.contains("Data: 5"),
        "{}",
        text.stdout
    );

    // The metering build publishes with its own Module-Format and runs the same.
    let metered_module = publish(&urls, &metered);
    let found = aoxide_deploy::ao::lookup_module(&client, &urls.gateway, &metered_module).unwrap();
    assert_eq!(
        found.tag("Module-Format"),
        Some("wasm32-unknown-emscripten-metering")
    );
    let metered_pid = spawn(&urls, &metered_module, &["Ticker=MTR"]);
    let info = ao(&urls, &["dry-run", &metered_pid, "Info"]);
    assert_eq!(tag(&messages(&info)[0], "ticker"), Some("MTR"), "{info:#}");

    // --- Two processes: an auction paid in the token. It asks the token for its Info at
    // spawn and awaits the answer, takes a bid as the token's Credit-Notice, and at
    // settlement sends the token a Transfer and awaits its Debit-Notice.
    let auction_module = publish(&urls, &auction);
    let token_tag = format!("Token={pid}");
    let auction_pid = spawn(&urls, &auction_module, &[&token_tag, "Duration=8000"]);
    let state = |urls: &Urls| -> Value {
        serde_json::from_str(&dry_data(urls, &auction_pid, "Auction-Info", &[])).unwrap()
    };
    // The launcher's MU delivers the Info the auction sent at spawn (the stock one drops a
    // spawn's messages), and the token's answer resumes the auction's await.
    let learned = try_eventually(Duration::from_secs(30), || {
        (state(&urls)["ticker"] == "AOX").then_some(())
    });
    if learned.is_none() {
        for p in [&auction_pid, &pid] {
            let url = format!("{}/results/{p}?sort=DESC&limit=5", urls.cu);
            eprintln!(
                "the CU's last results of {p}: {:#}",
                client.get_json(&url).unwrap()
            );
        }
        panic!(
            "the auction never learned the token's ticker: {:#}",
            state(&urls)
        );
    }
    // The bid: a transfer to the auction, which the token notifies it of.
    let to_auction = format!("Recipient={auction_pid}");
    let (_, bid) = send(&urls, &pid, "Transfer", &[&to_auction, "Quantity=10"]);
    assert_eq!(
        message_with_action(&bid, "Credit-Notice")["target"],
        auction_pid.as_str()
    );
    let best = eventually("the auction took the bid", Duration::from_secs(30), || {
        let s = state(&urls);
        (!s["best"].is_null()).then_some(s["best"].clone())
    });
    assert_eq!(best["bidder"], me.as_str(), "{best:#}");
    assert_eq!(best["amount"], "10", "{best:#}");
    assert_eq!(
        dry_data(&urls, &pid, "Balance", &[]),
        "985",
        "1000 less 5 and the bid"
    );
    // Settle once bidding has closed (the auction refuses before its end).
    eventually("the auction settled", Duration::from_secs(40), || {
        let (_, settled) = send(&urls, &auction_pid, "Settle", &[]);
        match settled["error"].as_str() {
            Some(e) if e.contains("runs until") => None,
            Some(e) => panic!("Settle failed: {e}"),
            None => Some(()),
        }
    });
    // The token's Debit-Notice answered the awaited payout: paid, and the seller (the
    // spawner, here also the bidder) has the bid back.
    eventually(
        "the token confirmed the payout",
        Duration::from_secs(30),
        || (state(&urls)["phase"] == "Paid").then_some(()),
    );
    assert_eq!(dry_data(&urls, &pid, "Balance", &[]), "995");
    assert_eq!(
        dry_data(
            &urls,
            &pid,
            "Balance",
            &[&format!("Recipient={auction_pid}")]
        ),
        "0"
    );

    // --- Refusals: tampered items at the MU and the bundler, an unknown module, no unit.
    let wallet = Wallet::from_jwk_file(&wallet_path()).unwrap();
    let mut item = UnsignedItem::new(
        vec![
            Tag::new("Data-Protocol", "ao"),
            Tag::new("Variant", "ao.TN.1"),
            Tag::new("Type", "Message"),
            Tag::new("Action", "Balance"),
        ],
        b"x".to_vec(),
    );
    item.target = Some(decode_id(&pid).unwrap());
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
    // A tampered module item never becomes a module the gateway knows (another memory limit
    // than the published one: signing is deterministic, so the same tags are the same id).
    let item_file = out.path().join("token.item");
    let written = ao(
        &urls,
        &[
            "publish",
            token.to_str().unwrap(),
            "--memory-limit",
            "512-mb",
            "--out",
            item_file.to_str().unwrap(),
        ],
    );
    let mut module_item = std::fs::read(&item_file).unwrap();
    let at = module_item.len() - 100;
    module_item[at] ^= 1;
    let err = client
        .post_bytes(&format!("{}/tx", urls.bundler), &module_item)
        .unwrap_err()
        .to_string();
    assert!(err.contains("HTTP 400"), "{err}");
    let id = written["id"].as_str().unwrap();
    let unknown = ao_fails(&urls, &["spawn", "--module", id]);
    assert!(unknown.contains("not known to the gateway"), "{unknown}");
    // The genuine message is accepted, and only it reached the process.
    let accepted = aoxide_deploy::ao::post_to_mu(&client, &urls.mu, &signed).unwrap();
    let balance = ao(
        &urls,
        &["result", &accepted, "--process", &pid, "--wait", "20"],
    );
    assert_eq!(messages(&balance)[0]["data"], "995", "{balance:#}");

    // A wallet `cargo ao wallet new` made signs messages the MU takes (it verifies them,
    // above): its Balance is computed as from its address.
    let fresh = out.path().join("fresh-wallet.json");
    let made = cargo_ao(
        &["wallet", "new", fresh.to_str().unwrap(), "--json"],
        Duration::from_secs(120),
    );
    assert!(made.ok, "cargo ao wallet new failed:\n{}", made.stderr);
    let made: Value = serde_json::from_str(&made.stdout).unwrap();
    let fresh_address = made["address"].as_str().unwrap();
    let asked = ao_as(
        &urls,
        &fresh,
        &["send", &pid, "Balance", "--result", "--wait", "20"],
    );
    let reply = &messages(&asked["result"])[0];
    assert_eq!(reply["target"], fresh_address, "{asked:#}");
    assert_eq!(tag(reply, "Account"), Some(fresh_address), "{asked:#}");
    assert_eq!(reply["data"], "0", "{asked:#}");
    assert!(server.running(), "the server survived the whole flow");

    // A unit that does not answer: the error names it and says what to do.
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let run = cargo_ao(
        &[
            "dry-run",
            &pid,
            "Info",
            "--cu-url",
            &closed,
            "--timeout",
            "5",
            "--retries",
            "0",
        ],
        Duration::from_secs(60),
    );
    assert!(!run.ok);
    assert!(
        run.stderr.contains(&closed) && run.stderr.contains("--cu-url"),
        "{}",
        run.stderr
    );
}

/// A port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
