//! The crate's error type.

use crate::analyzer::PixelRect;
use crate::matrix::Stain;

/// Everything that can go wrong while computing stain features.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StainError {
    /// A stain matrix cannot deconvolve.
    #[error("invalid stain matrix {name:?}: {problem}")]
    InvalidMatrix {
        /// The matrix's name.
        name: String,
        /// What is wrong with it.
        problem: MatrixProblem,
    },
    /// A configuration value is out of its valid range.
    #[error("invalid configuration: {field}: {problem}")]
    InvalidConfig {
        /// The dotted path of the offending field (e.g. `membrane.ring_width_um`), or of the
        /// section whose fields disagree (e.g. `classes`).
        field: String,
        /// What is wrong with its value, the value included.
        problem: String,
    },
    /// A stage needs a stain plane that the deconvolution did not give (its matrix has no
    /// such stain).
    #[error("{needed_by} needs a {stain:?} plane, and the stain matrix gives none")]
    MissingPlane {
        /// The stain whose plane is missing.
        stain: crate::Stain,
        /// What needs it (e.g. `segmentation`).
        needed_by: &'static str,
    },
    /// A segmenter's label image does not match its size or cell count
    /// ([`crate::Segmentation::new`]).
    #[error("invalid segmentation: {reason}")]
    InvalidSegmentation {
        /// What is wrong with it.
        reason: String,
    },
    /// A segmenter returned a label image of another size than the patch it segmented.
    #[error(
        "segmenter returned a {}x{} label image for a {}x{} patch",
        got.0, got.1, expected.0, expected.1
    )]
    SegmentationSize {
        /// The label image's width and height.
        got: (usize, usize),
        /// The patch's width and height.
        expected: (usize, usize),
    },
    /// A pixel size that is not a positive, plausible number of micrometres.
    #[error("mpp {mpp} must be a positive number of micrometres per pixel (at most 100)")]
    InvalidMpp {
        /// The value given.
        mpp: f64,
    },
    /// An image without pixels.
    #[error("{width}x{height} patch has no pixels")]
    EmptyImage {
        /// Its width.
        width: u32,
        /// Its height.
        height: u32,
    },
    /// The reported part of an image (its core) is empty or reaches outside it.
    #[error(
        "core {}x{} at ({}, {}) is empty or not inside the {width}x{height} image",
        core.w, core.h, core.x, core.y
    )]
    CoreOutside {
        /// The core asked for.
        core: PixelRect,
        /// The image's width.
        width: u32,
        /// The image's height.
        height: u32,
    },
    /// Planes or label images that must share one size do not.
    #[error("{what} must hold {expected} values, got {got}")]
    SizeMismatch {
        /// Which input.
        what: &'static str,
        /// Values needed (width x height).
        expected: usize,
        /// Values given.
        got: usize,
    },
}

/// Why a [`crate::StainMatrix`] cannot deconvolve.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum MatrixProblem {
    /// It has no row for a stain the analysis needs.
    #[error("no {0:?} row")]
    MissingStain(Stain),
    /// An entry is NaN or infinite.
    #[error("a non-finite entry")]
    NonFinite,
    /// Its stain vectors are not independent.
    #[error("singular (determinant {determinant:e}): its stain vectors are not independent")]
    Singular {
        /// The determinant found.
        determinant: f64,
    },
}

impl StainError {
    /// An [`InvalidConfig`](Self::InvalidConfig) error on `field`.
    pub fn invalid_config(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, StainError>;
