//! The crate's error type.

/// Everything that can go wrong while computing stain features.
#[derive(Debug, thiserror::Error)]
pub enum StainError {
    /// A stain matrix is singular or has a non-finite or zero-length vector.
    #[error("invalid stain matrix: {0}")]
    InvalidMatrix(String),
    /// A configuration value is out of its valid range.
    #[error("invalid configuration: {0}")]
    InvalidConfig(String),
    /// A segmenter's label image does not match its size or cell count
    /// ([`crate::Segmentation::new`]).
    #[error("invalid segmentation: {reason}")]
    InvalidSegmentation {
        /// What is wrong with it.
        reason: String,
    },
    /// An input image or plane has an unusable size.
    #[error("invalid image: {0}")]
    InvalidImage(String),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, StainError>;
