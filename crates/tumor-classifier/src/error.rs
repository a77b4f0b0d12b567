//! The crate's error type: every message names the file, the value or the step that failed.

use std::path::PathBuf;

/// Everything that can go wrong in tumour classification.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClassifierError {
    /// A file or folder could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// An image could not be decoded or encoded.
    #[error("{path}: image error: {source}")]
    Image {
        /// The image file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: image::ImageError,
    },
    /// A configuration text (JSON: a training config, a resume state, a checkpoint's model
    /// spec) could not be read: the file it came from (when one), the dotted path of the
    /// offending field (e.g. `model.resnet.widht`; empty for the document) and the parser's
    /// error.
    #[error("{}{source}", crate::config_text::location(.path.as_deref(), .field))]
    ConfigText {
        /// The file the text came from, when one.
        path: Option<PathBuf>,
        /// The dotted path of the offending field.
        field: String,
        /// What the JSON parser said.
        #[source]
        source: serde_json::Error,
    },
    /// A configuration value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A weights file is unreadable, of the wrong architecture, or incomplete.
    #[error("{path}: weights: {message}")]
    Weights {
        /// The weights file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// The requested compute device is unknown or not available.
    #[error("device: {0}")]
    Device(#[from] DeviceError),
    /// A training or evaluation data set is malformed.
    #[error("{path}: dataset: {message}")]
    Dataset {
        /// The data folder or file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// A GeoJSON annotation or tumour mask is malformed.
    #[error("{path}: annotation: {message}")]
    Annotation {
        /// The annotation file.
        path: PathBuf,
        /// What was wrong.
        message: String,
    },
    /// Patches given to a model do not have the size it expects, or similar misuse.
    #[error("input: {0}")]
    Input(String),
    /// Reading the slide failed.
    #[error(transparent)]
    Slide(#[from] wsi_io::WsiError),
    /// A figure (ROC or precision-recall curve) could not be drawn.
    #[error("{path}: {source}")]
    Figure {
        /// The figure's file.
        path: PathBuf,
        /// Why.
        #[source]
        source: her2_plot::PlotError,
    },
}

/// Why a [`crate::ComputeDevice`] cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeviceError {
    /// A device name that is none of `cpu`, `cuda`, `cuda:N`.
    #[error("unknown device `{name}` (expected cpu, cuda or cuda:N)")]
    UnknownName {
        /// The name given.
        name: String,
    },
    /// No CUDA GPU is visible (no NVIDIA driver / libcuda, or no device).
    #[error(
        "no CUDA GPU found (no NVIDIA driver / libcuda, or no device visible); use --device cpu"
    )]
    NoGpu,
    /// A GPU index beyond the GPUs present.
    #[error("CUDA device {index} requested but only {found} found")]
    NoSuchGpu {
        /// The index asked for.
        index: usize,
        /// How many GPUs there are.
        found: usize,
    },
    /// CUDA asked of a build without the `cuda` feature.
    #[error(
        "cuda:{index} requested but this build has no CUDA support (rebuild with the `cuda` feature)"
    )]
    NoCudaSupport {
        /// The index asked for.
        index: usize,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = ClassifierError> = std::result::Result<T, E>;

impl ClassifierError {
    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }

    /// A weights error on `path`.
    pub fn weights(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Weights {
            path: path.into(),
            message: message.into(),
        }
    }

    /// A dataset error on `path`.
    pub fn dataset(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::Dataset {
            path: path.into(),
            message: message.into(),
        }
    }
}
