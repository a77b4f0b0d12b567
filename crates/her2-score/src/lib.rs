//! HER2 slide scoring for the her2 pipeline (Che et al., Diagnostics 2023, stage three).
//!
//! - [`SlideAggregator`] sums `stain_features::PatchFeatures` of the scored tumour patches
//!   into [`SlideFeatures`]: the paper's three indexes (staining average, positive cell ratio,
//!   circumferential membrane cell ratio), the guideline's per-cell percentages, counts.
//! - Three [`Scorer`]s, each leaving a trace of the comparisons it made: [`StainingOnly`], the
//!   paper's [`PaperIntegrated`] (Table 4) and the ASCO/CAP [`Guideline`] (2018 scores, 2023
//!   split of 0 into null and ultralow, clinical groups).
//! - [`ScoringConfig::assess`] adds the [`Flag`]s (borderline, too few cells, control tissue,
//!   heterogeneity) and gives an [`Assessment`].
//! - [`calibrate()`] fits a rule's thresholds to labelled slides with k-fold cross-validation;
//!   [`ConfusionMatrix`] gives accuracy, precision/recall, Cohen's kappa and a Fig. 9-style PNG.
//! - Features and labels CSV files: [`write_features_csv`], [`read_features_csv`],
//!   [`read_labels_csv`].
//!
//! ```
//! use her2_score::{GuidelineCategory, Her2Score, ScoringConfig};
//! use stain_features::{ClassCounts, PatchFeatures, PatchTimings};
//!
//! // one 512 x 512 tumour patch: 200 cells, 40 with complete intense membrane staining
//! let patch = PatchFeatures {
//!     width: 512, height: 512, mpp: 0.5,
//!     staining_intensity: 0.58, brown_pixels: 30_000, stained_fraction: 0.11, mean_dab_od: 0.4,
//!     cell_count: 200, positive_cells: 60, complete_membrane_cells: 40,
//!     class_counts: ClassCounts { complete: [0, 0, 0, 40], incomplete: [140, 10, 10, 0] },
//!     membrane_od: Default::default(), timings: PatchTimings::default(),
//! };
//! let config = ScoringConfig::default();
//! let mut aggregator = config.aggregator();
//! aggregator.add(&patch)?;
//! let features = aggregator.finish();
//! assert_eq!(features.intense_complete_percent(), 20.0);
//!
//! let assessment = config.assess(&features, None);
//! assert_eq!(assessment.score, Her2Score::Three);
//! assert_eq!(assessment.category, GuidelineCategory::Three);
//! println!("{}", assessment.summary());
//! # Ok::<(), her2_score::ScoreError>(())
//! ```

mod aggregate;
mod assess;
mod calibrate;
mod config;
mod config_text;
mod csv_table;
mod error;
mod features;
mod features_csv;
mod figure;
mod flags;
mod intensity;
mod io;
mod labels;
mod metrics;
mod rules;
mod score;

pub use aggregate::SlideAggregator;
pub use assess::Assessment;
pub use calibrate::{
    BoundaryVoters, Calibration, CalibrationOptions, CalibrationTarget, ControlCalibration,
    ControlReading, CrossValidation, FittedThreshold, FoldResult, IntensityFit, Objective,
    VoterSelection, VoterTrial, calibrate, calibrate_from_controls, evaluate,
};
pub use config::{AggregationConfig, ScoringConfig};
pub use config_text::{ConfigFormat, ConfigParseError, FormatError, parse_config};
pub use error::{Result, ScoreError};
pub use features::{INTENSITY_NAMES, SlideFeatures};
pub use features_csv::{
    SlideRecord, features_csv_header, features_csv_row, read_features_csv, write_features_csv,
};
pub use figure::{render_confusion, write_confusion_png};
pub use flags::{ControlExpectation, Flag, FlagConfig, flags};
pub use intensity::{AnchorConfig, IntensityReference, IntensitySource};
pub use io::write_atomic;
pub use labels::{LabelledSlide, SlideLabel, join_labels, read_labels_csv};
pub use metrics::{ClassMetrics, ConfusionMatrix, Evaluation, KappaWeights};
pub use rules::{
    BoundaryVotes, Check, Guideline, Measure, PaperIntegrated, RuleKind, RuleOutcome, Scorer,
    StainingOnly,
};
pub use score::{ClinicalGroup, GuidelineCategory, Her2Score};
