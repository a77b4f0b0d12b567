//! her2: HER2 immunohistochemistry scoring of breast-cancer whole-slide images, as IHC 0 / 1+ /
//! 2+ / 3+ with the evidence behind the score.
//!
//! This crate is the facade over the stage crates (re-exported below): a [`Pipeline`] built
//! from the stages' traits (tissue detector, tumour model, cell segmenter, scorer), the
//! [`Her2Report`] it produces, and the writers of its output files; [`prelude`] holds what an
//! embedder needs. The `her2` binary (package `her2-cli`) is a thin
//! command line over it. See `docs/architecture.md` for the map of the workspace.
//!
//! Scoring a plain image with "all tissue is tumour" (a pre-selected tumour region):
//!
//! ```
//! use std::sync::Arc;
//!
//! use her2::{PipelineBuilder, PipelineConfig, SlideRequest};
//! use her2::ihc_synth::{Her2Class, SynthConfig, SyntheticSlide};
//! use her2::tumor_classifier::AllTissueTumor;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A synthetic 3+ slide, 2048 px square at 0.5 um/px, saved as a plain PNG.
//! let synthetic = SyntheticSlide::new(&SynthConfig::new(2048, 2048, Her2Class::Positive3, 7))?;
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("slide.png");
//! synthetic.render_region(0, 0, 2048, 2048).save(&path)?;
//!
//! // "All tissue is tumour" stands in for the ResNet here (e.g. for a pre-selected ROI).
//! let pipeline = PipelineBuilder::new(PipelineConfig::default())
//!     .tumor_model(Arc::new(AllTissueTumor::default()))
//!     .build()?;
//! let request = SlideRequest { mpp: Some(0.5), ..SlideRequest::default() };
//! let analysis = pipeline.run(&path, &request)?;
//! println!("{}", analysis.report.assessment.summary());
//! assert!(analysis.report.features.cells > 0);
//! # Ok(())
//! # }
//! ```
//!
//! # Features
//!
//! - `openslide` (default): whole-slide files (SVS, NDPI, MRXS, tiled TIFF, ...) through
//!   libopenslide; without it, plain images and slides held in memory.
//! - `train`: tumor-classifier's training API (`tumor_classifier::train`, `TrainConfig`, the
//!   data sets, the burn-level model types). Scoring needs none of it: a ResNet is loaded
//!   with `tumor_classifier::ResNetTumorModel::from_checkpoint` on a `ComputeDevice`.
//! - `ndarray`: arrays at the seams, re-exported as `her2::ndarray` when on:
//!   stain planes as zero-copy views (`stain_features::StainPlanes::view`), a patch's cells as
//!   a table (`stain_features::cell_table`), the tumour probability grid and mask
//!   (`tumor_classifier::TumorMap::probability_array`, `TumorMask::view`);
//!   `examples/ndarray_seams.rs` shows them.

mod annotated;
mod cells;
mod cohort;
mod config;
mod error;
mod html;
mod input;
mod manifest;
mod outputs;
mod pipeline;
mod report;
mod shift_matrix;
mod tissue_step;

pub use cells::{CellsGeoJson, SlideCell};
pub use cohort::{CohortOptions, CohortRow, SlideStatus, run_cohort, write_cohort_tables};
pub use config::{FeatureStepConfig, PipelineConfig, TissueStepConfig, TumorStepConfig};
pub use error::{Her2Error, Result};
pub use html::{RuleEvaluation, eval_page};
pub use input::{hash_file, input_info, open_slide};
pub use manifest::{ManifestEntry, Shard, read_manifest};
pub use outputs::{OutputOptions, REPORT_FILE, REPORT_HTML_FILE, write_outputs};
pub use pipeline::{PatchResult, Pipeline, PipelineBuilder, SlideAnalysis, SlideRequest};
pub use report::{
    ControlReport, Her2Report, InputInfo, MppSource, REPORT_SCHEMA_VERSION, StageTimings,
    TumorSummary,
};
pub use shift_matrix::{ShiftMatrix, ShiftOutcome, ShiftReport, ShiftRow, shift_label};
pub use tissue_step::{Thumbnail, TissueSource, find_tissue, thumbnail};

/// What an embedder needs to build a pipeline, swap its stages and read its report:
/// `use her2::prelude::*;`.
pub mod prelude {
    pub use crate::{
        Her2Error, Her2Report, Pipeline, PipelineBuilder, PipelineConfig, SlideAnalysis,
        SlideRequest,
    };
    pub use her2_score::{Check, Her2Score, Measure, RuleOutcome, Scorer, SlideFeatures};
    pub use stain_features::{CellSegmenter, Segmentation, Stain, StainPlanes};
    pub use tissue_mask::{TissueDetector, TissueInput, TissueMask};
    pub use tumor_classifier::{AllTissueTumor, PatchInput, TumorModel};
    pub use wsi_io::{ImageSlide, Mpp, OpenOptions, Slide};
}

pub use her2_score;
pub use ihc_synth;
pub use qupath_geojson;
pub use stain_features;
/// `ndarray`, the version the stain planes, cell tables and tumour grids come as (`ndarray`
/// feature; `examples/ndarray_seams.rs`).
#[cfg(feature = "ndarray")]
pub use stain_features::ndarray;
pub use tissue_mask;
pub use tumor_classifier;
pub use wsi_io;
