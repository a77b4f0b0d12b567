//! HER2 IHC patch features, following Che et al. (Diagnostics 2023) stage 3 with the decisions
//! of METHOD.md: colour deconvolution, the paper's brown staining intensity, cells (exact
//! distance transform + marker watershed), membrane rings with angular completeness, positive
//! cells, and per-class counts for the guideline rule.
//!
//! ```
//! use stain_features::{StainAnalyzer, StainConfig};
//! use image::{Rgb, RgbImage};
//!
//! // A pale patch with one blue nucleus ringed by brown membrane stain.
//! let img = RgbImage::from_fn(64, 64, |x, y| {
//!     let r2 = (x as i32 - 32).pow(2) + (y as i32 - 32).pow(2);
//!     if r2 <= 64 { Rgb([90, 90, 160]) }                   // nucleus (hematoxylin)
//!     else if (100..=196).contains(&r2) { Rgb([140, 90, 50]) } // membrane (DAB), 1-3 um out
//!     else { Rgb([235, 232, 230]) }                        // cytoplasm and glass
//! });
//! let analyzer = StainAnalyzer::new(StainConfig::default())?;
//! let (features, cells) = analyzer.analyze_with_cells(&img, 0.5)?;
//! assert_eq!(features.cell_count, 1);
//! assert_eq!(features.positive_cells, 1);
//! assert!(cells[0].complete);
//! assert!(features.staining_intensity > 0.3);
//! # Ok::<(), stain_features::StainError>(())
//! ```

pub mod analyzer;
pub mod brown;
pub mod cell;
pub mod config;
pub mod contour;
pub mod deconvolve;
pub mod detection;
pub mod edt;
pub mod error;
pub mod estimate;
pub mod features;
pub mod filters;
pub mod labels;
pub mod markers;
pub mod matrix;
pub mod membrane;
pub mod morphology;
pub mod nuclei;
pub mod od_histogram;
pub mod reconstruct;
pub mod segment;
pub mod threshold;
pub mod watershed;

pub use analyzer::{PixelRect, StainAnalyzer};
pub use brown::BrownRange;
pub use cell::Cell;
pub use config::{CountingConfig, StainConfig};
pub use deconvolve::{Deconvolver, StainPlanes};
pub use detection::{DetectionScore, Matching, match_centroids};
pub use error::{MatrixProblem, Result, StainError};
pub use estimate::{
    EstimationConfig, StainEstimate, VectorEstimate, VectorSource, estimate_stains,
};
pub use features::{ClassCounts, IntensityClass, PatchFeatures, PatchTimings};
pub use matrix::{OdConvention, Stain, StainMatrix};
pub use membrane::{
    IntensityThresholds, MembraneConfig, PositiveMethod, PositivityConfig, StainMaskSource,
};
pub use nuclei::LocalContrastConfig;
pub use od_histogram::MembraneOdHistogram;
pub use segment::{
    CellSegmenter, Segmentation, SegmentationChannel, SegmentationConfig, SegmentationMethod,
    ThresholdMethod, WatershedSegmenter,
};
