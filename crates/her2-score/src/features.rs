//! `SlideFeatures`: everything the scoring rules need about one slide's tumour area.

use serde::{Deserialize, Serialize};
use stain_features::MembraneOdHistogram;

/// Names of the intensity classes in the order of the per-class arrays (the order of
/// `stain_features::IntensityClass::index()`): none, faint, weak-moderate, intense.
pub const INTENSITY_NAMES: [&str; 4] = ["none", "faint", "weak_moderate", "intense"];

/// Index of the faint / barely perceptible class in the per-class arrays.
pub(crate) const FAINT: usize = 1;
/// Index of the weak-to-moderate class in the per-class arrays.
pub(crate) const WEAK_MODERATE: usize = 2;
/// Index of the intense class in the per-class arrays.
pub(crate) const INTENSE: usize = 3;

/// The slide-level measurements over all scored tumour patches: the paper's three indexes, the
/// guideline's per-cell percentages and the counts behind them.
///
/// Built by [`crate::SlideAggregator`] from `stain_features::PatchFeatures`, or read from a
/// features CSV ([`crate::read_features_csv`]). Per-class arrays are indexed like
/// [`INTENSITY_NAMES`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SlideFeatures {
    /// Tumour patches that were analysed.
    pub patches: u64,
    /// Pixels analysed over all those patches (sum of width x height).
    pub analysed_pixels: u64,
    /// Area analysed in mm^2 (pixels x MPP^2).
    pub tumour_area_mm2: f64,
    /// Brown (DAB) pixels found.
    pub brown_pixels: u64,
    /// Paper index 1, staining average: mean staining intensity (1 - grey/255 over brown
    /// pixels) of the patches, weighted by each patch's brown area; in [0, 1].
    pub staining_average: f64,
    /// The staining average with every patch weighted equally (kept for comparison).
    pub staining_average_unweighted: f64,
    /// Brown pixels / analysed pixels.
    pub stained_fraction: f64,
    /// Mean DAB optical density, weighted by patch area.
    pub mean_dab_od: f64,
    /// Tumour cells found.
    pub cells: u64,
    /// Cells with any stained membrane pixel.
    pub positive_cells: u64,
    /// Cells whose membrane ring is stained all around (complete, circumferential).
    pub complete_membrane_cells: u64,
    /// Paper index 2, positive cell ratio: positive cells / cells.
    pub positive_cell_ratio: f64,
    /// Paper index 3, circumferential membrane cell ratio: complete cells / positive cells.
    pub circumferential_ratio: f64,
    /// Complete cells / all tumour cells (the guideline's denominator).
    pub complete_cell_ratio: f64,
    /// Cells with a complete membrane, per intensity class.
    pub cells_complete: [u64; 4],
    /// Cells with an incomplete (or no) membrane ring, per intensity class.
    pub cells_incomplete: [u64; 4],
    /// Percent of tumour cells with a complete membrane, per intensity class.
    pub percent_complete: [f64; 4],
    /// Percent of tumour cells with an incomplete membrane, per intensity class.
    pub percent_incomplete: [f64; 4],
    /// Tumour cells in patches whose own guideline score is 0, 1+, 2+, 3+ (patches with too few
    /// cells are left out); the heterogeneity flag reads it.
    pub patch_score_cells: [u64; 4],
    /// Positive tumour cells by membrane OD, complete and incomplete: the intensity classes
    /// at other cuts ([`SlideFeatures::recounted`]).
    #[serde(default, skip_serializing_if = "MembraneOdHistogram::is_empty")]
    pub membrane_od: MembraneOdHistogram,
}

impl SlideFeatures {
    /// Percent of tumour cells with complete, intense membrane staining (decides 3+).
    pub fn intense_complete_percent(&self) -> f64 {
        self.percent_complete[INTENSE]
    }

    /// Percent of tumour cells with complete staining that is at least weak-moderate (decides 2+).
    pub fn moderate_complete_percent(&self) -> f64 {
        self.percent_complete[WEAK_MODERATE] + self.percent_complete[INTENSE]
    }

    /// Percent of tumour cells with any membrane staining, faint or stronger, complete or not
    /// (decides 1+ versus 0, and ultralow versus null).
    pub fn stained_percent(&self) -> f64 {
        (FAINT..=INTENSE)
            .map(|class| self.percent_complete[class] + self.percent_incomplete[class])
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_percentages_add_the_right_classes() {
        let features = SlideFeatures {
            percent_complete: [0.0, 1.0, 4.0, 8.0],
            percent_incomplete: [70.0, 10.0, 5.0, 2.0],
            ..SlideFeatures::default()
        };
        assert_eq!(features.intense_complete_percent(), 8.0);
        assert_eq!(features.moderate_complete_percent(), 12.0);
        assert_eq!(features.stained_percent(), 30.0);
    }
}
