//! Aggregation of patch features into [`SlideFeatures`], exact and order-independent.
//!
//! Real-valued sums are kept as fixed-point integers (2^-40 resolution), so adding patches in
//! any order, or merging partial sums from parallel workers in any grouping, gives bit-identical
//! slide features.

use stain_features::{ClassCounts, MembraneOdHistogram, PatchFeatures};

use crate::error::{Result, ScoreError};
use crate::features::SlideFeatures;
use crate::rules::{Guideline, Scorer};

/// Fixed-point scale of the real-valued sums.
const SCALE: f64 = (1u64 << 40) as f64;

/// Converts a finite, non-negative value to fixed point.
fn fixed(value: f64) -> i128 {
    (value * SCALE).round() as i128
}

/// Converts a fixed-point sum back.
fn real(sum: i128) -> f64 {
    sum as f64 / SCALE
}

/// `part / whole`, 0 when `whole` is 0.
fn ratio(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// Percent of `cells` per intensity class, complete and incomplete.
fn percentages(counts: &ClassCounts, cells: u64) -> ([f64; 4], [f64; 4]) {
    // never above 100%, even if a segmenter counted classes beyond its cell count
    let whole = cells.max(counts.total()) as f64;
    (
        counts.complete.map(|n| ratio(100.0 * n as f64, whole)),
        counts.incomplete.map(|n| ratio(100.0 * n as f64, whole)),
    )
}

/// Sums patch features into slide features; feed it the scored tumour patches (never control
/// tissue) with [`SlideAggregator::add`], combine parallel partial sums with
/// [`SlideAggregator::merge`], and read the result with [`SlideAggregator::finish`].
#[derive(Debug, Clone)]
pub struct SlideAggregator {
    /// Rule giving each patch its own score (for the heterogeneity flag).
    patch_rule: Guideline,
    /// Patches with fewer cells get no score of their own.
    min_patch_cells: u64,
    patches: u64,
    pixels: u64,
    area_um2: i128,
    brown_pixels: u64,
    intensity_by_brown: i128,
    intensity_sum: i128,
    dab_od_by_pixels: i128,
    cells: u64,
    positive_cells: u64,
    complete_cells: u64,
    counts: ClassCounts,
    membrane_od: MembraneOdHistogram,
    patch_score_cells: [u64; 4],
}

impl SlideAggregator {
    /// An empty aggregator; each patch with at least `min_patch_cells` cells is also scored on
    /// its own with `patch_rule`.
    pub fn new(patch_rule: Guideline, min_patch_cells: u64) -> SlideAggregator {
        SlideAggregator {
            patch_rule,
            min_patch_cells,
            patches: 0,
            pixels: 0,
            area_um2: 0,
            brown_pixels: 0,
            intensity_by_brown: 0,
            intensity_sum: 0,
            dab_od_by_pixels: 0,
            cells: 0,
            positive_cells: 0,
            complete_cells: 0,
            counts: ClassCounts::default(),
            membrane_od: MembraneOdHistogram::default(),
            patch_score_cells: [0; 4],
        }
    }

    /// Adds one tumour patch. Fails, changing nothing, if a value is NaN, infinite or negative.
    pub fn add(&mut self, patch: &PatchFeatures) -> Result<()> {
        for (name, value) in [
            ("mpp", patch.mpp),
            ("staining_intensity", patch.staining_intensity),
            ("mean_dab_od", patch.mean_dab_od),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(ScoreError::InvalidPatch { field: name, value });
            }
        }
        let pixels = u64::from(patch.width) * u64::from(patch.height);
        self.patches += 1;
        self.pixels += pixels;
        self.area_um2 += fixed(pixels as f64 * patch.mpp * patch.mpp);
        self.brown_pixels += patch.brown_pixels;
        self.intensity_by_brown += fixed(patch.staining_intensity * patch.brown_pixels as f64);
        self.intensity_sum += fixed(patch.staining_intensity);
        self.dab_od_by_pixels += fixed(patch.mean_dab_od * pixels as f64);
        self.cells += patch.cell_count;
        self.positive_cells += patch.positive_cells;
        self.complete_cells += patch.complete_membrane_cells;
        self.counts.add(&patch.class_counts);
        self.membrane_od.add(&patch.membrane_od);
        if patch.cell_count >= self.min_patch_cells.max(1) {
            let (percent_complete, percent_incomplete) =
                percentages(&patch.class_counts, patch.cell_count);
            let alone = SlideFeatures {
                percent_complete,
                percent_incomplete,
                ..SlideFeatures::default()
            };
            self.patch_score_cells[self.patch_rule.score(&alone).score.index()] += patch.cell_count;
        }
        Ok(())
    }

    /// Adds the patches another aggregator has seen (for parallel aggregation).
    pub fn merge(&mut self, other: &SlideAggregator) {
        self.patches += other.patches;
        self.pixels += other.pixels;
        self.area_um2 += other.area_um2;
        self.brown_pixels += other.brown_pixels;
        self.intensity_by_brown += other.intensity_by_brown;
        self.intensity_sum += other.intensity_sum;
        self.dab_od_by_pixels += other.dab_od_by_pixels;
        self.cells += other.cells;
        self.positive_cells += other.positive_cells;
        self.complete_cells += other.complete_cells;
        self.counts.add(&other.counts);
        self.membrane_od.add(&other.membrane_od);
        for (mine, theirs) in self
            .patch_score_cells
            .iter_mut()
            .zip(other.patch_score_cells)
        {
            *mine += theirs;
        }
    }

    /// The slide features of the patches added so far (all zero when there are none).
    pub fn finish(&self) -> SlideFeatures {
        let (percent_complete, percent_incomplete) = percentages(&self.counts, self.cells);
        SlideFeatures {
            patches: self.patches,
            analysed_pixels: self.pixels,
            tumour_area_mm2: real(self.area_um2) * 1e-6,
            brown_pixels: self.brown_pixels,
            staining_average: ratio(real(self.intensity_by_brown), self.brown_pixels as f64),
            staining_average_unweighted: ratio(real(self.intensity_sum), self.patches as f64),
            stained_fraction: ratio(self.brown_pixels as f64, self.pixels as f64),
            mean_dab_od: ratio(real(self.dab_od_by_pixels), self.pixels as f64),
            cells: self.cells,
            positive_cells: self.positive_cells,
            complete_membrane_cells: self.complete_cells,
            positive_cell_ratio: ratio(self.positive_cells as f64, self.cells as f64),
            circumferential_ratio: ratio(self.complete_cells as f64, self.positive_cells as f64),
            complete_cell_ratio: ratio(self.complete_cells as f64, self.cells as f64),
            cells_complete: self.counts.complete,
            cells_incomplete: self.counts.incomplete,
            percent_complete,
            percent_incomplete,
            patch_score_cells: self.patch_score_cells,
            membrane_od: self.membrane_od.clone(),
        }
    }
}

impl SlideFeatures {
    /// Aggregates patches in one go with the default patch rule and minimum of 20 cells per
    /// patch (see [`SlideAggregator`] for streaming and parallel use).
    pub fn from_patches<'a>(
        patches: impl IntoIterator<Item = &'a PatchFeatures>,
    ) -> Result<SlideFeatures> {
        let mut aggregator = SlideAggregator::new(
            Guideline::default(),
            crate::config::AggregationConfig::default().min_patch_cells,
        );
        for patch in patches {
            aggregator.add(patch)?;
        }
        Ok(aggregator.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FAINT, INTENSE, INTENSITY_NAMES, WEAK_MODERATE};
    use stain_features::{IntensityClass, PatchTimings};

    /// A 512 x 512 patch at 0.5 um/px with `cells` split into the given complete/incomplete counts.
    fn patch(
        intensity: f64,
        brown: u64,
        complete: [u64; 4],
        incomplete: [u64; 4],
    ) -> PatchFeatures {
        let cells: u64 = complete.iter().chain(&incomplete).sum();
        let positive = cells - incomplete[0];
        PatchFeatures {
            width: 512,
            height: 512,
            mpp: 0.5,
            staining_intensity: intensity,
            brown_pixels: brown,
            stained_fraction: brown as f64 / (512.0 * 512.0),
            mean_dab_od: 0.1 * intensity,
            cell_count: cells,
            positive_cells: positive,
            complete_membrane_cells: complete.iter().sum(),
            class_counts: ClassCounts {
                complete,
                incomplete,
            },
            membrane_od: Default::default(),
            timings: PatchTimings::default(),
        }
    }

    #[test]
    fn our_class_indexes_match_stain_features() {
        for class in IntensityClass::ALL {
            let expected = serde_json::to_string(&class).unwrap();
            assert_eq!(format!("\"{}\"", INTENSITY_NAMES[class.index()]), expected);
        }
        assert_eq!(IntensityClass::Faint.index(), FAINT);
        assert_eq!(IntensityClass::WeakModerate.index(), WEAK_MODERATE);
        assert_eq!(IntensityClass::Intense.index(), INTENSE);
    }

    #[test]
    fn indexes_follow_the_method_definitions() {
        let a = patch(0.6, 1000, [0, 0, 0, 30], [60, 0, 10, 0]);
        let b = patch(0.2, 3000, [0, 0, 0, 0], [40, 60, 0, 0]);
        let features = SlideFeatures::from_patches([&a, &b]).unwrap();
        assert_eq!(features.patches, 2);
        assert_eq!(features.cells, 200);
        // brown-area weighted: (0.6*1000 + 0.2*3000) / 4000 = 0.3; unweighted: 0.4
        assert!((features.staining_average - 0.3).abs() < 1e-9);
        assert!((features.staining_average_unweighted - 0.4).abs() < 1e-9);
        // positive: 30+10 + 60 = 100 of 200; complete 30 of 100 positive, 30 of 200 cells
        assert!((features.positive_cell_ratio - 0.5).abs() < 1e-12);
        assert!((features.circumferential_ratio - 0.3).abs() < 1e-12);
        assert!((features.complete_cell_ratio - 0.15).abs() < 1e-12);
        assert_eq!(features.percent_complete[INTENSE], 15.0);
        assert_eq!(features.percent_incomplete[FAINT], 30.0);
        assert_eq!(features.percent_incomplete[WEAK_MODERATE], 5.0);
        assert!((features.tumour_area_mm2 - 2.0 * 512.0 * 512.0 * 0.25e-6).abs() < 1e-12);
        assert!((features.stained_fraction - 4000.0 / (2.0 * 512.0 * 512.0)).abs() < 1e-15);
        // patch a scores 3+ on its own (30% intense complete), b scores 1+ (60% faint)
        assert_eq!(features.patch_score_cells, [0, 100, 0, 100]);
    }

    #[test]
    fn aggregation_is_order_and_grouping_independent() {
        let patches: Vec<PatchFeatures> = (0..40u64)
            .map(|i| {
                let intensity = 0.1 + (i as f64 * 0.7548776662466927) % 0.8;
                patch(
                    intensity,
                    100 + 37 * i,
                    [0, i % 3, i % 5, i % 7],
                    [20 + i % 11, i % 13, 1, 0],
                )
            })
            .collect();
        let forward = SlideFeatures::from_patches(&patches).unwrap();
        let backward = SlideFeatures::from_patches(patches.iter().rev()).unwrap();
        assert_eq!(forward, backward);
        let mut left = SlideAggregator::new(Guideline::default(), 20);
        let mut right = SlideAggregator::new(Guideline::default(), 20);
        for (i, p) in patches.iter().enumerate() {
            if i % 3 == 0 {
                left.add(p).unwrap()
            } else {
                right.add(p).unwrap()
            }
        }
        right.merge(&left);
        assert_eq!(right.finish(), forward);
    }

    #[test]
    fn empty_slides_and_bad_patches() {
        let empty = SlideAggregator::new(Guideline::default(), 20).finish();
        assert_eq!(empty, SlideFeatures::default());
        let mut bad = patch(0.5, 10, [0; 4], [30, 0, 0, 0]);
        bad.staining_intensity = f64::NAN;
        let mut aggregator = SlideAggregator::new(Guideline::default(), 20);
        let err = aggregator.add(&bad).unwrap_err().to_string();
        assert!(err.contains("staining_intensity"), "{err}");
        assert_eq!(aggregator.finish(), empty);
        // a patch below the per-patch minimum counts for the slide but gets no own score
        aggregator
            .add(&patch(0.5, 10, [0; 4], [5, 0, 0, 0]))
            .unwrap();
        assert_eq!(aggregator.finish().patch_score_cells, [0; 4]);
        assert_eq!(aggregator.finish().cells, 5);
    }
}
