//! `serve`'s connections, counted rather than timed: an idle or half-sent connection is
//! closed by the server after its timeout, and with more connections open than its cap the
//! server still answers `/healthz`, and the rest quickly in French. The servers load the
//! demo, so that they also run at the date sweep's instants (a moved clock needs it).

mod support;

use std::{
    io::{Read, Write},
    net::TcpStream,
    time::Duration,
};

use support::{Server, base_command, get};

/// A bound on the test's own reads, far above the server's timeout: the test ends even if
/// the server never closes, and then fails.
const TEST_PATIENCE: Duration = Duration::from_secs(60);

fn connect(base: &str) -> TcpStream {
    let stream = TcpStream::connect(base.trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(TEST_PATIENCE)).unwrap();
    stream
}

/// Reads until the server closes the connection; what it sent before.
fn until_closed(stream: &mut TcpStream) -> String {
    let mut received = Vec::new();
    match stream.read_to_end(&mut received) {
        Ok(_) => String::from_utf8_lossy(&received).into_owned(),
        Err(error) if error.kind() == std::io::ErrorKind::ConnectionReset => {
            String::from_utf8_lossy(&received).into_owned()
        }
        Err(error) => panic!("the server kept the connection open ({error})"),
    }
}

#[test]
fn idle_and_half_sent_connections_are_closed_after_their_timeout() {
    let data = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(
        base_command(data.path()),
        &["--demo", "--request-timeout", "1"],
    );

    let mut idle = connect(&server.base);
    assert_eq!(
        until_closed(&mut idle),
        "",
        "nothing sent, nothing answered: just closed"
    );

    let mut slow = connect(&server.base);
    slow.write_all(b"GET /connexion HTTP/1.1\r\nHost: localhost\r\nUser-Agent: lent")
        .unwrap();
    let answer = until_closed(&mut slow);
    assert!(!answer.contains("200 OK"), "{answer}");

    // After an answer, a kept-alive connection left idle is closed too.
    let mut kept = connect(&server.base);
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .unwrap();
    let answer = until_closed(&mut kept);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    assert_eq!(get(&format!("{}/healthz", server.base)).unwrap().0, 200);
    server.stop();
}

#[test]
fn above_its_cap_the_server_still_answers_healthz_and_says_it_is_busy() {
    let data = tempfile::tempdir().unwrap();
    let (server, _) = Server::start(
        base_command(data.path()),
        &[
            "--demo",
            "--max-connections",
            "4",
            "--request-timeout",
            "60",
        ],
    );
    // Four idle connections hold every place (and the server sees them: it answers one
    // request on each before they go idle).
    let mut held: Vec<TcpStream> = (0..4).map(|_| connect(&server.base)).collect();
    for stream in &mut held {
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .unwrap();
        let mut head = [0u8; 12];
        stream.read_exact(&mut head).unwrap();
        assert_eq!(&head, b"HTTP/1.1 200");
    }
    // Some more idle connections above the cap.
    let _more: Vec<TcpStream> = (0..6).map(|_| connect(&server.base)).collect();

    for _ in 0..5 {
        let (status, body) = get(&format!("{}/healthz", server.base)).unwrap();
        assert_eq!(status, 200, "{body}");
    }
    let (status, page) = get(&format!("{}/connexion", server.base)).unwrap();
    assert_eq!(status, 503);
    assert!(
        page.contains("Le portail reçoit beaucoup de visites en ce moment"),
        "{page}"
    );

    // Once the held connections are gone, pages are served again.
    drop(held);
    let mut served = false;
    for _ in 0..100 {
        if get(&format!("{}/connexion", server.base)).unwrap().0 == 200 {
            served = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        served,
        "the places held by closed connections were given back"
    );
    server.stop();
}
