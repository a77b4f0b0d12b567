//! [`ViewError`]: why the viewer could not start or serve a request.

use std::path::PathBuf;

/// Everything that can go wrong in the viewer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ViewError {
    /// The slide could not be opened or read.
    #[error(transparent)]
    Slide(#[from] wsi_io::WsiError),
    /// A results file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A results file is not what `her2 score` writes.
    #[error("{path}: {reason}")]
    Results {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A setting that cannot work (an empty slide, a zero tile size).
    #[error("{0}")]
    Config(String),
    /// The requested tile does not exist.
    #[error("no tile ({col}, {row}) at level {level}")]
    NoSuchTile {
        /// The Deep Zoom level asked for.
        level: usize,
        /// The column asked for.
        col: u64,
        /// The row asked for.
        row: u64,
    },
    /// A tile could not be encoded.
    #[error("encoding a tile: {0}")]
    Encode(String),
    /// The server could not listen on the address.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
}

/// The viewer's result type.
pub type Result<T, E = ViewError> = std::result::Result<T, E>;
