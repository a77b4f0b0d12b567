//! Membrane rings: every background pixel within the ring band of its nearest cell belongs to
//! that cell's ring (an exact nearest-cell transform, so touching cells share the space between
//! them fairly). Per cell: angular coverage of stained ring pixels (membrane completeness),
//! mean DAB optical density, positivity and the guideline intensity class.

use serde::{Deserialize, Serialize};

use crate::cell::Cell;
use crate::edt::{NO_SITE, nearest_site};
use crate::error::{Result, StainError};
use crate::features::IntensityClass;
use crate::labels::regions;
use crate::segment::Segmentation;

/// Ring geometry and the completeness rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MembraneConfig {
    /// Distance from the cell contour where the ring starts (0: right outside the contour).
    pub ring_gap_um: f64,
    /// Width of the ring band.
    pub ring_width_um: f64,
    /// Angular sectors around the centroid used to measure coverage.
    pub angular_bins: u32,
    /// Fraction of a sector's ring pixels that must be stained for the sector to count.
    pub sector_min_stained_fraction: f64,
    /// DAB optical density (OD10) from which a ring pixel counts as stained.
    pub stained_dab_od: f32,
    /// Coverage from which a membrane is complete (circumferential).
    pub complete_coverage: f64,
}

impl Default for MembraneConfig {
    /// METHOD.md's decision: a ring a few pixels outside the nucleus, complete at 90% coverage.
    /// The ring reaches 10 um beyond the nucleus contour: in cells ~18 um across the membrane
    /// lies up to ~8 um from the contour along a nucleus' short axis and at the cell's
    /// corners, which a 7 um ring missed (complete rings read as incomplete). The nearest-cell
    /// split keeps a wide ring from reaching into a neighbour's space. A sector counts as
    /// stained from 8% stained ring pixels: a ~1.5 um membrane crossing a 9 um band.
    fn default() -> Self {
        Self {
            ring_gap_um: 1.0,
            ring_width_um: 9.0,
            angular_bins: 24,
            sector_min_stained_fraction: 0.08,
            stained_dab_od: 0.1,
            complete_coverage: 0.9,
        }
    }
}

/// Intensity class thresholds on a positive cell's membrane DAB optical density (OD10): the
/// median over its covered ring sectors of each sector's peak.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntensityThresholds {
    /// From this OD a positive cell is faint (below: none).
    pub faint: f64,
    /// From this OD weak-to-moderate.
    pub weak_moderate: f64,
    /// From this OD intense.
    pub intense: f64,
}

impl Default for IntensityThresholds {
    /// Between the classes as measured on `ihc-synth` cells (drawn DAB concentrations: faint
    /// 0.08-0.16, weak-moderate 0.30-0.50, intense 0.85-1.25, x 0.92-1.08 per slide). A
    /// membrane ~1.5 um thick is thinner than the optics blur it with, so its peak OD reads
    /// below the concentration: ~0.85x for weak-moderate, ~0.7x for intense. On the 48
    /// dev-cohort slides (docs/accuracy.md) weak-moderate complete cells read 0.25 (1st
    /// percentile) to 0.53 (95th), faint cells 0.15 (median; a neighbour's stronger membrane
    /// lifts some), intense complete cells 0.58 (1st percentile) and up.
    fn default() -> Self {
        Self {
            faint: 0.1,
            weak_moderate: 0.24,
            intense: 0.58,
        }
    }
}

impl IntensityThresholds {
    /// Every cut times `factor`: the cuts for a stain that reads `factor` times as dark.
    pub fn scaled(&self, factor: f64) -> IntensityThresholds {
        IntensityThresholds {
            faint: self.faint * factor,
            weak_moderate: self.weak_moderate * factor,
            intense: self.intense * factor,
        }
    }

    /// The class of a positive cell whose membrane OD is `od`.
    pub fn classify(&self, od: f64) -> IntensityClass {
        if od >= self.intense {
            IntensityClass::Intense
        } else if od >= self.weak_moderate {
            IntensityClass::WeakModerate
        } else if od >= self.faint {
            IntensityClass::Faint
        } else {
            IntensityClass::None
        }
    }
}

/// How a cell is found positive.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositiveMethod {
    /// The paper's fast method: stain mask x cell mask, the cell being its ring (plus its own
    /// pixels with `count_inside_cell`).
    MaskProduct,
    /// The exact method: each stained pixel within `max_distance_um` goes to its nearest cell.
    NearestCell {
        /// Farthest a stained pixel may be from the cell it is given to.
        max_distance_um: f64,
    },
}

/// Which pixels count as stain for positivity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StainMaskSource {
    /// The HSV brown mask (the paper's stain extraction).
    Brown,
    /// DAB optical density at or above `MembraneConfig::stained_dab_od`.
    DabOd,
}

/// Positivity rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PositivityConfig {
    /// Fast mask product or exact nearest-cell assignment.
    pub method: PositiveMethod,
    /// Which mask is the stain.
    pub mask: StainMaskSource,
    /// Stained area a cell needs to be positive (the paper: one pixel; a little more keeps
    /// a neighbour's stain that leaks across the cell border from counting).
    pub min_stained_um2: f64,
    /// Count stain on the cell's own pixels too. Off by default: cells are nuclei here, and
    /// hematoxylin cross-talk into the DAB channel would make dark nuclei positive; turn it on
    /// when the segmenter returns whole cells (membrane inside the region).
    pub count_inside_cell: bool,
}

impl Default for PositivityConfig {
    fn default() -> Self {
        Self {
            method: PositiveMethod::MaskProduct,
            mask: StainMaskSource::DabOd,
            min_stained_um2: 6.0,
            count_inside_cell: false,
        }
    }
}

impl MembraneConfig {
    /// Checks ranges; the message names the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, problem: String| Err(StainError::invalid_config(field, problem));
        if !(self.ring_gap_um.is_finite() && self.ring_gap_um >= 0.0) {
            return bad(
                "membrane.ring_gap_um",
                format!("{} must be >= 0", self.ring_gap_um),
            );
        }
        if !(self.ring_width_um.is_finite()
            && self.ring_width_um > 0.0
            && self.ring_width_um <= 50.0)
        {
            return bad(
                "membrane.ring_width_um",
                format!("{} must be in (0, 50]", self.ring_width_um),
            );
        }
        if !(4..=360).contains(&self.angular_bins) {
            return bad(
                "membrane.angular_bins",
                format!("{} must be in 4..=360", self.angular_bins),
            );
        }
        for (name, v) in [
            (
                "sector_min_stained_fraction",
                self.sector_min_stained_fraction,
            ),
            ("complete_coverage", self.complete_coverage),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(
                    &format!("membrane.{name}"),
                    format!("{v} must be in [0, 1]"),
                );
            }
        }
        if !self.stained_dab_od.is_finite() {
            return bad(
                "membrane.stained_dab_od",
                format!("{} must be finite", self.stained_dab_od),
            );
        }
        Ok(())
    }
}

/// Everything [`measure_cells`] needs besides the segmentation.
#[derive(Debug, Clone, Copy)]
pub struct MembraneInputs<'a> {
    /// DAB optical density (OD10) per pixel.
    pub dab: &'a [f32],
    /// The stain mask used for positivity.
    pub stain_mask: &'a [bool],
    /// Micrometres per pixel.
    pub mpp: f64,
}

/// Per-cell accumulators.
#[derive(Debug, Clone, Copy, Default)]
struct Acc {
    ring_pixels: u64,
    ring_dab: f64,
    stain_hits: u64,
}

/// Measures every cell's ring, positivity, class and completeness (contours and boundaries
/// left empty).
pub fn measure_cells(
    seg: &Segmentation,
    inputs: MembraneInputs<'_>,
    membrane: &MembraneConfig,
    positivity: &PositivityConfig,
    classes: &IntensityThresholds,
) -> Vec<Cell> {
    let (w, h) = (seg.width, seg.height);
    let n = seg.count as usize;
    if n == 0 {
        return Vec::new();
    }
    let regs = regions(&seg.labels, w, seg.count);
    let centroids: Vec<[f64; 2]> = regs.iter().map(|r| r.centroid()).collect();
    let is_cell: Vec<bool> = seg.labels.iter().map(|&l| l != 0).collect();
    let (d2, nearest) = nearest_site(&is_cell, w, h);
    let mpp2 = inputs.mpp * inputs.mpp;
    let gap2 = membrane.ring_gap_um * membrane.ring_gap_um / mpp2;
    let outer = membrane.ring_gap_um + membrane.ring_width_um;
    let out2 = outer * outer / mpp2;
    let reach2 = match positivity.method {
        PositiveMethod::MaskProduct => out2,
        PositiveMethod::NearestCell { max_distance_um } => max_distance_um * max_distance_um / mpp2,
    };
    let bins = membrane.angular_bins as usize;
    let min_hits = ((positivity.min_stained_um2 / mpp2).round() as u64).max(1);
    let mut acc = vec![Acc::default(); n];
    let mut sector_px = vec![0u32; n * bins];
    let mut sector_stained = vec![0u32; n * bins];
    let mut sector_peak = vec![0f32; n * bins];
    let bin_scale = bins as f32 / std::f32::consts::TAU;
    // by rows: the column and row come free (a division per pixel showed in profiles)
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let own = seg.labels[i];
            if own != 0 {
                if positivity.count_inside_cell && inputs.stain_mask[i] {
                    acc[own as usize - 1].stain_hits += 1;
                }
                continue;
            }
            let d = d2[i];
            if d == NO_SITE {
                continue;
            }
            let cell = seg.labels[nearest[i] as usize] as usize - 1;
            let d = f64::from(d);
            if inputs.stain_mask[i] && d <= reach2 {
                acc[cell].stain_hits += 1;
            }
            if d <= gap2 || d > out2 {
                continue;
            }
            let dab = inputs.dab[i];
            let a = &mut acc[cell];
            a.ring_pixels += 1;
            a.ring_dab += f64::from(dab);
            let [cx, cy] = centroids[cell];
            let (dx, dy) = (x as f32 + 0.5 - cx as f32, y as f32 + 0.5 - cy as f32);
            let bin = sector(dx, dy, bins, bin_scale);
            sector_px[cell * bins + bin] += 1;
            sector_peak[cell * bins + bin] = sector_peak[cell * bins + bin].max(dab);
            if dab >= membrane.stained_dab_od {
                sector_stained[cell * bins + bin] += 1;
            }
        }
    }
    let mut peaks = Vec::with_capacity(bins);
    (0..n)
        .map(|c| {
            let a = acc[c];
            let sectors = (0..bins).filter(|&b| sector_px[c * bins + b] > 0);
            let (mut seen, mut covered) = (0u32, 0u32);
            peaks.clear();
            for b in sectors {
                seen += 1;
                let frac =
                    f64::from(sector_stained[c * bins + b]) / f64::from(sector_px[c * bins + b]);
                if frac >= membrane.sector_min_stained_fraction && sector_stained[c * bins + b] > 0
                {
                    covered += 1;
                    peaks.push(sector_peak[c * bins + b]);
                }
            }
            let coverage = if seen == 0 {
                0.0
            } else {
                f64::from(covered) / f64::from(seen)
            };
            let membrane_od = median(&mut peaks);
            let positive = a.stain_hits >= min_hits;
            let intensity = if positive {
                classes.classify(membrane_od)
            } else {
                IntensityClass::None
            };
            Cell {
                label: c as u32 + 1,
                area_px: regs[c].area,
                area_um2: regs[c].area as f64 * mpp2,
                centroid: centroids[c],
                contour: Vec::new(),
                boundary: Vec::new(),
                ring_coverage: coverage,
                ring_mean_dab_od: if a.ring_pixels == 0 {
                    0.0
                } else {
                    a.ring_dab / a.ring_pixels as f64
                },
                membrane_dab_od: membrane_od,
                intensity,
                positive,
                complete: positive && coverage >= membrane.complete_coverage,
            }
        })
        .collect()
}

/// The cell each pixel belongs to, as a label image like `seg.labels`: a nucleus pixel is its
/// own cell's, a background pixel is the cell of its nearest nucleus when it lies within the
/// membrane ring's outer radius (`ring_gap_um + ring_width_um`) of it, else 0. This is the
/// region whose ring `measure_cells` measures (the nucleus, the gap and the ring, split
/// between touching cells by the same nearest-cell rule), so its outline is the cell boundary.
pub fn cell_regions(seg: &Segmentation, mpp: f64, membrane: &MembraneConfig) -> Vec<u32> {
    let (w, h) = (seg.width, seg.height);
    let is_cell: Vec<bool> = seg.labels.iter().map(|&l| l != 0).collect();
    if !is_cell.iter().any(|&c| c) {
        return vec![0; w * h];
    }
    let (d2, nearest) = nearest_site(&is_cell, w, h);
    let outer = membrane.ring_gap_um + membrane.ring_width_um;
    let out2 = outer * outer / (mpp * mpp);
    seg.labels
        .iter()
        .zip(d2.iter().zip(&nearest))
        .map(|(&own, (&d, &site))| {
            if own != 0 {
                own
            } else if d != NO_SITE && f64::from(d) <= out2 {
                seg.labels[site as usize]
            } else {
                0
            }
        })
        .collect()
}

/// The angular sector of the offset `(dx, dy)` from a centroid among `bins` equal sectors,
/// `bin_scale = bins / TAU`: `floor((atan2(dy, dx) + PI) * bin_scale)`, capped at `bins - 1`,
/// exactly as computed with `f32::atan2`.
///
/// `atan2` is most of the cost of a ring pixel, so a polynomial approximation places the
/// offset first; only when that lands within `margin` of a sector boundary (about 0.1% of
/// the pixels at 24 sectors, and every offset on an axis or a diagonal through a centroid at
/// a pixel centre) is `f32::atan2` called. The margin covers the approximation's error
/// (under 1.2e-5 rad; `tests::fast_atan2_is_within_its_bound`), `f32::atan2`'s own (a few
/// ulp) and the rounding of the two sector computations, several times over, so the sector is
/// the same either way.
fn sector(dx: f32, dy: f32, bins: usize, bin_scale: f32) -> usize {
    use std::f32::consts::PI;
    let margin = 1e-4 * (1.0 + bin_scale);
    let v = (fast_atan2(dy, dx) + PI) * bin_scale;
    // v is at most bins + 1 <= 361 where it is finite; truncating to i32 is one instruction
    // (to usize it is several, and f32::round a libm call without SSE4.1)
    if v.is_finite() && v >= 0.0 {
        let whole = v as i32;
        let frac = v - whole as f32;
        if frac > margin && frac < 1.0 - margin {
            return (whole as usize).min(bins - 1);
        }
    }
    (((dy.atan2(dx) + PI) * bin_scale) as usize).min(bins - 1)
}

/// `atan2(y, x)` within 1.2e-5 rad: Abramowitz & Stegun 4.4.49 on `min / max` of `|x|, |y|`
/// (error under 1e-5 on [0, 1]), then the octant. NaN at the origin.
fn fast_atan2(y: f32, x: f32) -> f32 {
    use std::f32::consts::{FRAC_PI_2, PI};
    let (ax, ay) = (x.abs(), y.abs());
    let (lo, hi) = if ay > ax { (ax, ay) } else { (ay, ax) };
    let t = lo / hi;
    let s = t * t;
    let mut r =
        t * (0.999_866 + s * (-0.330_299_5 + s * (0.180_141 + s * (-0.085_133 + s * 0.020_835_1))));
    if ay > ax {
        r = FRAC_PI_2 - r;
    }
    if x < 0.0 {
        r = PI - r;
    }
    if y < 0.0 { -r } else { r }
}

/// Median of the values (upper median for an even count), 0 when empty.
fn median(values: &mut [f32]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mid = values.len() / 2;
    let (_, m, _) = values.select_nth_unstable_by(mid, f32::total_cmp);
    f64::from(*m)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One 10x10 square cell in the middle of a 40x40 patch with a stained band 2-11 px
    /// outside it on some sides.
    fn one_cell(stained_sides: &[&str]) -> (Segmentation, Vec<f32>) {
        let (w, h) = (40usize, 40usize);
        let mut labels = vec![0u32; w * h];
        let mut dab = vec![0.0f32; w * h];
        for y in 15..25 {
            for x in 15..25 {
                labels[y * w + x] = 1;
            }
        }
        let band = |v: usize| (4..36).contains(&v);
        for y in 0..h {
            for x in 0..w {
                let near = (13..27).contains(&x) && (13..27).contains(&y);
                let ring = band(x) && band(y) && !near;
                let side = if y < 15 {
                    "top"
                } else if y >= 25 {
                    "bottom"
                } else if x < 15 {
                    "left"
                } else {
                    "right"
                };
                if ring && stained_sides.contains(&side) {
                    dab[y * w + x] = 0.8;
                }
            }
        }
        let seg = Segmentation {
            width: w,
            height: h,
            labels,
            count: 1,
        };
        (seg, dab)
    }

    fn run(seg: &Segmentation, dab: &[f32]) -> Cell {
        let mask: Vec<bool> = dab.iter().map(|&d| d >= 0.05).collect();
        let inputs = MembraneInputs {
            dab,
            stain_mask: &mask,
            mpp: 0.5,
        };
        measure_cells(
            seg,
            inputs,
            &MembraneConfig::default(),
            &PositivityConfig::default(),
            &IntensityThresholds::default(),
        )
        .remove(0)
    }

    /// Offsets of the pixel centres within 25 px of pseudo-random centroids.
    fn offsets() -> Vec<(f32, f32)> {
        let mut s = 12345u64;
        let mut next = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s % 100_000) as f64
        };
        let mut out = Vec::new();
        for k in 0..300 {
            // every third centroid at a pixel centre: offsets on the axes and diagonals
            let (cx, cy) = if k % 3 == 0 {
                (
                    (next() / 300.0).floor() + 0.5,
                    (next() / 300.0).floor() + 0.5,
                )
            } else {
                (next() / 137.0, next() / 173.0)
            };
            let (x0, y0) = (cx as i64, cy as i64);
            for y in (y0 - 25).max(0)..y0 + 25 {
                for x in (x0 - 25).max(0)..x0 + 25 {
                    out.push((x as f32 + 0.5 - cx as f32, y as f32 + 0.5 - cy as f32));
                }
            }
        }
        out
    }

    #[test]
    fn fast_atan2_is_within_its_bound() {
        let mut worst = 0f32;
        for (dx, dy) in offsets() {
            if dx != 0.0 || dy != 0.0 {
                worst = worst.max((fast_atan2(dy, dx) - dy.atan2(dx)).abs());
            }
        }
        assert!(worst < 1.2e-5, "{worst}");
    }

    #[test]
    fn sectors_are_those_of_atan2() {
        for bins in [4usize, 24, 360] {
            let scale = bins as f32 / std::f32::consts::TAU;
            for (dx, dy) in offsets() {
                let want = (((dy.atan2(dx) + std::f32::consts::PI) * scale) as usize).min(bins - 1);
                assert_eq!(sector(dx, dy, bins, scale), want, "{dx} {dy} / {bins}");
            }
        }
    }

    #[test]
    fn full_ring_is_complete_and_intense() {
        let (seg, dab) = one_cell(&["top", "bottom", "left", "right"]);
        let c = run(&seg, &dab);
        assert!(c.positive && c.complete, "{c:?}");
        assert_eq!(c.ring_coverage, 1.0);
        assert_eq!(c.intensity, IntensityClass::Intense);
        assert_eq!(c.area_px, 100);
        assert_eq!(c.centroid, [20.0, 20.0]);
    }

    #[test]
    fn half_ring_is_incomplete_and_bare_cell_negative() {
        let (seg, dab) = one_cell(&["top", "left"]);
        let c = run(&seg, &dab);
        assert!(c.positive && !c.complete);
        assert!(
            c.ring_coverage > 0.3 && c.ring_coverage < 0.7,
            "{}",
            c.ring_coverage
        );
        let (seg, dab) = one_cell(&[]);
        let c = run(&seg, &dab);
        assert!(!c.positive && !c.complete);
        assert_eq!(c.intensity, IntensityClass::None);
    }
}
