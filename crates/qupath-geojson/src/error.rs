//! Errors reading GeoJSON, each naming the file.

use std::path::{Path, PathBuf};

/// A GeoJSON file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GeoJsonError {
    /// The file cannot be opened or read (or its gzip stream is broken).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system (or the gzip decoder) said.
        source: std::io::Error,
    },
    /// The file is read but is not GeoJSON we can use.
    #[error("{}: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong, in words.
        reason: String,
    },
}

impl GeoJsonError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Io { path, .. } | Self::Invalid { path, .. } => path,
        }
    }

    /// What is wrong, without the file name.
    pub fn reason(&self) -> String {
        match self {
            Self::Io { source, .. } => source.to_string(),
            Self::Invalid { reason, .. } => reason.clone(),
        }
    }
}
