//! `skillhub serve`: the HTTP server on the store, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;

use clap::Args;

use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub serve [--addr HOST:PORT]` (the database comes from the global `--db`).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen; port 0 picks a free port (the URL is logged).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
}

/// Reads the server's settings from the environment: `SKILLHUB_ADMIN_TOKEN` (none: no admin),
/// `SKILLHUB_RATE_LIMIT` (public writes per minute per client address; default 600, 0 = off).
fn config() -> Result<skillhub_http::ServerConfig> {
    let rate_limit_per_minute = match std::env::var("SKILLHUB_RATE_LIMIT") {
        Ok(value) => value.trim().parse().map_err(|_| {
            CliError::Usage(format!(
                "SKILLHUB_RATE_LIMIT={value:?} is not a number of requests per minute (0 turns the limit off)"
            ))
        })?,
        Err(_) => 600,
    };
    Ok(skillhub_http::ServerConfig {
        admin_token: std::env::var("SKILLHUB_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty()),
        rate_limit_per_minute,
        ..skillhub_http::ServerConfig::default()
    })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    () = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => ctrl_c.await,
        }
    }
    #[cfg(not(unix))]
    ctrl_c.await;
}

/// Runs the server until a signal; logs go to stderr (`RUST_LOG` filters them; default info).
pub async fn run(ctx: &Context, args: ServeArgs) -> Result<String> {
    let config = config()?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let store = ctx.store().await?.clone();
    let server = skillhub_http::Server::bind(store, args.addr, config)
        .await
        .map_err(CliError::Serve)?;
    // Whatever RUST_LOG says, the URL goes to stdout (port 0 picks a free port: this says which).
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "skillhub: http://{}/", server.local_addr());
        let _ = out.flush();
    }
    server
        .run(shutdown_signal())
        .await
        .map_err(CliError::Serve)?;
    Ok(String::new())
}
