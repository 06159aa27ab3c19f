//! A real SMTP server for tests: aiosmtpd (Debian's `python3-aiosmtpd`) in a child process,
//! saving what it accepts into a Maildir that the test reads back.
//!
//! A mock in Rust would only answer what its author expected; a real server speaks the
//! protocol as mail servers do (EHLO, pipelining, reply codes), so a test against it shows what
//! the client actually sends. The script (`smtp/server.py`, compiled in) listens on 127.0.0.1 on
//! a port the system picks and prints it, so no two tests race for a port. Recipients whose
//! local part starts with `refuse` are refused with `550 5.1.1 mailbox unavailable`
//! (permanent), those starting with `later` with `451 4.3.0 try again later` (transient). The
//! server exits when dropped, and by itself when the test process goes away (its stdin closes).

use std::io::{BufRead as _, BufReader, Read as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

/// The Python that has aiosmtpd: Debian's own, not whatever `python3` is first on `PATH`.
pub const PYTHON: &str = "/usr/bin/python3";

/// The server script, written to a temporary directory when a server starts.
const SCRIPT: &str = include_str!("smtp/server.py");

/// How long a server may take to start listening.
const START_TIMEOUT: Duration = Duration::from_secs(15);

/// A running SMTP server on 127.0.0.1 that keeps what it accepts (see the module docs).
#[derive(Debug)]
pub struct SmtpServer {
    child: Child,
    /// Held open so that the script can tell when this process goes away (it exits on EOF).
    _stdin: Option<ChildStdin>,
    port: u16,
    maildir: PathBuf,
    /// The script, the Maildir and the server's stderr; removed on drop.
    dir: tempfile::TempDir,
}

/// Whether [`PYTHON`] can import aiosmtpd.
pub fn aiosmtpd_installed() -> bool {
    Command::new(PYTHON)
        .args(["-c", "import aiosmtpd"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

impl SmtpServer {
    /// Starts a server and waits (at most 15 s) until it accepts connections.
    ///
    /// # Errors
    ///
    /// Says why when the script cannot be written or started, or does not listen in time
    /// (with what it wrote on stderr).
    pub fn start() -> Result<SmtpServer, String> {
        let dir = tempfile::Builder::new()
            .prefix("skillhub-smtp-")
            .tempdir()
            .map_err(|err| format!("cannot create a temporary directory: {err}"))?;
        let script = dir.path().join("server.py");
        std::fs::write(&script, SCRIPT)
            .map_err(|err| format!("cannot write {}: {err}", script.display()))?;
        let maildir = dir.path().join("maildir");
        let stderr_path = dir.path().join("stderr.txt");
        let stderr = std::fs::File::create(&stderr_path)
            .map_err(|err| format!("cannot create {}: {err}", stderr_path.display()))?;
        let mut child = Command::new(PYTHON)
            .arg("-u")
            .arg(&script)
            .args(["--port", "0", "--maildir"])
            .arg(&maildir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .map_err(|err| format!("cannot start {PYTHON} {}: {err}", script.display()))?;
        let stdin = child.stdin.take();
        let port = match read_port(&mut child) {
            Ok(port) => port,
            Err(why) => {
                let _ = child.kill();
                let _ = child.wait();
                let said = std::fs::read_to_string(&stderr_path).unwrap_or_default();
                return Err(format!(
                    "the SMTP test server did not start: {why}; its stderr:\n{said}"
                ));
            }
        };
        let server = SmtpServer {
            child,
            _stdin: stdin,
            port,
            maildir,
            dir,
        };
        server.wait_until_listening()?;
        Ok(server)
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL to send to, as lettre reads it: `smtp://127.0.0.1:PORT` (no TLS, no login).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The Maildir the messages are delivered to (its `new/` holds them).
    pub fn maildir(&self) -> &Path {
        &self.maildir
    }

    /// The raw messages delivered so far, in delivery order (by modification time, then name).
    pub fn messages(&self) -> Vec<Vec<u8>> {
        let Ok(entries) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter_map(|entry| {
                let modified = entry.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, entry.path()))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|(_, path)| std::fs::read(path).ok())
            .collect()
    }

    /// Waits until at least `n` messages have arrived and returns them all.
    ///
    /// # Panics
    ///
    /// When fewer than `n` arrived within `timeout`, saying how many did and showing the start
    /// of each.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                let shown: Vec<String> = messages
                    .iter()
                    .map(|m| String::from_utf8_lossy(&m[..m.len().min(400)]).into_owned())
                    .collect();
                panic!(
                    "expected {n} messages at the SMTP test server within {timeout:?}, {} \
                     arrived:\n{}",
                    messages.len(),
                    shown.join("\n-----\n")
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// What the server wrote on stderr so far (for a test's failure message).
    pub fn stderr(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("stderr.txt")).unwrap_or_default()
    }

    fn wait_until_listening(&self) -> Result<(), String> {
        let address = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!(
                    "the SMTP test server said port {} but accepts no connection there after \
                     {START_TIMEOUT:?}; its stderr:\n{}",
                    self.port,
                    self.stderr()
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Reads the port the script prints as its first line, within [`START_TIMEOUT`].
fn read_port(child: &mut Child) -> Result<u16, String> {
    let stdout = child.stdout.take().ok_or("its stdout was not piped")?;
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line).map(|_| line);
        let _ = send.send(read);
        // Keep reading, so the script never blocks on a full pipe.
        let _ = reader.read_to_end(&mut Vec::new());
    });
    match receive.recv_timeout(START_TIMEOUT) {
        Ok(Ok(line)) if line.is_empty() => Err("it exited before printing its port".to_owned()),
        Ok(Ok(line)) => line
            .trim()
            .parse()
            .map_err(|_| format!("it printed {line:?} instead of its port")),
        Ok(Err(err)) => Err(format!("cannot read its stdout: {err}")),
        Err(_) => Err(format!("it printed no port within {START_TIMEOUT:?}")),
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    // In tests a failed unwrap is a failed test, with its message.
    #![allow(clippy::unwrap_used)]

    use std::io::{BufRead as _, BufReader, Write as _};
    use std::net::TcpStream;
    use std::time::Duration;

    /// One SMTP exchange by hand: sends `line` (when any) and returns the reply's last line.
    fn say(reader: &mut BufReader<TcpStream>, line: Option<&str>) -> String {
        if let Some(line) = line {
            reader.get_mut().write_all(line.as_bytes()).unwrap();
            reader.get_mut().write_all(b"\r\n").unwrap();
        }
        loop {
            let mut reply = String::new();
            reader.read_line(&mut reply).unwrap();
            // "250-…" continues a multi-line reply, "250 …" ends it.
            if reply.as_bytes().get(3) != Some(&b'-') {
                return reply.trim_end().to_owned();
            }
        }
    }

    #[test]
    fn keeps_what_it_accepts_and_refuses_as_told() {
        let Some(server) = crate::smtp_server() else {
            return;
        };
        assert!(server.messages().is_empty());
        let stream = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
        let mut smtp = BufReader::new(stream);
        assert!(say(&mut smtp, None).starts_with("220"));
        assert!(say(&mut smtp, Some("EHLO test")).starts_with("250"));
        assert!(say(&mut smtp, Some("MAIL FROM:<a@example.org>")).starts_with("250"));
        assert_eq!(
            say(&mut smtp, Some("RCPT TO:<refuse-me@example.org>")),
            "550 5.1.1 mailbox unavailable"
        );
        assert_eq!(
            say(&mut smtp, Some("RCPT TO:<later@example.org>")),
            "451 4.3.0 try again later"
        );
        assert!(say(&mut smtp, Some("RCPT TO:<anna@example.org>")).starts_with("250"));
        assert!(say(&mut smtp, Some("DATA")).starts_with("354"));
        let reply = say(&mut smtp, Some("Subject: one\r\n\r\nfirst\r\n."));
        assert!(reply.starts_with("250"), "{reply}");
        assert!(say(&mut smtp, Some("QUIT")).starts_with("221"));
        let messages = server.wait_for(1, Duration::from_secs(5));
        assert_eq!(messages.len(), 1);
        let text = String::from_utf8_lossy(&messages[0]);
        assert!(
            text.contains("Subject: one") && text.contains("first"),
            "{text}"
        );
        assert!(server.url().starts_with("smtp://127.0.0.1:"));
    }
}
