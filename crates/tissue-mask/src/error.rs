//! The error type of `tissue-mask`.

use std::path::PathBuf;

/// Result alias for `tissue-mask`.
pub type Result<T, E = TissueError> = std::result::Result<T, E>;

/// Everything that can go wrong finding tissue, reading a user mask or ROI, or writing outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TissueError {
    /// The detector found no tissue: a blank (or nearly blank) slide. A visible outcome the
    /// caller must handle, never an empty mask passed on silently.
    #[error("no tissue found: {reason}")]
    NoTissue {
        /// What the detector saw (thresholds, saturation range), so a user can judge.
        reason: String,
    },
    /// A parameter out of its range (names the parameter and the value).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// An input image that cannot be used (empty, or not matching the mask size).
    #[error("bad input image: {0}")]
    BadImage(String),
    /// A user-supplied ROI or mask file that cannot be read or understood.
    #[error("{path}: {reason}")]
    BadRoi {
        /// The file.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
    /// A piece id that does not exist (e.g. in `--exclude-piece`).
    #[error("no tissue piece with id {id} (the mask has pieces 1..={count})")]
    UnknownPiece {
        /// The id asked for.
        id: u32,
        /// How many pieces there are.
        count: usize,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Encoding an output image failed.
    #[error("{path}: cannot encode image: {source}")]
    Encode {
        /// The file.
        path: PathBuf,
        /// The encoder's error.
        source: image::ImageError,
    },
}

impl TissueError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
