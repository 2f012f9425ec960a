//! The launcher's life cycle: ready only when every port accepts connections, all five
//! bound to 127.0.0.1, and a clean exit on SIGTERM and when stdin closes.

mod support;

use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use support::AoServer;

fn port_of(url: &str) -> u16 {
    url.rsplit(':').next().unwrap().parse().unwrap()
}

#[track_caller]
fn wait_exit(server: &mut AoServer, within: Duration) -> std::process::ExitStatus {
    let end = Instant::now() + within;
    loop {
        if let Some(status) = server.try_wait() {
            return status;
        }
        assert!(
            Instant::now() < end,
            "the server did not exit within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ready_means_listening_and_sigterm_or_stdin_close_ends_it() {
    let mut server = AoServer::start(Duration::from_secs(90));
    let urls = server.urls.clone();
    let base = port_of(&urls.gateway);
    for (url, port) in [
        (&urls.gateway, base),
        (&urls.bundler, base + 1),
        (&urls.mu, base + 2),
        (&urls.cu, base + 4),
    ] {
        assert!(url.starts_with("http://127.0.0.1:"), "{url}");
        assert_eq!(port_of(url), port);
    }
    for port in base..base + 5 {
        TcpStream::connect(("127.0.0.1", port))
            .unwrap_or_else(|e| panic!("port {port} does not accept connections: {e}"));
    }
    let status = Command::new("kill")
        .args(["-TERM", &server.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = wait_exit(&mut server, Duration::from_secs(10));
    assert!(exit.success(), "SIGTERM: {exit}");

    let mut server = AoServer::start(Duration::from_secs(90));
    server.close_stdin();
    let exit = wait_exit(&mut server, Duration::from_secs(10));
    assert!(exit.success(), "stdin closed: {exit}");
}
