//! One segmented cell and its membrane measurements.

use serde::{Deserialize, Serialize};

use crate::features::IntensityClass;

/// One segmented cell with its membrane ring measurements, in patch pixel coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Label in the patch's label image (1-based; 0 is background).
    pub label: u32,
    /// Area in pixels.
    pub area_px: u64,
    /// Area in square micrometres.
    pub area_um2: f64,
    /// Centroid `[x, y]` in pixels (pixel centres at integer + 0.5).
    pub centroid: [f64; 2],
    /// Outer boundary polygon of the nucleus `[x, y]` on pixel corners, closed implicitly.
    pub contour: Vec<[u32; 2]>,
    /// Outer boundary polygon of the whole cell on pixel corners, closed implicitly: the
    /// nucleus with its membrane ring, the pixels whose nearest nucleus is this one up to the
    /// ring's outer radius (`cell_regions` in `membrane.rs`). Empty, like `contour`, unless
    /// contours were asked for.
    #[serde(default)]
    pub boundary: Vec<[u32; 2]>,
    /// Fraction of ring angle (0..=1) that carries DAB stain: membrane completeness.
    pub ring_coverage: f64,
    /// Mean DAB optical density (OD10) over all membrane ring pixels.
    pub ring_mean_dab_od: f64,
    /// Membrane DAB optical density: median over covered ring sectors of each sector's peak
    /// (what the intensity class is read from).
    pub membrane_dab_od: f64,
    /// Membrane intensity class from the ring's DAB optical density.
    pub intensity: IntensityClass,
    /// Whether the cell counts as stained (positive).
    pub positive: bool,
    /// Whether the membrane ring is complete (coverage at or above the threshold).
    pub complete: bool,
}
