//! A real browser for the browser tests: headless Chromium driven through WebDriver
//! (`chromedriver`, found on `PATH` or at Debian's `/usr/bin/chromedriver`), axe-core's WCAG
//! 2.1 A/AA check of the open page, and where screenshots go. The public pages' test (in
//! `skillhub-http`) and the back office's day of work (in `skillhub-cli`, against the real
//! binary) share it.
//!
//! [`Browser::start`] returns `None` after recording a skip ([`crate::skip`]) when chromedriver
//! is missing; under CI that fails the test instead.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use fantoccini::wd::Capabilities;
pub use fantoccini::{Client, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::Need;

/// `chromedriver` on `PATH`, or Debian's place for it.
pub fn chromedriver() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let debian = PathBuf::from("/usr/bin/chromedriver");
        debian.is_file().then_some(debian)
    })
}

/// The workspace's `target/` directory (or `$CARGO_TARGET_DIR`).
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
        PathBuf::from,
    )
}

/// axe-core's script (`npm install --prefix target/axe axe-core@4.14.1`, as `.ci/run` does; or
/// the file `AXE_CORE_JS` names). `None` after recording a skip when it is missing.
pub fn axe_core() -> Option<String> {
    let path = std::env::var_os("AXE_CORE_JS").map_or_else(
        || {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/axe/node_modules/axe-core/axe.min.js")
        },
        PathBuf::from,
    );
    let found = std::fs::read_to_string(path).ok();
    if found.is_none() {
        crate::skip(
            Need::Accessibility,
            "axe-core was not found at target/axe/node_modules/axe-core/axe.min.js nor in \
             AXE_CORE_JS (npm install --prefix target/axe axe-core@4.14.1)",
        );
    }
    found
}

/// The WCAG 2.1 A and AA violations axe-core (`axe`, its script) finds on the page open in
/// `client`, as `rule: target …` lines (empty when there is none).
///
/// # Panics
/// When the browser does not run the script (a test failure).
pub async fn axe_violations(client: &Client, axe: &str) -> Vec<String> {
    #[allow(clippy::unwrap_used)] // A browser that cannot run a script fails the test.
    client.execute(axe, vec![]).await.unwrap();
    #[allow(clippy::unwrap_used)]
    let found = client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
                .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                .catch(e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .map(|list| {
            list.iter()
                .map(|v| v.as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_else(|| vec![format!("axe answered {found}")])
}

/// Where screenshots go: `$CARGO_TARGET_DIR/screenshots`, else the workspace's
/// `target/screenshots`.
pub fn screenshot_dir() -> PathBuf {
    target_dir().join("screenshots")
}

/// The chromedriver process (killed when dropped) and a Chromium session on it.
#[derive(Debug)]
pub struct Browser {
    driver: Child,
    /// The WebDriver client.
    pub client: Client,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium (1280×900, Italian), or records a skip and
    /// returns `None` without chromedriver.
    ///
    /// # Panics
    /// When chromedriver is there but does not start or listen (a test failure).
    #[allow(clippy::unwrap_used, clippy::expect_used)] // A broken browser fails the test.
    pub async fn start() -> Option<Browser> {
        let Some(path) = chromedriver() else {
            crate::skip(
                Need::Browser,
                "chromedriver was not found on PATH nor at /usr/bin/chromedriver \
                 (Debian: apt-get install chromium chromium-driver)",
            );
            return None;
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = Command::new(&path)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", path.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on {port}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut caps = Capabilities::new();
        caps.insert(
            "goog:chromeOptions".to_owned(),
            serde_json::json!({"args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--lang=it-IT",
            ], "prefs": {"intl.accept_languages": "it-IT,it"}}),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|err| panic!("cannot open a Chromium session: {err}"));
        Some(Browser { driver, client })
    }

    /// Closes the browser, then chromedriver.
    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
