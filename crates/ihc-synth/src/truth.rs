//! Ground truth: per-cell records and the slide-level summary.

use serde::{Deserialize, Serialize};

use crate::class::{GuidelinePercentages, Her2Class, Intensity};
use crate::config::SynthConfig;
use crate::stain::SlideStains;

/// What kind of cell a nucleus belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CellKind {
    /// Invasive tumour cell of the patient (counted in the guideline percentages).
    Tumour,
    /// Tumour cell of the 3+ control piece (never counted for the patient).
    Control,
    /// Luminal cell of a normal duct.
    NormalEpithelial,
    /// Fibroblast-like spindle nucleus in stroma.
    Stromal,
    /// Small round lymphocyte in stroma.
    Lymphocyte,
}

impl CellKind {
    /// The name used in CSV files.
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Tumour => "tumour",
            CellKind::Control => "control",
            CellKind::NormalEpithelial => "normal_epithelial",
            CellKind::Stromal => "stromal",
            CellKind::Lymphocyte => "lymphocyte",
        }
    }
}

/// The truth about one rendered cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellTruth {
    /// Unique, stable id (from the cell's lattice address).
    pub id: u64,
    /// Nucleus centre x, level-0 pixels.
    pub x: f64,
    /// Nucleus centre y, level-0 pixels.
    pub y: f64,
    /// Nucleus area in level-0 pixels (pi * a * b of its ellipse).
    pub nucleus_area: f64,
    /// What the cell is.
    pub kind: CellKind,
    /// Whether it is a tumour cell (patient or control).
    pub tumour: bool,
    /// Membrane staining intensity class.
    pub intensity: Intensity,
    /// Fraction of the membrane ring (by angle around the nucleus centre) that is stained.
    pub completeness: f64,
    /// Whether the ring is stained all round (the guideline's "complete").
    pub complete: bool,
    /// Whether the membrane shows any DAB staining.
    pub positive: bool,
    /// DAB concentration on the stained ring (optical-density units, slide factor included).
    pub dab: f64,
}

/// Counts and percentages of the patient's tumour cells per staining pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CellStatistics {
    /// Patient tumour cells on the slide.
    pub tumour_cells: u64,
    /// Cells per intensity class: none, faint, weak-moderate, intense.
    pub by_intensity: [u64; 4],
    /// Cells with a complete ring, per intensity class (none is always 0).
    pub complete_by_intensity: [u64; 4],
    /// Percent of tumour cells per intensity class.
    pub percent_by_intensity: [f64; 4],
    /// Percent of tumour cells with any staining.
    pub percent_positive: f64,
    /// Percent of tumour cells with a complete stained ring (any intensity).
    pub percent_complete: f64,
    /// Percent of positive cells whose ring is complete (the paper's Table 4 ratio).
    pub percent_complete_of_positive: f64,
    /// The three numbers the guideline rule reads.
    pub guideline: GuidelinePercentages,
}

impl CellStatistics {
    /// Summarises counts per intensity class and per complete-and-intensity.
    pub fn from_counts(by_intensity: [u64; 4], complete_by_intensity: [u64; 4]) -> Self {
        let n: u64 = by_intensity.iter().sum();
        let pct = |c: u64| {
            if n == 0 {
                0.0
            } else {
                100.0 * c as f64 / n as f64
            }
        };
        let positive = n - by_intensity[0];
        let complete: u64 = complete_by_intensity.iter().sum();
        Self {
            tumour_cells: n,
            by_intensity,
            complete_by_intensity,
            percent_by_intensity: by_intensity.map(pct),
            percent_positive: pct(positive),
            percent_complete: pct(complete),
            percent_complete_of_positive: if positive == 0 {
                0.0
            } else {
                100.0 * complete as f64 / positive as f64
            },
            guideline: GuidelinePercentages {
                positive: pct(positive),
                complete_weak_or_stronger: pct(complete_by_intensity[2] + complete_by_intensity[3]),
                intense_complete: pct(complete_by_intensity[3]),
            },
        }
    }
}

/// The truth about a whole slide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlideTruth {
    /// The class the slide was generated as.
    pub class: Her2Class,
    /// Its IHC score: "0", "1+", "2+" or "3+".
    pub score: String,
    /// Its clinical category ("HER2-null", "HER2-ultralow", "HER2-low", ...).
    pub category: String,
    /// The class the guideline rule gives for the rendered cell percentages (equals `class`
    /// for preset-drawn slides; may differ for an explicit `cell_mix`).
    pub guideline_class: Her2Class,
    /// Patient tumour cell statistics.
    pub cells: CellStatistics,
    /// Whether a 3+ control piece is on the slide.
    pub control_present: bool,
    /// Control piece bounding box in level-0 pixels: x, y, width, height.
    pub control_bbox: Option<[u32; 4]>,
    /// Fraction of the slide area covered by patient tissue.
    pub tissue_fraction: f64,
    /// Fraction of the patient tissue area that is tumour region.
    pub tumour_fraction_of_tissue: f64,
    /// Number of patient tissue pieces.
    pub tissue_pieces: usize,
    /// Stain vectors and concentration factor after this slide's jitter.
    pub stains: SlideStains,
    /// The configuration that produced the slide.
    pub config: SynthConfig,
    /// `ihc-synth` version that rendered it.
    pub generator: String,
}
