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
    /// Generating a synthetic slide failed.
    #[error(transparent)]
    Synth(#[from] ihc_synth::SynthError),
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
    /// A configuration file could not be parsed (the error names the field's path, e.g.
    /// `tissue.detector.opning_um`).
    #[error("{path}: {source}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// The parser's error and the field it concerns.
        #[source]
        source: her2_score::ConfigParseError,
    },
    /// A configuration value is out of its range.
    #[error("configuration: {field} {reason}")]
    InvalidConfig {
        /// The field's dotted path (e.g. `features.context_um`).
        field: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// The configuration could not be written as TOML.
    #[error("cannot write the configuration as TOML: {0}")]
    EncodeConfig(#[from] toml::ser::Error),
    /// A microns-per-pixel value (given, or stated by the slide) is not a positive number.
    #[error("{path}: microns per pixel (--mpp) must be a positive number, got {mpp}")]
    InvalidMpp {
        /// The slide.
        path: PathBuf,
        /// The value.
        mpp: f64,
    },
    /// `features.context_um` asks for a read around a patch larger than a read can be.
    #[error("features.context_um {context_um} is too large for a patch of {patch_px} px")]
    ContextTooLarge {
        /// The configured context.
        context_um: f64,
        /// The patch's side in level pixels.
        patch_px: u32,
    },
    /// A cohort manifest (CSV or folder) is malformed.
    #[error("{path}: {reason}")]
    Manifest {
        /// The manifest.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
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
