//! The CLI's errors, printed to stderr as `FILE:LINE: message` or `FILE: /pointer: message`.

use std::path::PathBuf;
use std::process::ExitCode;

/// Everything that can go wrong in a command.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A file could not be read.
    #[error("{}: cannot read: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A JSON file does not parse or has the wrong shape.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The database refused or failed.
    #[error("{db}: {source}")]
    Store {
        /// The database URL.
        db: String,
        /// What went wrong.
        #[source]
        source: skillhub_store::Error,
    },
    /// The server could not start or stopped with an error.
    #[error("serve: {0}")]
    Serve(#[source] skillhub_http::ServeError),
    /// An input file is wrong; the message names the file and the place.
    #[error("{0}")]
    Input(String),
    /// No program has the id.
    #[error("no program has id {0:?} (see `skillhub programs list`)")]
    UnknownProgram(String),
    /// The seed programs compiled into the binary are invalid (a build problem).
    #[error("the seed programs are invalid:\n{0}")]
    Seeds(#[from] skillhub_core::fixture::CatalogError),
    /// An import or export failed: every problem of the file, one per line.
    #[error("{0}")]
    Import(#[from] skillhub_import::Error),
    /// The command cannot write to the database yet.
    #[error("{what}: {why}; use --dry-run to check the file and see what would be written")]
    DryRunOnly {
        /// The command.
        what: &'static str,
        /// Why not.
        why: &'static str,
    },
    /// A needed option is missing.
    #[error("{0}")]
    Usage(String),
    /// A file could not be written.
    #[error("{}: cannot write: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No hub has the id.
    #[error("no hub has id {0:?} (see `skillhub programs show ID`)")]
    UnknownHub(String),
    /// `serve --demo` could not write its first look (a defect: the demo is compiled in).
    #[error("serve --demo: {0}")]
    Demo(String),
    /// Output could not be encoded.
    #[error("cannot encode the output: {0}")]
    Encode(#[from] serde_json::Error),
}

impl CliError {
    /// 2 for usage errors (clap exits with 2 itself), 1 for everything else.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            CliError::Usage(_) => ExitCode::from(2),
            _ => ExitCode::from(1),
        }
    }
}

/// A `Result` whose error is [`CliError`].
pub type Result<T, E = CliError> = std::result::Result<T, E>;
