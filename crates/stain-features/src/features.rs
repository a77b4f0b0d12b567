//! What one analysed patch contributes to the slide score.

use serde::{Deserialize, Serialize};

use crate::od_histogram::MembraneOdHistogram;

/// Guideline membrane-staining intensity classes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntensityClass {
    /// No membrane staining.
    None,
    /// Faint, barely perceptible staining (the 1+ / ultralow kind).
    Faint,
    /// Weak to moderate staining (the 2+ kind).
    WeakModerate,
    /// Intense staining (the 3+ kind).
    Intense,
}

impl IntensityClass {
    /// All classes, weakest first; `ALL[c.index()] == c`.
    pub const ALL: [IntensityClass; 4] = [
        IntensityClass::None,
        IntensityClass::Faint,
        IntensityClass::WeakModerate,
        IntensityClass::Intense,
    ];

    /// Position of the class in [`IntensityClass::ALL`] and in [`ClassCounts`] arrays.
    pub fn index(self) -> usize {
        match self {
            IntensityClass::None => 0,
            IntensityClass::Faint => 1,
            IntensityClass::WeakModerate => 2,
            IntensityClass::Intense => 3,
        }
    }
}

/// Cell counts per intensity class x membrane completeness, indexed by [`IntensityClass::index`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClassCounts {
    /// Cells whose membrane ring is complete (coverage at or above the threshold).
    pub complete: [u64; 4],
    /// Cells whose membrane ring is incomplete.
    pub incomplete: [u64; 4],
}

impl ClassCounts {
    /// All cells counted, whatever their class and completeness.
    pub fn total(&self) -> u64 {
        self.complete.iter().chain(self.incomplete.iter()).sum()
    }

    /// Adds another patch's counts to these (slide aggregation).
    pub fn add(&mut self, other: &Self) {
        for i in 0..4 {
            self.complete[i] += other.complete[i];
            self.incomplete[i] += other.incomplete[i];
        }
    }

    /// Counts one cell of `class`, complete or not.
    pub fn record(&mut self, class: IntensityClass, complete: bool) {
        if complete {
            self.complete[class.index()] += 1;
        } else {
            self.incomplete[class.index()] += 1;
        }
    }
}

/// Milliseconds spent in each step of [`crate::StainAnalyzer::analyze`]; excluded from
/// determinism checks because they vary run to run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct PatchTimings {
    /// Colour deconvolution into per-stain optical density.
    pub deconvolution_ms: f64,
    /// HSV brown extraction and the paper's staining intensity.
    pub brown_ms: f64,
    /// Cell segmentation (threshold, distance transform, watershed, components).
    pub segmentation_ms: f64,
    /// Membrane rings, coverage, classes and positivity.
    pub membranes_ms: f64,
}

/// What one analysed patch contributes to the slide score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchFeatures {
    /// Patch width in pixels.
    pub width: u32,
    /// Patch height in pixels.
    pub height: u32,
    /// Micrometres per pixel the patch was analysed at.
    pub mpp: f64,
    /// The paper's staining intensity: mean of (1 - grey/255) over brown pixels, 0 when none.
    pub staining_intensity: f64,
    /// Number of brown (DAB) pixels found by the HSV range.
    pub brown_pixels: u64,
    /// `brown_pixels` / pixels in the patch.
    pub stained_fraction: f64,
    /// Mean DAB optical density over the patch (physically grounded intensity).
    pub mean_dab_od: f64,
    /// Cells found.
    pub cell_count: u64,
    /// Cells with stain on them (mask product, or nearest-cell assignment when configured).
    pub positive_cells: u64,
    /// Positive cells whose ring coverage reaches the complete threshold.
    pub complete_membrane_cells: u64,
    /// Cells per intensity class x completeness.
    pub class_counts: ClassCounts,
    /// Positive cells by membrane OD, complete and incomplete: the classes at other cuts.
    #[serde(default)]
    pub membrane_od: MembraneOdHistogram,
    /// Time per step, in milliseconds.
    pub timings: PatchTimings,
}
