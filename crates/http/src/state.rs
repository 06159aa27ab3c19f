//! The server's state: the store, the configuration, the program, session and progress caches
//! and the rate limiter.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use skillhub_core::program::Program;
use skillhub_store::{SessionView, Store, StoredProgram};

use crate::forwarded::Cidr;
use crate::limiter::RateLimiter;
use crate::problem::{ApiError, ApiResult};

mod progress_cache;

pub(crate) use progress_cache::ProgressCache;

/// How the server runs. The CLI fills it from its flags and environment
/// (`SKILLHUB_ADMIN_TOKEN`, `SKILLHUB_RATE_LIMIT`); [`Default`] gives the documented defaults.
#[derive(Clone)]
pub struct ServerConfig {
    /// The admin token; `None` (or empty) means no request is admin.
    pub admin_token: Option<String>,
    /// Public writes per minute per client address (default 600); 0 turns the limit off.
    pub rate_limit_per_minute: u32,
    /// A request that takes longer is stopped with a 503 problem (default 30 s).
    pub request_timeout: Duration,
    /// The largest request body accepted, in bytes (default 64 KiB); larger ones get a 413.
    pub body_limit: usize,
    /// How often [`crate::Server`] forgets idempotency keys older than 24 hours (default hourly).
    pub purge_every: Duration,
    /// How long the public progress route may answer from the figures it last read (default
    /// 60 s; zero reads the store on every request). Presences recorded through this server
    /// show at once whatever the age.
    pub progress_max_age: Duration,
    /// A connection whose request head (request line and headers) is not complete this long
    /// after the server started waiting for it is closed (default 10 s; zero: no limit). Stops
    /// clients that send half a request and hold the connection ("slowloris").
    pub header_timeout: Duration,
    /// A connection with no byte in either direction and no request being answered this long
    /// is closed (default 5 s; zero: one request per connection). An idle connection also
    /// closes after `header_timeout`, whichever comes first.
    pub keep_alive_timeout: Duration,
    /// Most connections open at once (default 512); past it the server accepts no more until
    /// one closes (new ones wait in the kernel's backlog).
    pub max_connections: u32,
    /// Where browsers reach this server (`--public-url`), when known: links shown to be kept
    /// (the manage link after registering) are full URLs on it, and when it is `https` the CSRF
    /// cookie is `Secure` with the `__Host-` prefix. `None` (the default): links are paths and
    /// the cookie works over plain http.
    pub public_url: Option<PublicUrl>,
    /// Proxies whose `X-Forwarded-For` is believed (default none): for a request from one of
    /// them, the client (for the rate limit and the records) is the right-most forwarded
    /// address that is not itself a trusted proxy.
    pub trusted_proxies: Vec<Cidr>,
}

/// The URL browsers reach the server at: `http` or `https`, a host, maybe a port and a path
/// prefix; no query, fragment or credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(url::Url);

/// Why a public URL was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublicUrlError {
    /// Not a URL at all.
    #[error("{text:?} is not a URL: {source}")]
    Syntax {
        /// What was given.
        text: String,
        /// What the parser said.
        #[source]
        source: url::ParseError,
    },
    /// A URL, but not one a browser can be sent to as the server's address.
    #[error("{0:?} must be http:// or https:// with a host, and no query, fragment or password")]
    Shape(String),
}

impl std::str::FromStr for PublicUrl {
    type Err = PublicUrlError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let url = url::Url::parse(text.trim()).map_err(|source| PublicUrlError::Syntax {
            text: text.to_owned(),
            source,
        })?;
        let good = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some_and(|h| !h.is_empty())
            && url.query().is_none()
            && url.fragment().is_none()
            && url.username().is_empty()
            && url.password().is_none();
        if !good {
            return Err(PublicUrlError::Shape(text.to_owned()));
        }
        Ok(PublicUrl(url))
    }
}

impl PublicUrl {
    /// Whether browsers reach the server over https.
    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// The full URL of a path of this server (`path` starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0.as_str().trim_end_matches('/'))
    }
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            admin_token: None,
            rate_limit_per_minute: 600,
            request_timeout: Duration::from_secs(30),
            body_limit: 64 * 1024,
            purge_every: Duration::from_secs(3600),
            progress_max_age: Duration::from_secs(60),
            header_timeout: Duration::from_secs(10),
            keep_alive_timeout: Duration::from_secs(5),
            max_connections: 512,
            public_url: None,
            trusted_proxies: Vec::new(),
        }
    }
}

impl fmt::Debug for ServerConfig {
    /// Never prints the admin token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerConfig")
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("rate_limit_per_minute", &self.rate_limit_per_minute)
            .field("request_timeout", &self.request_timeout)
            .field("body_limit", &self.body_limit)
            .field("purge_every", &self.purge_every)
            .field("progress_max_age", &self.progress_max_age)
            .field("header_timeout", &self.header_timeout)
            .field("keep_alive_timeout", &self.keep_alive_timeout)
            .field("max_connections", &self.max_connections)
            .field("public_url", &self.public_url)
            .field("trusted_proxies", &self.trusted_proxies)
            .finish()
    }
}

/// What every handler shares. Cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

/// Back-office login attempts an address may make a minute (after a burst of as many), whatever
/// the accounts: guessing is slow even across accounts. Each account is also locked after
/// `skillhub_store::MAX_FAILED_LOGINS` failures in a row.
pub(crate) const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 10;

struct Inner {
    store: Store,
    config: ServerConfig,
    /// Programs by id with their version, as read at most [`PROGRAM_MAX_AGE`] ago. An edit
    /// through this process replaces its entry at once ([`AppState::remember_program`]); an
    /// edit through another process shows here within that age. A miss asks the store.
    programs: RwLock<BTreeMap<String, Arc<ReadProgram>>>,
    /// Sessions by id, as first read, for what never changes once a session is created (its
    /// program, zone and times), never for its seats or counters; a miss asks the store.
    sessions: RwLock<BTreeMap<String, Arc<ReadSession>>>,
    limiter: RateLimiter,
    /// Login attempts per client address (the back office's), apart from public writes.
    login_limiter: RateLimiter,
    /// Progress reports, kept for `progress_max_age`.
    progress: ProgressCache,
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("store", &self.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// The state for `store`, with the programs loaded into the cache.
    pub async fn new(
        store: Store,
        config: ServerConfig,
    ) -> Result<AppState, skillhub_store::Error> {
        let programs = store.stored_programs().await?;
        let limiter = RateLimiter::new(config.rate_limit_per_minute);
        let progress = ProgressCache::new(config.progress_max_age);
        let state = AppState {
            inner: Arc::new(Inner {
                store,
                config,
                programs: RwLock::new(BTreeMap::new()),
                sessions: RwLock::new(BTreeMap::new()),
                limiter,
                login_limiter: RateLimiter::new(LOGIN_ATTEMPTS_PER_MINUTE),
                progress,
            }),
        };
        state.remember(programs);
        Ok(state)
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &ServerConfig {
        &self.inner.config
    }

    pub(crate) fn limiter(&self) -> &RateLimiter {
        &self.inner.limiter
    }

    /// The limiter of back-office login attempts ([`LOGIN_ATTEMPTS_PER_MINUTE`] per address).
    pub(crate) fn login_limiter(&self) -> &RateLimiter {
        &self.inner.login_limiter
    }

    pub(crate) fn progress(&self) -> &ProgressCache {
        &self.inner.progress
    }

    fn remember(&self, programs: Vec<StoredProgram>) -> Vec<Arc<ReadProgram>> {
        let now = Instant::now();
        // Every write replaces whole entries, so a poisoned lock still holds a usable map.
        let mut cache = self
            .inner
            .programs
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        programs
            .into_iter()
            .map(|stored| {
                let read = Arc::new(ReadProgram {
                    read_at: now,
                    program: Arc::new(stored.program),
                    version: stored.version,
                });
                cache.insert(read.program.id().to_string(), Arc::clone(&read));
                read
            })
            .collect()
    }

    /// One program, from the cache or else the store.
    pub(crate) async fn program(&self, id: &str) -> ApiResult<Option<Arc<Program>>> {
        Ok(self
            .program_with_version(id)
            .await?
            .map(|read| Arc::clone(&read.program)))
    }

    /// One program with its current version, as read at most [`PROGRAM_MAX_AGE`] ago.
    pub(crate) async fn program_with_version(
        &self,
        id: &str,
    ) -> ApiResult<Option<Arc<ReadProgram>>> {
        if let Some(cached) = cached(&self.inner.programs, id)
            && cached.read_at.elapsed() < PROGRAM_MAX_AGE
        {
            return Ok(Some(cached));
        }
        let loaded = self.store().stored_program(id).await?;
        Ok(loaded.and_then(|program| self.remember(vec![program]).pop()))
    }

    /// Every program with its version, in id order, read again from the store (programs may
    /// have been loaded or edited since).
    pub(crate) async fn programs_with_versions(&self) -> ApiResult<Vec<Arc<ReadProgram>>> {
        let programs = self
            .store()
            .stored_programs()
            .await
            .map_err(ApiError::from)?;
        Ok(self.remember(programs))
    }

    /// Every program, in id order, read again from the store.
    pub(crate) async fn programs(&self) -> ApiResult<Vec<Arc<Program>>> {
        Ok(self
            .programs_with_versions()
            .await?
            .iter()
            .map(|read| Arc::clone(&read.program))
            .collect())
    }

    /// Reads program `id` again after this process wrote a new version of it, so that no
    /// request here sees the old one; its progress reports (made against its targets) are
    /// forgotten too.
    pub(crate) async fn remember_program(&self, id: &str) -> ApiResult<()> {
        if let Some(stored) = self.store().stored_program(id).await? {
            self.remember(vec![stored]);
        }
        self.progress().forget(id).await;
        Ok(())
    }

    /// A session as this process read it at most [`SESSION_FACTS_MAX_AGE`] ago, from the cache
    /// or else the store: only for its id, program, zone and times, which is all that
    /// registering asks before the store's transaction. Staff may move a session (this process
    /// forgets it at once, others within that age); its seat counters are a snapshot and must
    /// not be read: seat decisions, windows and cancellations are read under the session's lock.
    pub(crate) async fn session_facts(&self, id: &str) -> ApiResult<Option<Arc<SessionView>>> {
        if let Some(cached) = cached(&self.inner.sessions, id)
            && cached.0.elapsed() < SESSION_FACTS_MAX_AGE
        {
            return Ok(Some(Arc::clone(&cached.1)));
        }
        let Some(loaded) = self.store().session(id).await? else {
            return Ok(None);
        };
        let loaded = Arc::new(loaded);
        // Every write inserts whole entries, so a poisoned lock still holds a usable map.
        self.inner
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(
                id.to_owned(),
                Arc::new((Instant::now(), Arc::clone(&loaded))),
            );
        Ok(Some(loaded))
    }

    /// Forgets what this process read of session `id` (staff moved or cancelled it).
    pub(crate) fn forget_session(&self, id: &str) {
        self.inner
            .sessions
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// A session as read, and when.
type ReadSession = (Instant, Arc<SessionView>);

/// A program as read, with its version, and when.
#[derive(Debug)]
pub(crate) struct ReadProgram {
    /// When this process read it.
    read_at: Instant,
    /// The program (its sessions are those of its definition).
    pub(crate) program: Arc<Program>,
    /// Its version.
    pub(crate) version: i64,
}

/// How long [`AppState::program`] trusts what it read of a program another process may edit
/// (an edit through this process shows at once).
const PROGRAM_MAX_AGE: Duration = Duration::from_secs(60);

/// How long [`AppState::session_facts`] trusts what it read of a session.
const SESSION_FACTS_MAX_AGE: Duration = Duration::from_secs(60);

/// The entry `id` of one of the caches. Every write inserts whole entries, so a poisoned lock
/// still holds a usable map.
fn cached<T>(cache: &RwLock<BTreeMap<String, Arc<T>>>, id: &str) -> Option<Arc<T>> {
    cache
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .get(id)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_are_http_or_https_with_a_host() {
        let url: PublicUrl = "https://corsi.example.it/".parse().unwrap();
        assert!(url.is_https());
        assert_eq!(
            url.join("/iscrizioni/1/t"),
            "https://corsi.example.it/iscrizioni/1/t"
        );
        let prefixed: PublicUrl = "http://localhost:8080/skillhub".parse().unwrap();
        assert!(!prefixed.is_https());
        assert_eq!(prefixed.join("/x"), "http://localhost:8080/skillhub/x");
        for bad in [
            "corsi.example.it",
            "ftp://corsi.example.it",
            "https://corsi.example.it/?a=1",
            "https://corsi.example.it/#top",
            "https://user:pw@corsi.example.it",
        ] {
            assert!(bad.parse::<PublicUrl>().is_err(), "{bad}");
        }
    }
}
