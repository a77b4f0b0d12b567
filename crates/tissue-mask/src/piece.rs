//! [`TissuePiece`]: one connected piece of tissue, in level-0 coordinates and physical units.

use serde::{Deserialize, Serialize};

/// What a piece is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PieceRole {
    /// Patient tissue: scored.
    Patient,
    /// Flagged by the control heuristic as the (3+) control tissue: not scored.
    Control,
    /// Excluded by the user: not scored.
    Excluded,
}

impl PieceRole {
    /// Whether pieces of this role are scored.
    pub fn is_scored(self) -> bool {
        self == Self::Patient
    }
}

/// One 8-connected piece of tissue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TissuePiece {
    /// Stable id, 1-based, in raster order of the piece's first mask pixel (top to bottom,
    /// then left to right).
    pub id: u32,
    /// Area in mm².
    pub area_mm2: f64,
    /// Area in mask pixels.
    pub area_px: u64,
    /// Bounding box in level-0 pixels: `[x0, y0, x1, y1]` (ends exclusive).
    pub bbox: [f64; 4],
    /// Centroid in level-0 pixels `[x, y]`.
    pub centroid: [f64; 2],
    /// Whether the piece touches the thumbnail border.
    pub touches_edge: bool,
    /// Mean DAB optical density over the piece (when the thumbnail was available).
    pub mean_dab: Option<f64>,
    /// Fraction of the piece's pixels that are DAB-positive (when the thumbnail was available).
    pub dab_positive_fraction: Option<f64>,
    /// Patient tissue, control, or excluded.
    pub role: PieceRole,
}

impl TissuePiece {
    /// Whether the piece is scored (patient tissue).
    pub fn is_scored(&self) -> bool {
        self.role.is_scored()
    }
}
