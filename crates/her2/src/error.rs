//! The facade's error type: one variant per stage, each keeping the stage's own message
//! (which names the file and what was wrong).

use std::path::PathBuf;

/// Result alias for the `her2` facade.
pub type Result<T, E = Her2Error> = std::result::Result<T, E>;

/// Everything that can stop a slide from being scored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Her2Error {
    /// Opening or reading the slide failed.
    #[error(transparent)]
    Slide(#[from] wsi_io::WsiError),
    /// Tissue detection failed (including "no tissue found").
    #[error(transparent)]
    Tissue(#[from] tissue_mask::TissueError),
    /// The tumour model failed.
    #[error(transparent)]
    Tumor(#[from] tumor_classifier::ClassifierError),
    /// Stain analysis of a patch failed.
    #[error(transparent)]
    Stain(#[from] stain_features::StainError),
    /// Scoring or its configuration failed.
    #[error(transparent)]
    Score(#[from] her2_score::ScoreError),
    /// No tissue to score was found on the slide.
    #[error("{path}: no tissue found: {reason}")]
    NoTissue {
        /// The slide.
        path: PathBuf,
        /// What the detector saw.
        reason: String,
    },
    /// The slide states no microns-per-pixel and none was given.
    #[error(
        "{path}: the slide states no microns-per-pixel; give it (--mpp 0.5 for a 20x scan, 0.25 for 40x)"
    )]
    MissingMpp {
        /// The slide.
        path: PathBuf,
    },
    /// The tumour model found no tumour in the scored tissue, so there is nothing to score.
    #[error(
        "{path}: no tumour found in the scored tissue ({classified} tissue patches classified, none above the tumour threshold {threshold})"
    )]
    NoTumour {
        /// The slide.
        path: PathBuf,
        /// How many tissue patches the model saw.
        classified: usize,
        /// The probability threshold used.
        threshold: f32,
    },
    /// The user's tumour annotation covers no scored tissue (placed off the slide's tissue,
    /// or in other coordinates than level-0 pixels).
    #[error(
        "{path}: the tumour annotation ({annotation}) covers no scored tissue (check that its coordinates are level-0 pixels of this slide)"
    )]
    AnnotationOffTissue {
        /// The slide.
        path: PathBuf,
        /// The annotation (as the tumour model names it).
        annotation: String,
    },
    /// [`crate::PipelineBuilder::build`] was given no tumour model.
    #[error(
        "a tumour model is required (a checkpoint, all-tissue, an annotation, or your own TumorModel)"
    )]
    NoTumorModel,
    /// A configuration file or value is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// Encoding an output (PNG, JSON, CSV) failed.
    #[error("{path}: cannot write: {reason}")]
    Output {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl Her2Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
