//! Serving connections politely: HTTP/1.1 with hyper, a deadline for a request's headers, an
//! idle keep-alive timeout, a cap on open connections, and a graceful stop.
//!
//! `axum::serve` keeps a connection open as long as the client wants: one that sends half a
//! request and stops ("slowloris") holds a socket and a task forever, and enough of them exhaust
//! the file descriptors. Here:
//! - hyper's `header_read_timeout` closes a connection whose request head is not complete within
//!   [`ServerConfig::header_timeout`] (the clock starts when the connection waits for a request,
//!   so it also bounds how long an idle connection may take to start the next one);
//! - a connection with no byte in either direction and no request in flight for
//!   [`ServerConfig::keep_alive_timeout`] is closed, so the effective idle limit is the smaller
//!   of the two;
//! - at most [`ServerConfig::max_connections`] connections are open: past it the server stops
//!   accepting, and new ones wait in the kernel's backlog until one closes;
//! - on shutdown no new connection is accepted, idle ones close, and the requests in flight are
//!   answered before [`serve_connections`] returns (every connection holds a permit of the cap's
//!   semaphore until it ends, so having all permits back means every connection ended).
//!
//! Each request carries `ConnectInfo<SocketAddr>` of its peer, as with axum's
//! `into_make_service_with_connect_info`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use crate::state::ServerConfig;

/// Accepts connections on `listener` and serves `router` on each until `shutdown` resolves;
/// then stops accepting and returns once every connection has ended.
pub(crate) async fn serve_connections(
    listener: TcpListener,
    router: Router,
    config: &ServerConfig,
    shutdown: impl Future<Output = ()>,
) {
    let cap = config.max_connections.max(1);
    let permits = Arc::new(Semaphore::new(cap as usize));
    let (stop, stopping) = watch::channel(());
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(nonzero(config.header_timeout))
        .keep_alive(!config.keep_alive_timeout.is_zero());
    let keep_alive = config.keep_alive_timeout;
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                // The semaphore is never closed.
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    accept_failed(&err).await;
                    continue;
                }
            },
        };
        let connection = Connection {
            http: http.clone(),
            router: router.clone(),
            keep_alive,
            stopping: stopping.clone(),
            _permit: permit,
        };
        tokio::spawn(connection.serve(stream, peer));
    }
    drop(listener);
    drop(stop);
    let _ = permits.acquire_many(cap).await;
}

/// `None` (off) for zero.
fn nonzero(duration: Duration) -> Option<Duration> {
    (!duration.is_zero()).then_some(duration)
}

/// A failed `accept`: a connection reset before it was accepted is the client's business; out
/// of file descriptors or memory, wait a moment instead of spinning.
async fn accept_failed(err: &io::Error) {
    use io::ErrorKind as K;
    if matches!(
        err.kind(),
        K::ConnectionAborted | K::ConnectionReset | K::ConnectionRefused | K::Interrupted
    ) {
        return;
    }
    tracing::warn!(%err, "accepting a connection failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

/// One accepted connection and what it needs.
struct Connection {
    http: http1::Builder,
    router: Router,
    keep_alive: Duration,
    stopping: watch::Receiver<()>,
    /// Given back when the connection ends.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve(mut self, stream: TcpStream, peer: SocketAddr) {
        let activity = Arc::new(Activity::new());
        let io = TokioIo::new(Watched {
            stream,
            activity: Arc::clone(&activity),
        });
        let (start, end) = (Arc::clone(&activity), Arc::clone(&activity));
        let service = self
            .router
            .map_request(move |mut request: axum::extract::Request<Incoming>| {
                start.begin();
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            })
            .map_response(move |response| {
                end.end();
                response
            });
        let conn = self
            .http
            .serve_connection(io, TowerToHyperService::new(service));
        tokio::pin!(conn);
        let mut every = tokio::time::interval(check_every(self.keep_alive));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut closing = false;
        loop {
            tokio::select! {
                result = conn.as_mut() => {
                    if let Err(err) = result {
                        tracing::debug!(%err, %peer, "connection closed");
                    }
                    return;
                }
                _ = self.stopping.changed(), if !closing => {
                    closing = true;
                    conn.as_mut().graceful_shutdown();
                }
                _ = every.tick(), if !closing && !self.keep_alive.is_zero() => {
                    if activity.idle_for() >= self.keep_alive {
                        closing = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
        }
    }
}

/// How often an idle connection is looked at: a quarter of the keep-alive, from 50 ms to 1 s.
fn check_every(keep_alive: Duration) -> Duration {
    (keep_alive / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
}

/// When a connection last moved a byte, and how many of its requests are being answered.
#[derive(Debug)]
struct Activity {
    since: Instant,
    /// Milliseconds from `since` to the last byte read or written.
    last: AtomicU64,
    in_flight: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Activity {
            since: Instant::now(),
            last: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.since.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn touch(&self) {
        self.last.store(self.now(), Ordering::Relaxed);
    }

    fn begin(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.touch();
    }

    fn end(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.touch();
    }

    /// How long nothing happened; zero while a request is being answered (a handler may think
    /// for a while without a byte on the wire).
    fn idle_for(&self) -> Duration {
        if self.in_flight.load(Ordering::Relaxed) > 0 {
            return Duration::ZERO;
        }
        let last = self.last.load(Ordering::Relaxed);
        Duration::from_millis(self.now().saturating_sub(last))
    }
}

/// A TCP stream that notes every byte moved in [`Activity`].
struct Watched {
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(poll, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        poll
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let poll = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(poll, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        poll
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
