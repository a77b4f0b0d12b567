//! The crate's error type: every failure names the file, line, column or value that was wrong.

use std::path::PathBuf;

/// Everything that can go wrong while reading features or labels, scoring, calibrating or
/// writing outputs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// A file could not be read, created or renamed into place.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The operating-system error.
        source: std::io::Error,
    },
    /// A CSV file is malformed (bad quoting, ragged rows, not UTF-8).
    #[error("{path}: {source}")]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The parser's error, with its position.
        source: csv::Error,
    },
    /// A CSV header lacks a required column.
    #[error("{path}: missing column `{column}` in the header")]
    MissingColumn {
        /// The CSV file.
        path: PathBuf,
        /// The absent column.
        column: String,
    },
    /// A CSV cell does not hold the value its column needs.
    #[error("{path}: line {line}, column `{column}`: {message}")]
    BadValue {
        /// The CSV file.
        path: PathBuf,
        /// The 1-based line number in the file.
        line: u64,
        /// The column name.
        column: String,
        /// What was wrong with the value.
        message: String,
    },
    /// A slide id occurs twice in one file.
    #[error("{path}: slide `{slide}` appears more than once")]
    DuplicateSlide {
        /// The file.
        path: PathBuf,
        /// The repeated slide id.
        slide: String,
    },
    /// A labelled slide has no row in the features file.
    #[error(
        "{path}: no row for labelled slide `{slide}` ({count} labelled slides have no features)"
    )]
    MissingSlide {
        /// The features file.
        path: PathBuf,
        /// The first labelled slide without features.
        slide: String,
        /// How many labelled slides have no features.
        count: usize,
    },
    /// A configuration file could not be read as a scoring configuration.
    #[error("{path}: {source}")]
    Config {
        /// The configuration file.
        path: PathBuf,
        /// What was wrong: [`ScoreError::ConfigText`] or [`ScoreError::InvalidConfig`].
        #[source]
        source: Box<ScoreError>,
    },
    /// A configuration text could not be parsed (the error names the field).
    #[error(transparent)]
    ConfigText(#[from] crate::config_text::ConfigParseError),
    /// A configuration value is out of its valid range, or settings that cannot go together.
    #[error("invalid scoring configuration: {field}: {problem}")]
    InvalidConfig {
        /// The dotted path of the offending field (e.g. `intensity.scale_limits`).
        field: String,
        /// What is wrong with its value, the value included.
        problem: String,
    },
    /// A patch's features hold a value no real patch can have (NaN, infinite, negative).
    #[error("invalid patch features: {field} = {value}")]
    InvalidPatch {
        /// The [`stain_features::PatchFeatures`] field.
        field: &'static str,
        /// Its value.
        value: f64,
    },
    /// The controls' membranes read too far from the reference control for their scale to be
    /// trusted (`calibrate_from_controls`).
    #[error(
        "the controls read a median membrane OD of {median_od:.3}, {scale:.2}x the reference \
         {reference_od}: outside intensity.scale_limits [{}, {}] (a failed stain or not 3+ \
         controls?)",
        limits[0], limits[1]
    )]
    ControlsOutOfRange {
        /// The controls' median complete-membrane optical density.
        median_od: f64,
        /// That median over the reference.
        scale: f64,
        /// `intensity.reference_control_od`.
        reference_od: f64,
        /// `intensity.scale_limits`.
        limits: [f64; 2],
    },
    /// Fitting the intensity cuts needs every slide's membrane OD histogram, and some lack it.
    #[error(
        "fitting the intensity cuts needs every slide's membrane OD histogram (the features \
         CSV's `membrane_od` column, written since her2 0.2); slide `{first}` and {more} more \
         lack it: score them again"
    )]
    MissingHistograms {
        /// The first slide without one.
        first: String,
        /// How many more lack one.
        more: usize,
    },
    /// A text could not be parsed as a HER2 score, rule or objective.
    #[error("cannot parse `{text}` as {what}")]
    Parse {
        /// The text given.
        text: String,
        /// What it should have been (for example "a HER2 score (0, 1+, 2+, 3+)").
        what: &'static str,
    },
    /// Calibration or evaluation got no usable slides.
    #[error("not enough labelled slides: {0}")]
    NotEnoughSlides(String),
    /// A figure could not be drawn.
    #[error(transparent)]
    Figure(#[from] her2_plot::PlotError),
    /// Encoding an output (JSON, TOML, PNG) failed.
    #[error("{path}: cannot encode: {message}")]
    Encode {
        /// The output file.
        path: PathBuf,
        /// The encoder's message.
        message: String,
    },
}

impl ScoreError {
    /// An [`InvalidConfig`](Self::InvalidConfig) error on `field`.
    pub fn invalid_config(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::InvalidConfig {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// The crate's result type.
pub type Result<T, E = ScoreError> = std::result::Result<T, E>;
