//! The HTTP client's bounds: a unit that never answers costs at most the time-out per
//! try, a 5xx is retried, a 4xx is not, and an answer past the size limit is an error.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use aoxide_deploy::http::Client;
use aoxide_deploy::DeployError;

/// A server answering each connection with the next of `answers` (the last repeats);
/// returns its URL and the count of requests it saw.
fn serve(answers: Vec<String>) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(AtomicUsize::new(0));
    let count = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let n = count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let answer = &answers[n.min(answers.len() - 1)];
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    (url, seen)
}

fn http(status: &str, body: &str) -> String {
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn a_silent_unit_costs_at_most_the_timeout_per_try() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/result/x", listener.local_addr().unwrap());
    // Accepts (the kernel's backlog) and never answers.
    let client = Client::new(Duration::from_millis(500), 1);
    let start = Instant::now();
    let err = client.get_json(&url).unwrap_err();
    let took = start.elapsed();
    assert!(
        matches!(err, DeployError::Unreachable { attempts: 2, .. }),
        "{err}"
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
    drop(listener);
}

#[test]
fn a_5xx_is_retried_and_a_4xx_is_not() {
    let (url, seen) = serve(vec![
        http("503 Service Unavailable", "{}"),
        http("200 OK", r#"{"ok":true}"#),
    ]);
    let client = Client::new(Duration::from_secs(5), 2);
    let answer = client.get_json(&format!("{url}/")).unwrap();
    assert_eq!(answer["ok"], true);
    assert_eq!(seen.load(Ordering::SeqCst), 2);

    let (url, seen) = serve(vec![http("400 Bad Request", r#"{"error":"no"}"#)]);
    let err = client.post_bytes(&format!("{url}/"), b"x").unwrap_err();
    assert!(
        matches!(err, DeployError::Status { status: 400, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("no"), "{err}");
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[test]
fn garbage_answers_are_protocol_errors() {
    let (url, _) = serve(vec![http("200 OK", "not json")]);
    let client = Client::new(Duration::from_secs(5), 0);
    let err = client.get_json(&format!("{url}/")).unwrap_err();
    assert!(matches!(err, DeployError::Protocol { .. }), "{err}");
    let (url, _) = serve(vec![http("200 OK", "[1,2]")]);
    let err = aoxide_deploy::ao::result(&client, &url, "m", "p").unwrap_err();
    assert!(matches!(err, DeployError::Protocol { .. }), "{err}");
}

#[test]
fn send_result_waits_bounded_for_the_cu_to_know_the_message() {
    use aoxide_deploy::cli::{send, OutputArgs, Progress, UnitArgs, WaitArgs, WalletArgs};
    // One fake unit for both: the MU's acknowledgement, two 404s, then the result.
    let (url, seen) = serve(vec![
        http("200 OK", "{}"),
        http("404 Not Found", r#"{"error":"not found"}"#),
        http("404 Not Found", r#"{"error":"not found"}"#),
        http("200 OK", r#"{"Output":"done","Messages":[]}"#),
    ]);
    let args = send::SendArgs {
        process: "Ze1rVfO-1MbZ68mEzNTV2vOXMf4heLKvHsXRo14Cb6s".into(),
        action: "Ping".into(),
        tags: vec![],
        data: None,
        anchor: Some("1".into()),
        result: true,
        wallet: WalletArgs {
            wallet: concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/jwk-vector-1.json"
            )
            .into(),
        },
        units: UnitArgs {
            gateway_url: url.clone(),
            mu_url: url.clone(),
            cu_url: url,
            timeout: 5,
            retries: 0,
        },
        wait: WaitArgs { wait: 10 },
        output: OutputArgs { json: true },
    };
    let progress = Progress::recording();
    let report = send::run(&args, &progress).unwrap();
    assert_eq!(report.result.unwrap().output, "done");
    assert_eq!(seen.load(Ordering::SeqCst), 4);
    // Each step a person would watch, the polls counted against the bound.
    let steps = progress.steps();
    assert_eq!(steps.len(), 5, "{steps:?}");
    assert!(steps[0].starts_with("signing Ping"), "{steps:?}");
    assert!(steps[1].starts_with("posting Ping to the MU"), "{steps:?}");
    assert!(steps[2].starts_with("asking the CU"), "{steps:?}");
    assert!(steps[4].ends_with("(ask 3 of 20)"), "{steps:?}");

    // With --wait 0 the CU is asked once: a 404 is the error, with help that says to wait.
    let (url, seen) = serve(vec![
        http("200 OK", "{}"),
        http("404 Not Found", r#"{"error":"not found"}"#),
    ]);
    let mut once = args.clone();
    once.units.mu_url = url.clone();
    once.units.cu_url = url;
    once.wait = WaitArgs { wait: 0 };
    let err = send::run(&once, &Progress::default()).unwrap_err();
    assert_eq!(seen.load(Ordering::SeqCst), 2);
    assert!(err.help().unwrap().contains("--wait"), "{err}");
}

#[test]
fn a_bundler_acknowledging_another_id_is_an_error() {
    use aoxide_deploy::ans104::{UnsignedItem, Wallet};
    let wallet = Wallet::from_jwk_file(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/jwk-vector-1.json"
        )
        .as_ref(),
    )
    .unwrap();
    let item = UnsignedItem::new(vec![], b"x".to_vec())
        .sign(&wallet, aoxide_deploy::ans104::SaltLength::Zero)
        .unwrap();
    let client = Client::new(Duration::from_secs(5), 0);
    let (url, _) = serve(vec![http("200 OK", r#"{"id":"someone-else"}"#)]);
    let err = aoxide_deploy::ao::upload(&client, &url, &item).unwrap_err();
    assert!(err.to_string().contains("someone-else"), "{err}");
    let ok = format!(r#"{{"id":"{}"}}"#, item.id());
    let (url, _) = serve(vec![http("200 OK", &ok)]);
    let answer = aoxide_deploy::ao::upload(&client, &url, &item).unwrap();
    assert_eq!(answer["id"], item.id().as_str());
}
