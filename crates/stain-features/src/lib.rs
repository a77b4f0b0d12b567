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
//!
//! With the `ndarray` feature, [`StainPlanes::view`] gives a stain plane as a zero-copy
//! `ArrayView2<f32>` and [`cell_table`] the cells' measurements as an `Array2<f64>` (columns
//! in [`CELL_TABLE_COLUMNS`]); `ndarray` itself is re-exported so that versions match.

mod analyzer;
#[cfg(feature = "ndarray")]
mod arrays;
mod brown;
mod cell;
mod config;
mod contour;
mod deconvolve;
mod detection;
mod edt;
mod error;
mod estimate;
mod features;
mod filters;
mod labels;
mod markers;
mod matrix;
mod membrane;
mod morphology;
mod nuclei;
mod od_histogram;
mod reconstruct;
mod segment;
mod slivers;
mod threshold;
mod watershed;

pub use analyzer::{PixelRect, StainAnalyzer};
#[cfg(feature = "ndarray")]
pub use arrays::{CELL_TABLE_COLUMNS, cell_table};
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
/// The `ndarray` version of [`StainPlanes::view`] and [`cell_table`] (`ndarray` feature).
#[cfg(feature = "ndarray")]
pub use ndarray;
pub use nuclei::LocalContrastConfig;
pub use od_histogram::MembraneOdHistogram;
pub use segment::{
    CellSegmenter, Segmentation, SegmentationChannel, SegmentationConfig, SegmentationMethod,
    ThresholdMethod, WatershedSegmenter,
};

/// Building blocks exposed for this workspace's reference tests (against scikit-image) and
/// benchmarks only: hidden from the documentation and outside the semver promise (use the
/// types above). The functions over `(slice, width, height)` check that each slice holds
/// `width * height` values ([`StainError::SizeMismatch`]).
#[doc(hidden)]
pub mod internals {
    use crate::error::{Result, StainError};
    use crate::segment::SegmentationConfig;

    pub use crate::brown::{grey, hsv_opencv};
    pub use crate::estimate::angle_deg;
    pub use crate::membrane::cell_regions;
    pub use crate::threshold::otsu;
    pub use crate::watershed::{Connectivity, watershed};

    /// Refuses a slice that does not hold `width * height` values.
    fn check(what: &'static str, len: usize, width: usize, height: usize) -> Result<()> {
        let expected = width.saturating_mul(height);
        if len == expected {
            Ok(())
        } else {
            Err(StainError::SizeMismatch {
                what,
                expected,
                got: len,
            })
        }
    }

    /// Squared Euclidean distance of every pixel to the nearest site (scipy's
    /// `distance_transform_edt` squared, of the non-sites).
    pub fn squared_edt(is_site: &[bool], width: usize, height: usize) -> Result<Vec<u32>> {
        check("sites", is_site.len(), width, height)?;
        Ok(crate::edt::squared_edt(is_site, width, height))
    }

    /// Markers at the local maxima of `values` (skimage's `peak_local_max`).
    pub fn local_maxima(
        values: &[u32],
        width: usize,
        height: usize,
        min_distance: usize,
        min_value: u32,
    ) -> Result<Vec<u32>> {
        check("values", values.len(), width, height)?;
        Ok(crate::markers::local_maxima(
            values,
            width,
            height,
            min_distance,
            min_value,
        ))
    }

    /// Binary opening with a disk of radius `r` pixels.
    pub fn open(mask: &[bool], width: usize, height: usize, r: usize) -> Result<Vec<bool>> {
        check("mask", mask.len(), width, height)?;
        Ok(crate::morphology::open(mask, width, height, r))
    }

    /// The paper's split of touching nuclei: distance transform, markers, watershed.
    pub fn split_touching(
        mask: &[bool],
        width: usize,
        height: usize,
        config: &SegmentationConfig,
        mpp: f64,
    ) -> Result<Vec<u32>> {
        check("mask", mask.len(), width, height)?;
        crate::segment::split_touching(mask, width, height, config, mpp)
    }
}
