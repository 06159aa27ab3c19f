//! The router and the server: routes, layers, binding, serving connections (timeouts, a cap,
//! graceful shutdown: see `connections`), and the hourly purge of idempotency keys.

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use skillhub_store::Store;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::problem::{ApiError, no_route, problem_for_bare_errors};
use crate::state::{AppState, ServerConfig};
use crate::{
    admin, backoffice, calendar, catalog, completions, grants, limiter, openapi, programs,
    progress, registrations, report, roster, web,
};

mod connections;

/// The router with every route of the HTTP contract and its layers: a body limit (413), a
/// timeout (503), problem bodies for errors axum or tower write on their own, and tracing.
pub fn app(state: AppState) -> Router {
    let config = state.config().clone();
    let router = Router::new()
        .route("/", get(web::catalog::home))
        .merge(web::routes())
        .merge(backoffice::routes())
        .merge(grants::routes())
        .route("/healthz", get(catalog::healthz))
        .route("/readyz", get(catalog::readyz))
        .route("/openapi.json", get(openapi::openapi_document))
        .route(
            "/v1/programs",
            get(catalog::list_programs).post(programs::create_program),
        )
        .route(
            "/v1/programs/{id}",
            get(catalog::get_program).put(programs::replace_program),
        )
        .route("/v1/programs/{id}/history", get(programs::history))
        .route("/v1/programs/{id}/progress", get(progress::progress))
        .route("/v1/programs/{id}/report", get(report::funder_report))
        .route("/v1/programs/{id}/roster", get(roster::roster))
        .route("/v1/hubs", get(catalog::list_hubs))
        .route(
            "/v1/sessions",
            get(catalog::list_sessions).post(admin::create_session),
        )
        .route(
            "/v1/sessions/{id}",
            get(catalog::get_session).patch(admin::change_session),
        )
        .route(
            "/v1/sessions/{id}/cancellation",
            post(admin::cancel_session),
        )
        .route(
            "/v1/sessions/{id}/registrations",
            get(admin::session_registrations).post(registrations::register),
        )
        .route("/v1/sessions/{id}/allocation", post(admin::allocate))
        .route(
            "/v1/sessions/{id}/draw-commitment",
            post(admin::commit_draw),
        )
        .route(
            "/v1/registrations/{id}",
            get(registrations::get_registration).delete(registrations::cancel_registration),
        )
        .route(
            "/v1/registrations/{id}/presence",
            post(progress::record_presence),
        )
        .route(
            "/v1/programs/{id}/completions",
            post(completions::import_completions),
        )
        .route("/v1/calendar.ics", get(calendar::calendar))
        .fallback(no_route)
        .with_state(state);
    with_layers(router, &config)
}

/// The layers around the routes, outermost last: a body limit (413), a panic in a handler as a
/// 500 problem (the process goes on), a timeout (503), problem bodies for errors axum or tower
/// write on their own, `X-Content-Type-Options: nosniff` on every response, and tracing.
fn with_layers(router: Router, config: &ServerConfig) -> Router {
    router
        .layer(DefaultBodyLimit::max(config.body_limit))
        .layer(CatchPanicLayer::custom(panic_problem))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.request_timeout,
        ))
        .layer(axum::middleware::from_fn(problem_for_bare_errors))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(TraceLayer::new_for_http())
}

/// A handler's panic as a 500 problem; the message is logged, never shown.
fn panic_problem(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::internal(format!("a handler panicked: {message}")).into_response()
}

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The address could not be bound (in use, not ours, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The programs could not be read from the store.
    #[error("cannot read the programs: {0}")]
    Store(#[from] skillhub_store::Error),
    /// Accepting or serving connections failed.
    #[error("the server failed: {0}")]
    Io(#[source] std::io::Error),
}

/// A bound server, not yet running: [`Server::local_addr`] tells the port when binding port 0.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    state: AppState,
    addr: SocketAddr,
}

impl Server {
    /// Binds `addr` and loads the programs.
    pub async fn bind(
        store: Store,
        addr: SocketAddr,
        config: ServerConfig,
    ) -> Result<Server, ServeError> {
        let state = AppState::new(store, config).await?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServeError::Bind { addr, source })?;
        let addr = listener
            .local_addr()
            .map_err(|source| ServeError::Bind { addr, source })?;
        Ok(Server {
            listener,
            state,
            addr,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serves until `shutdown` resolves, then stops accepting connections and waits for the
    /// requests in flight to finish. Connections are held to [`ServerConfig::header_timeout`],
    /// [`ServerConfig::keep_alive_timeout`] and [`ServerConfig::max_connections`]; handlers see
    /// the peer as `ConnectInfo<SocketAddr>`. Purges old idempotency keys every
    /// [`ServerConfig::purge_every`] meanwhile.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        tracing::info!("skillhub listening on http://{}", self.addr);
        let purge = tokio::spawn(purge_idempotency_keys(self.state.clone()));
        let prune = tokio::spawn(prune_rate_limiter(self.state.clone()));
        let config = self.state.config().clone();
        connections::serve_connections(self.listener, app(self.state), &config, shutdown).await;
        purge.abort();
        prune.abort();
        tracing::info!("skillhub stopped");
        Ok(())
    }
}

/// Binds `addr`, logs the URL, and serves `store` until `shutdown` resolves (the CLI passes
/// Ctrl-C / SIGTERM), finishing the requests in flight.
pub async fn serve(
    store: Store,
    addr: SocketAddr,
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    Server::bind(store, addr, config).await?.run(shutdown).await
}

/// Drops the rate limiter's entries of quiet clients every [`limiter::PRUNE_EVERY`].
async fn prune_rate_limiter(state: AppState) {
    let mut every = tokio::time::interval(limiter::PRUNE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        let left = state.limiter().prune(std::time::Instant::now());
        state.login_limiter().prune(std::time::Instant::now());
        tracing::trace!(left, "pruned the rate limiter");
    }
}

/// Forgets idempotency keys older than 24 hours, now and then every `purge_every`.
async fn purge_idempotency_keys(state: AppState) {
    let mut every = tokio::time::interval(state.config().purge_every);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        match state.store().purge_idempotency(Utc::now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "forgot old idempotency keys"),
            Err(err) => tracing::warn!(%err, "purging idempotency keys failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    #[tokio::test]
    async fn slow_requests_stop_with_a_problem() {
        let router = Router::new().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        );
        let config = ServerConfig {
            request_timeout: Duration::from_millis(20),
            ..ServerConfig::default()
        };
        let request = Request::get("/slow").body(Body::empty()).unwrap();
        let response = with_layers(router, &config).oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            response.headers()[axum::http::header::CONTENT_TYPE],
            "application/problem+json"
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let problem: crate::wire::Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.kind, "/problems/timeout");
        assert_eq!(problem.status, 503);
    }

    #[tokio::test]
    async fn a_panic_is_a_problem_and_the_server_goes_on() {
        async fn buggy() -> &'static str {
            panic!("a bug in a handler")
        }
        let router = Router::new()
            .route("/panic", get(buggy))
            .route("/fine", get(|| async { "fine" }));
        let app = with_layers(router, &ServerConfig::default());
        let request = Request::get("/panic").body(Body::empty()).unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            response.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        let problem: crate::wire::Problem = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem.kind, "/problems/internal");
        assert!(!problem.detail.contains("a bug"), "{}", problem.detail);
        // The same service answers the next request.
        let request = Request::get("/fine").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }

    #[tokio::test]
    async fn every_response_says_nosniff() {
        let app = with_layers(Router::new(), &ServerConfig::default());
        let request = Request::get("/nowhere").body(Body::empty()).unwrap();
        let response = app.oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(
            response.headers()[header::X_CONTENT_TYPE_OPTIONS],
            "nosniff"
        );
    }
}
