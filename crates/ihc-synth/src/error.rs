//! The error type of `ihc-synth`: every variant says which parameter or file was wrong.

use std::path::PathBuf;

/// Result alias for `ihc-synth`.
pub type Result<T, E = SynthError> = std::result::Result<T, E>;

/// Everything that can go wrong laying out, rendering or writing a synthetic slide.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SynthError {
    /// A configuration value outside its valid range (zero size, MPP <= 0, ...).
    #[error("invalid synthetic-slide configuration: {0}")]
    InvalidConfig(String),
    /// The slide is too small to hold enough tumour cells for its HER2 class to be meaningful.
    #[error(
        "a {width}x{height} px slide at {mpp} um/px holds only {found} tumour cells; at least {needed} are needed (make the slide larger)"
    )]
    TooFewTumourCells {
        /// Slide width in level-0 pixels.
        width: u32,
        /// Slide height in level-0 pixels.
        height: u32,
        /// Microns per pixel.
        mpp: f64,
        /// Tumour cells laid out.
        found: u64,
        /// Minimum required.
        needed: u64,
    },
    /// A configuration text (JSON) could not be read as a [`crate::SynthConfig`]: the file
    /// (when it came from one), the dotted path of the offending field (e.g.
    /// `stain.dab_intnse`; empty for the document itself) and the parser's error.
    #[error("{}{source}", config_location(.path.as_deref(), .field))]
    ConfigText {
        /// The configuration file, when the text was read from one.
        path: Option<PathBuf>,
        /// The dotted path of the offending field.
        field: String,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// A region request that does not fit the slide.
    #[error("region x={x} y={y} {w}x{h} does not fit the {width}x{height} slide")]
    OutOfBounds {
        /// Level-0 x of the region.
        x: u32,
        /// Level-0 y of the region.
        y: u32,
        /// Region width.
        w: u32,
        /// Region height.
        h: u32,
        /// Slide width.
        width: u32,
        /// Slide height.
        height: u32,
    },
    /// Operating-system I/O failure on a file.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding an output file (PNG, JSON, CSV) failed.
    #[error("{path}: cannot write {what}: {reason}")]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// What was being encoded.
        what: String,
        /// The encoder's message.
        reason: String,
    },
}

/// `file: `field`: ` before a configuration error, each part when known.
fn config_location(path: Option<&std::path::Path>, field: &str) -> String {
    let mut out = String::new();
    if let Some(path) = path {
        out.push_str(&format!("{}: ", path.display()));
    }
    if !field.is_empty() && field != "." {
        out.push_str(&format!("`{field}`: "));
    }
    out
}

impl SynthError {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
