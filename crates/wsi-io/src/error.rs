//! The error type of `wsi-io`: every variant names the file and what was wrong with it.

use std::path::PathBuf;

/// Result alias for `wsi-io`.
pub type Result<T, E = WsiError> = std::result::Result<T, E>;

/// Everything that can go wrong opening, reading or writing a slide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WsiError {
    /// The file does not exist.
    #[error("{path}: no such file")]
    NotFound {
        /// The path asked for.
        path: PathBuf,
    },
    /// The file exists but is neither a slide nor an image (no backend recognises its content).
    #[error("{path}: not a slide or image: {reason}")]
    NotASlide {
        /// The file.
        path: PathBuf,
        /// What the content looked like to the backends.
        reason: String,
    },
    /// A recognised slide or image format, or a variant of one, that this build cannot read
    /// (an unknown TIFF compression, a DICOM slide with OpenSlide 3.4, a GIF, ...).
    #[error("{path}: unsupported format: {reason}")]
    Unsupported {
        /// The file.
        path: PathBuf,
        /// What was recognised and why it cannot be read.
        reason: String,
    },
    /// The backend opened the file but failed to decode it (corrupt tile, truncated file).
    #[error("{path}: cannot read {what}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was being read (a region, a level, an associated image).
        what: String,
        /// The backend's message.
        reason: String,
    },
    /// A region request that does not fit the slide or the level.
    #[error("{path}: region x={x} y={y} {w}x{h} at level {level} is out of bounds: {reason}")]
    OutOfBounds {
        /// The file.
        path: PathBuf,
        /// Level-0 x of the top-left corner.
        x: i64,
        /// Level-0 y of the top-left corner.
        y: i64,
        /// Level the region was asked at.
        level: usize,
        /// Width in level pixels.
        w: u32,
        /// Height in level pixels.
        h: u32,
        /// What exactly did not fit.
        reason: String,
    },
    /// A zero-sized read, or one above the configured pixel budget.
    #[error("{path}: refusing a {w}x{h} read: {reason}")]
    BadSize {
        /// The file.
        path: PathBuf,
        /// Requested width.
        w: u64,
        /// Requested height.
        h: u64,
        /// Why (zero size, above budget).
        reason: String,
    },
    /// The operation needs the slide's resolution, which the file does not state.
    #[error(
        "{path}: the slide states no microns-per-pixel; give it explicitly (e.g. --mpp 0.5 for a 20x scan)"
    )]
    MissingMpp {
        /// The file.
        path: PathBuf,
    },
    /// An argument outside its valid range (patch size 0, MPP <= 0, ...).
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
    /// Operating-system I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding a tile or image failed while writing.
    #[error("{path}: cannot encode {what}: {reason}")]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// What was being encoded.
        what: String,
        /// The encoder's message.
        reason: String,
    },
}

impl WsiError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
