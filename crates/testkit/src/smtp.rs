use std::{
    net::TcpListener,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use mailin_embedded::{Handler, Response, Server, response};

/// One mail as the SMTP server received it.
#[derive(Clone, Debug, Default)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    /// The raw RFC 5322 message (headers and body).
    pub data: String,
}

/// A real SMTP server on a free loopback port, keeping what it receives. Its threads end
/// with the test process.
pub struct SmtpSink {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

#[derive(Clone)]
struct Collector {
    current: ReceivedMail,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = ReceivedMail {
            from: from.to_owned(),
            to: to.to_vec(),
            data: String::new(),
        };
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.current.data.push_str(&String::from_utf8_lossy(buf));
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        let mail = std::mem::take(&mut self.current);
        self.received.lock().expect("sink lock").push(mail);
        response::OK
    }
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("local address").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Collector {
            current: ReceivedMail::default(),
            received: received.clone(),
        });
        // A thread per connection, and the sender's pool keeps up to ten open.
        server
            .with_name("sink.localhost")
            .with_num_threads(16)
            .with_tcp_listener(listener);
        std::thread::spawn(move || {
            if let Err(e) = server.serve() {
                eprintln!("SMTP sink stopped: {e}");
            }
        });
        SmtpSink { port, received }
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.received.lock().expect("sink lock").clone()
    }

    /// Waits until `count` mails have arrived (or `timeout` passes) and returns them.
    pub fn wait_for(&self, count: usize, timeout: Duration) -> Vec<ReceivedMail> {
        let start = Instant::now();
        loop {
            let mails = self.received();
            if mails.len() >= count || start.elapsed() > timeout {
                return mails;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
