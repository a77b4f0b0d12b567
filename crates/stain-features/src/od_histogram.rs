//! [`MembraneOdHistogram`]: positive cells counted by membrane DAB optical density, complete
//! and incomplete apart, so that the intensity classes can be recounted at other cuts (the
//! slide's own control as the anchor, a lab's calibration) without keeping every cell.

use serde::{Deserialize, Serialize};

use crate::membrane::IntensityThresholds;

/// Lower edge (OD10) of the first bin; positive cells below it share bin 0.
const FIRST_EDGE: f64 = 0.01;
/// Each bin's upper edge over its lower: bins 4% wide, finer than any shift a cut is
/// anchored by and than the spread of one membrane's peak.
const BIN_RATIO: f64 = 1.04;
/// Bins above the first edge; the last also takes everything above
/// `FIRST_EDGE * BIN_RATIO^BINS` (about 5 OD, beyond any membrane).
const BINS: usize = 160;

/// Positive cells by membrane DAB OD (the value [`IntensityThresholds::classify`] reads),
/// complete and incomplete apart, on 4%-wide logarithmic bins from 0.01 OD. Serialised as its
/// non-empty bins, each `[lower edge OD, complete cells, incomplete cells]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "Vec<(f64, u64, u64)>", from = "Vec<(f64, u64, u64)>")]
pub struct MembraneOdHistogram {
    /// Cells with a complete membrane ring, per bin (bin 0: below 0.01 OD).
    complete: Vec<u64>,
    /// Positive cells with an incomplete ring, per bin.
    incomplete: Vec<u64>,
}

/// The lower edge of bin `bin` (bin 0 starts at 0).
fn lower_edge(bin: usize) -> f64 {
    if bin == 0 {
        0.0
    } else {
        FIRST_EDGE * BIN_RATIO.powi(bin as i32 - 1)
    }
}

/// The bin of a membrane OD (NaN and negatives in bin 0).
fn bin_of(od: f64) -> usize {
    if od.is_nan() || od < FIRST_EDGE {
        return 0;
    }
    let above = ((od / FIRST_EDGE).ln() / BIN_RATIO.ln()).floor();
    (above as usize + 1).min(BINS)
}

/// How much of bin `bin` lies at or above `od`, in [0, 1]: the share of its width on a log
/// scale (cells taken as spread evenly in log OD within a bin); bin 0 and the open last bin
/// count whole or not at all.
fn share_above(bin: usize, od: f64) -> f64 {
    let (lo, hi) = (lower_edge(bin), lower_edge(bin + 1));
    if od <= lo {
        1.0
    } else if od >= hi || bin == 0 || bin == BINS {
        0.0
    } else {
        ((hi / od).ln() / (hi / lo).ln()).clamp(0.0, 1.0)
    }
}

impl From<MembraneOdHistogram> for Vec<(f64, u64, u64)> {
    fn from(h: MembraneOdHistogram) -> Self {
        let at = |bins: &[u64], bin: usize| bins.get(bin).copied().unwrap_or(0);
        (0..h.complete.len().max(h.incomplete.len()))
            .map(|bin| (bin, at(&h.complete, bin), at(&h.incomplete, bin)))
            .filter(|&(_, c, i)| c + i > 0)
            .map(|(bin, c, i)| {
                // 6 significant digits: each edge reads back into its own bin
                let edge = lower_edge(bin);
                (format!("{edge:.5e}").parse().unwrap_or(edge), c, i)
            })
            .collect()
    }
}

impl From<Vec<(f64, u64, u64)>> for MembraneOdHistogram {
    fn from(bins: Vec<(f64, u64, u64)>) -> Self {
        let mut h = MembraneOdHistogram::default();
        for (edge, complete, incomplete) in bins {
            // the bin's middle (log scale), safe from rounding at its edge
            let bin = if edge > 0.0 {
                bin_of(edge * BIN_RATIO.sqrt())
            } else {
                0
            };
            for (bins, n) in [(&mut h.complete, complete), (&mut h.incomplete, incomplete)] {
                if n == 0 {
                    continue;
                }
                if bins.len() <= bin {
                    bins.resize(bin + 1, 0);
                }
                bins[bin] += n;
            }
        }
        h
    }
}

impl MembraneOdHistogram {
    /// Counts one positive cell whose membrane OD is `od`.
    pub fn record(&mut self, od: f64, complete: bool) {
        let bins = if complete {
            &mut self.complete
        } else {
            &mut self.incomplete
        };
        let bin = bin_of(od);
        if bins.len() <= bin {
            bins.resize(bin + 1, 0);
        }
        bins[bin] += 1;
    }

    /// Adds another histogram's cells to these (patches into a slide).
    pub fn add(&mut self, other: &Self) {
        for (mine, theirs) in [
            (&mut self.complete, &other.complete),
            (&mut self.incomplete, &other.incomplete),
        ] {
            if mine.len() < theirs.len() {
                mine.resize(theirs.len(), 0);
            }
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += t;
            }
        }
    }

    /// True when no cell was recorded.
    pub fn is_empty(&self) -> bool {
        self.total(true) + self.total(false) == 0
    }

    /// Cells recorded, complete ones or incomplete ones.
    pub fn total(&self, complete: bool) -> u64 {
        self.bins(complete).iter().sum()
    }

    fn bins(&self, complete: bool) -> &[u64] {
        if complete {
            &self.complete
        } else {
            &self.incomplete
        }
    }

    /// Cells (complete or incomplete) whose membrane OD is at least `od`; fractional, since
    /// a cut inside a bin takes the part of it above the cut.
    pub fn at_least(&self, od: f64, complete: bool) -> f64 {
        self.bins(complete)
            .iter()
            .enumerate()
            .map(|(bin, &n)| n as f64 * share_above(bin, od))
            .sum()
    }

    /// The membrane OD below which a share `q` (in [0, 1]) of the complete or incomplete
    /// cells lie, interpolated within its bin; `None` without cells.
    pub fn quantile(&self, q: f64, complete: bool) -> Option<f64> {
        let bins = self.bins(complete);
        let total = bins.iter().sum::<u64>() as f64;
        if total == 0.0 || q.is_nan() {
            return None;
        }
        let wanted = q.clamp(0.0, 1.0) * total;
        let mut below = 0.0;
        for (bin, &n) in bins.iter().enumerate() {
            let n = n as f64;
            if n > 0.0 && below + n >= wanted {
                let (lo, hi) = (lower_edge(bin), lower_edge(bin + 1));
                let t = (wanted - below) / n;
                return Some(if bin == 0 {
                    hi * t
                } else {
                    lo * (hi / lo).powf(t)
                });
            }
            below += n;
        }
        Some(lower_edge(bins.len()))
    }

    /// Positive cells per intensity class at the cuts `classes` (indexed like
    /// [`crate::IntensityClass::index`]; fractional where a cut falls inside a bin):
    /// `(complete, incomplete)`. Cells that are not positive are not in the histogram.
    pub fn class_cells(&self, classes: &IntensityThresholds) -> ([f64; 4], [f64; 4]) {
        let per_class = |complete: bool| {
            let total = self.total(complete) as f64;
            let faint = self.at_least(classes.faint, complete);
            let weak = self.at_least(classes.weak_moderate, complete);
            let intense = self.at_least(classes.intense, complete);
            [total - faint, faint - weak, weak - intense, intense]
                .map(|n: f64| if n.abs() < 1e-9 { 0.0 } else { n })
        };
        (per_class(true), per_class(false))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_tile_the_od_axis() {
        for od in [0.0, 0.005, 0.01, 0.0123, 0.1, 0.24, 0.58, 1.0, 3.0, 50.0] {
            let bin = bin_of(od);
            assert!(lower_edge(bin) <= od, "{od} in bin {bin}");
            assert!(bin == BINS || od < lower_edge(bin + 1), "{od} in bin {bin}");
        }
        assert_eq!(bin_of(f64::NAN), 0);
        assert_eq!(bin_of(-1.0), 0);
    }

    #[test]
    fn counts_above_a_cut_follow_the_cells() {
        let mut h = MembraneOdHistogram::default();
        for i in 0..100 {
            h.record(0.05 + 0.01 * f64::from(i), i % 2 == 0);
        }
        assert_eq!(h.total(true) + h.total(false), 100);
        // cells at 0.05..1.04: 50 of them at or above 0.55 (exactly, give or take a bin's share)
        let above = h.at_least(0.55, true) + h.at_least(0.55, false);
        assert!((above - 50.0).abs() <= 2.0, "{above}");
        assert_eq!(h.at_least(0.0, true), 50.0);
        assert_eq!(h.at_least(10.0, false), 0.0);
    }

    #[test]
    fn quantiles_land_within_a_bin_of_the_value() {
        let mut h = MembraneOdHistogram::default();
        for _ in 0..10 {
            h.record(0.8, true);
        }
        let median = h.quantile(0.5, true).unwrap();
        assert!((median / 0.8 - 1.0).abs() < 0.04, "{median}");
        assert_eq!(h.quantile(0.5, false), None);
    }

    #[test]
    fn class_cells_match_classify_at_bin_edges() {
        let classes = IntensityThresholds::default();
        let ods = [0.0, 0.02, 0.09, 0.15, 0.3, 0.5, 0.7, 1.2];
        let mut h = MembraneOdHistogram::default();
        let mut exact = [0.0; 4];
        for od in ods {
            h.record(od, true);
            exact[classes.classify(od).index()] += 1.0;
        }
        let (complete, incomplete) = h.class_cells(&classes);
        assert_eq!(incomplete, [0.0; 4]);
        for (got, want) in complete.iter().zip(exact) {
            assert!((got - want).abs() < 0.5, "{complete:?} vs {exact:?}");
        }
    }

    #[test]
    fn serialises_its_non_empty_bins_and_reads_them_back() {
        let mut h = MembraneOdHistogram::default();
        for od in [0.0, 0.004, 0.3, 0.3, 0.95, 7.0] {
            h.record(od, od > 0.5);
        }
        h.record(0.3, false);
        let json = serde_json::to_string(&h).unwrap();
        assert_eq!(json.matches('[').count(), 5, "{json}");
        let back: MembraneOdHistogram = serde_json::from_str(&json).unwrap();
        assert_eq!(back, h);
        let empty: MembraneOdHistogram = serde_json::from_str("[]").unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn adding_histograms_adds_cells() {
        let (mut a, mut b) = (
            MembraneOdHistogram::default(),
            MembraneOdHistogram::default(),
        );
        a.record(0.2, true);
        b.record(2.0, true);
        b.record(0.01, false);
        a.add(&b);
        assert_eq!((a.total(true), a.total(false)), (2, 1));
        assert!(!a.is_empty());
        assert!(MembraneOdHistogram::default().is_empty());
    }
}
