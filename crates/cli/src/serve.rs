//! `skillhub serve`: the HTTP server on the store, until Ctrl-C or SIGTERM.

use std::net::SocketAddr;
use std::time::Duration;

use clap::Args;

use crate::context::Context;
use crate::error::{CliError, Result};

/// `skillhub serve [--addr HOST:PORT] [--progress-max-age SECONDS] [--header-timeout SECS]
/// [--keep-alive-timeout SECS] [--max-connections N] [--public-url URL] [--trusted-proxy CIDR]…`
/// (the database comes from the global `--db`).
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Where to listen; port 0 picks a free port (the URL is logged).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// How many seconds the public progress route may answer from the figures it last read
    /// (0: read the database on every request). Presences recorded through this server show at
    /// once; those recorded by another process within this time. Default: 60.
    #[arg(long, value_name = "SECONDS")]
    progress_max_age: Option<u64>,
    /// Run on a throwaway database (deleted when the server stops) for a first look: the seed
    /// programs, the example program, an example season of upcoming sessions in six programs
    /// with registrations of fictitious people (some nearly full, a waiting list, a batch
    /// draw), and a demo admin login printed on start; messages go to files beside the
    /// database. Nothing is kept. Without it, a database this server creates gets only the
    /// seed programs and the Milan example season.
    #[arg(long)]
    demo: bool,
    /// Seconds a client has to send a request's headers; a connection that sends half a request
    /// and stops is closed after this (0: no limit). Default: 10.
    #[arg(long, value_name = "SECS")]
    header_timeout: Option<u64>,
    /// Seconds an idle connection is kept open for a next request (0: one request per
    /// connection). Default: 5.
    #[arg(long, value_name = "SECS")]
    keep_alive_timeout: Option<u64>,
    /// Most connections open at once; more wait until one closes. Default: 512.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_connections: Option<u32>,
    /// The URL browsers reach this server at, e.g. `https://corsi.example.it`: the manage link
    /// shown after registering is a full URL on it, and with https the CSRF cookie is `Secure`
    /// and `__Host-` prefixed. Without it links are paths and the cookie works over plain http.
    #[arg(long, value_name = "URL", env = "SKILLHUB_PUBLIC_URL")]
    public_url: Option<skillhub_http::PublicUrl>,
    /// A proxy (or network of proxies, `10.0.0.0/8`) whose X-Forwarded-For is believed; repeat
    /// for more (environment: comma-separated). Without any, the client is the TCP peer and
    /// X-Forwarded-For is ignored, since anyone can send it.
    #[arg(
        long = "trusted-proxy",
        value_name = "CIDR",
        env = "SKILLHUB_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<skillhub_http::Cidr>,
    /// Do not send the outbox's messages from this process (another process does, or cron
    /// runs `skillhub mail deliver`). Decisions still write their messages to the outbox.
    #[arg(long)]
    no_delivery: bool,
}

/// The server's settings from the flags and the environment: `SKILLHUB_ADMIN_TOKEN` (none: no
/// admin), `SKILLHUB_RATE_LIMIT` (public writes per minute per client address; default 600,
/// 0 = off).
fn config(args: &ServeArgs) -> Result<skillhub_http::ServerConfig> {
    let defaults = skillhub_http::ServerConfig::default();
    let rate_limit_per_minute = match std::env::var("SKILLHUB_RATE_LIMIT") {
        Ok(value) => value.trim().parse().map_err(|_| {
            CliError::Usage(format!(
                "SKILLHUB_RATE_LIMIT={value:?} is not a number of requests per minute (0 turns the limit off)"
            ))
        })?,
        Err(_) => defaults.rate_limit_per_minute,
    };
    Ok(skillhub_http::ServerConfig {
        admin_token: std::env::var("SKILLHUB_ADMIN_TOKEN")
            .ok()
            .filter(|t| !t.trim().is_empty()),
        rate_limit_per_minute,
        progress_max_age: args
            .progress_max_age
            .map_or(defaults.progress_max_age, Duration::from_secs),
        header_timeout: args
            .header_timeout
            .map_or(defaults.header_timeout, Duration::from_secs),
        keep_alive_timeout: args
            .keep_alive_timeout
            .map_or(defaults.keep_alive_timeout, Duration::from_secs),
        max_connections: args.max_connections.unwrap_or(defaults.max_connections),
        public_url: args.public_url.clone(),
        trusted_proxies: args.trusted_proxies.clone(),
        ..defaults
    })
}

/// Lays the example season (`fixtures/seasons/`) over the weeks after today in a database this
/// server just created, so that its catalog has something to register for. A failure is
/// logged, not fatal: the season is a courtesy.
async fn example_season(store: &skillhub_store::Store) {
    use skillhub_core::season::{EXAMPLE_SEASON, Season};
    let today = chrono::Utc::now().date_naive();
    let sessions = async {
        let season = Season::parse(EXAMPLE_SEASON).map_err(|err| err.to_string())?;
        let program = store
            .program(season.program().as_str())
            .await
            .map_err(|err| err.to_string())?
            .ok_or_else(|| format!("no program {}", season.program()))?;
        season
            .sessions(&program, today)
            .map_err(|err| err.to_string())
    };
    let result = match sessions.await {
        Ok(sessions) => store
            .create_sessions("example-season", &sessions)
            .await
            .map(|created| created.len())
            .map_err(|err| err.to_string()),
        Err(err) => Err(err),
    };
    match result {
        Ok(n) => tracing::info!(
            sessions = n,
            "added the example season of upcoming sessions"
        ),
        Err(err) => tracing::warn!(%err, "could not add the example season"),
    }
}

/// A throwaway SQLite database for `--demo`, deleted when dropped.
#[derive(Debug)]
struct DemoDatabase {
    dir: std::path::PathBuf,
}

impl DemoDatabase {
    fn new() -> Result<DemoDatabase> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("skillhub-demo-{}-{stamp}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|err| CliError::Input(format!("cannot create {}: {err}", dir.display())))?;
        Ok(DemoDatabase { dir })
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.dir.join("demo.db").display())
    }

    /// Where the demo's messages are written (never sent: every address is fictitious).
    fn mail_dir(&self) -> std::path::PathBuf {
        self.dir.join("mail")
    }
}

impl Drop for DemoDatabase {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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
    let config = config(&args)?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
    let demo = args.demo.then(DemoDatabase::new).transpose()?;
    let demo_ctx = demo.as_ref().map(|d| Context::new(d.url(), false));
    let ctx = demo_ctx.as_ref().unwrap_or(ctx);
    let store = ctx.server_store().await?.clone();
    let applied = match &demo {
        Some(_) => {
            let now = chrono::Utc::now();
            Some(crate::demo::apply(&store, now.date_naive(), now).await?)
        }
        None if store.was_created() && !ctx.is_empty() => {
            example_season(&store).await;
            None
        }
        None => None,
    };
    match store.email_collisions().await {
        Ok(found) if !found.is_empty() => tracing::warn!(
            count = found.len(),
            "live registrations are a second registration of one person in a session (their \
             addresses differ only in case): `skillhub people collisions` lists them"
        ),
        Ok(_) => {}
        Err(err) => tracing::warn!(%err, "could not read e-mail collisions"),
    }
    let server_store = store.clone();
    let server = skillhub_http::Server::bind(store, args.addr, config.clone())
        .await
        .map_err(CliError::Serve)?;
    // Whatever RUST_LOG says, the URL goes to stdout (port 0 picks a free port: this says which).
    {
        use std::io::Write as _;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "skillhub: http://{}/", server.local_addr());
        if let (Some(applied), Some(demo)) = (&applied, &demo) {
            let base = format!("http://{}", server.local_addr());
            let _ = write!(
                out,
                "{}",
                crate::demo::banner(applied, &base, &demo.mail_dir())
            );
        }
        let _ = out.flush();
    }
    // The outbox's sender runs beside the server and stops with it.
    let public_url = match config.public_url.clone() {
        Some(url) => url,
        None => format!("http://{}", server.local_addr())
            .parse()
            .map_err(|err| CliError::Usage(format!("{err}")))?,
    };
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let stop = std::sync::Arc::new(stop);
    let sender = if args.no_delivery {
        tracing::info!("mail delivery is off in this process (--no-delivery)");
        None
    } else {
        let mut mail = crate::mail::mail_config()?;
        if let Some(demo) = &demo {
            // Fictitious addresses: written as files beside the throwaway database, never sent.
            mail.smtp_url = None;
            mail.dir = demo.mail_dir();
        }
        let delivery = crate::mail::delivery_with(server_store.clone(), public_url, mail)?;
        Some(tokio::spawn(delivery.run(async move {
            let mut stopped = stopped;
            let _ = stopped.wait_for(|stop| *stop).await;
        })))
    };
    let on_signal = std::sync::Arc::clone(&stop);
    let served = server
        .run(async move {
            shutdown_signal().await;
            let _ = on_signal.send(true);
        })
        .await;
    // Also when the server stopped on its own.
    let _ = stop.send(true);
    if let Some(sender) = sender
        && sender.await.is_err()
    {
        tracing::error!("the mail delivery task failed");
    }
    served.map_err(CliError::Serve)?;
    Ok(String::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> ServeArgs {
        use clap::Parser;
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        let mut argv = vec!["serve"];
        argv.extend_from_slice(extra);
        Cli::parse_from(argv).serve
    }

    #[test]
    fn progress_max_age_is_in_seconds() {
        let default = config(&args(&[])).unwrap();
        assert_eq!(default.progress_max_age, Duration::from_secs(60));
        let fresh = config(&args(&["--progress-max-age", "0"])).unwrap();
        assert_eq!(fresh.progress_max_age, Duration::ZERO);
        let minutes = config(&args(&["--progress-max-age", "300"])).unwrap();
        assert_eq!(minutes.progress_max_age, Duration::from_secs(300));
    }

    #[test]
    fn connection_limits_have_defaults_and_flags() {
        let default = config(&args(&[])).unwrap();
        assert_eq!(default.header_timeout, Duration::from_secs(10));
        assert_eq!(default.keep_alive_timeout, Duration::from_secs(5));
        assert_eq!(default.max_connections, 512);
        let set = config(&args(&[
            "--header-timeout",
            "3",
            "--keep-alive-timeout",
            "0",
            "--max-connections",
            "64",
        ]))
        .unwrap();
        assert_eq!(set.header_timeout, Duration::from_secs(3));
        assert_eq!(set.keep_alive_timeout, Duration::ZERO);
        assert_eq!(set.max_connections, 64);
    }

    #[test]
    fn trusted_proxies_repeat() {
        let none = config(&args(&[])).unwrap();
        assert!(none.trusted_proxies.is_empty());
        let two = config(&args(&[
            "--trusted-proxy",
            "10.0.0.0/8",
            "--trusted-proxy",
            "2001:db8::1",
        ]))
        .unwrap();
        assert_eq!(two.trusted_proxies.len(), 2);
        assert!(two.trusted_proxies[0].contains("10.1.2.3".parse().unwrap()));
    }

    #[test]
    fn the_public_url_is_parsed() {
        let set = config(&args(&["--public-url", "https://corsi.example.it"])).unwrap();
        assert!(set.public_url.unwrap().is_https());
        use clap::Parser;
        #[derive(Debug, clap::Parser)]
        struct Cli {
            #[command(flatten)]
            serve: ServeArgs,
        }
        assert!(Cli::try_parse_from(["serve", "--public-url", "corsi.example.it"]).is_err());
    }
}
