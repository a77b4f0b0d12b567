//! [`Her2Report`]: everything a pathologist or a script needs to check one slide's score.
//! Serde (JSON), stable field names; `schema_version` changes when a field changes meaning.

use std::collections::BTreeMap;
use std::path::PathBuf;

use her2_score::{Assessment, IntensityReference, RuleKind, SlideFeatures};
use serde::{Deserialize, Serialize};
use tissue_mask::TissueSummary;

use crate::config::PipelineConfig;

/// Version of the report's layout. 3: `input.sha256` and `input.bytes` are `null` for a slide
/// held in memory, and the saved config no longer carries `tumor.inference.show_progress` (a
/// run-time choice).
pub const REPORT_SCHEMA_VERSION: u32 = 3;

/// One slide's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Her2Report {
    /// Layout version ([`REPORT_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// Version of the her2 crate that made the report.
    pub her2_version: String,
    /// The slide scored.
    pub input: InputInfo,
    /// The score by the configured rule, with category, clinical group, trace and flags.
    pub assessment: Assessment,
    /// The same slide scored by every built-in rule, for comparison (JSON keys: the rules'
    /// names, `guideline`, `paper`, `staining`).
    pub all_rules: BTreeMap<RuleKind, Assessment>,
    /// The paper's three indexes and the guideline percentages over the scored tumour.
    pub features: SlideFeatures,
    /// The membrane OD cuts the cells were classed by and what set them (the slide's control
    /// or the configuration).
    pub intensity_reference: IntensityReference,
    /// The 3+ control tissue, when the slide carries one: which pieces and how they stained.
    pub control: Option<ControlReport>,
    /// Tissue found on the thumbnail and which pieces were scored.
    pub tissue: TissueSummary,
    /// The per-slide stain vectors, when `features.stain.stain_estimation` is enabled: which
    /// vectors were estimated and which fell back to the configured ones, and why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stain_estimate: Option<stain_features::StainEstimate>,
    /// What the tumour model found.
    pub tumor: TumorSummary,
    /// The configuration used (every stage).
    pub config: PipelineConfig,
    /// Wall-clock milliseconds per stage (the only field that varies between identical runs).
    pub timings_ms: StageTimings,
}

/// The input file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InputInfo {
    /// Path as given.
    pub path: PathBuf,
    /// SHA-256 of the file's bytes (hex); `None` (JSON `null`) for a slide held in memory,
    /// with no file at `path`.
    pub sha256: Option<String>,
    /// File size in bytes; `None` for a slide held in memory.
    pub bytes: Option<u64>,
    /// Vendor reported by the reader.
    pub vendor: Option<String>,
    /// Level-0 width and height.
    pub dimensions: (u64, u64),
    /// Level-0 microns per pixel used.
    pub mpp: f64,
    /// Whether `mpp` came from the file or from the user.
    pub mpp_source: MppSource,
    /// Scanner objective power, when stated.
    pub objective_power: Option<f64>,
}

/// Where the resolution came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MppSource {
    /// Stated by the slide file.
    File,
    /// Given by the user (overrides or completes the file).
    User,
}

/// The control tissue's check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ControlReport {
    /// Tissue piece ids flagged as control.
    pub pieces: Vec<u32>,
    /// Features of the analysed control patches (never part of the score).
    pub features: SlideFeatures,
}

/// Stage 2 in numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TumorSummary {
    /// The model's id (architecture, weights file).
    pub model_id: String,
    /// Tissue patches classified.
    pub classified_patches: usize,
    /// Patches at or above the tumour threshold after clean-up.
    pub tumor_patches: usize,
    /// The tumour threshold.
    pub threshold: f32,
    /// Feature patches (512 px) analysed inside the tumour.
    pub feature_patches: usize,
}

/// Milliseconds per stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimings {
    /// Opening the slide and hashing the file.
    pub open: f64,
    /// Thumbnail and tissue mask.
    pub tissue: f64,
    /// Tumour classification.
    pub tumor: f64,
    /// Stain features of the tumour (and control) patches.
    pub features: f64,
    /// Aggregation and scoring.
    pub scoring: f64,
    /// Everything.
    pub total: f64,
}
