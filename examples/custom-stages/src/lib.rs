//! An embedder's view of the her2 pipeline: each of its four stages (tissue detector, tumour
//! model, cell segmenter, scorer) replaced by a small user-written one, and the pipeline run on
//! a synthetic slide held in memory, with no file anywhere.
//!
//! The stages here are deliberately simple (fixed thresholds, connected components); they
//! show the seams, not a better method. `cargo run -p custom-stages` prints what they find;
//! `tests/custom_stages.rs` checks it.

use std::sync::Arc;

use her2::ihc_synth::{Her2Class, SynthConfig, SyntheticSlide};
use her2::prelude::*;
use her2::stain_features::StainError;
use her2::tissue_mask::{Bitmap, MaskSource};
use her2::tumor_classifier::ClassifierError;
use image::RgbImage;

/// The synthetic slides' resolution (20x).
pub const MPP: f64 = 0.5;

/// Tissue is any thumbnail pixel darker than the glass: mean RGB below `max_brightness`.
#[derive(Debug, Clone)]
pub struct BrightnessTissue {
    /// Brightest mean RGB (0-255) still counted as tissue.
    pub max_brightness: f64,
}

impl TissueDetector for BrightnessTissue {
    fn detect(&self, input: &TissueInput<'_>) -> her2::tissue_mask::Result<TissueMask> {
        let thumb = input.thumbnail;
        let bitmap = Bitmap::from_fn(thumb.width(), thumb.height(), |x, y| {
            let [r, g, b] = thumb.get_pixel(x, y).0;
            (f64::from(r) + f64::from(g) + f64::from(b)) / 3.0 < self.max_brightness
        });
        TissueMask::from_bitmap(
            bitmap,
            input.downsample,
            input.mpp,
            Some(thumb),
            MaskSource::External(format!("mean RGB below {}", self.max_brightness)),
        )
    }
}

/// A patch's tumour probability is the share of its pixels that are stained (mean RGB below
/// `stained_below`), times four, capped at 1: dense, cellular tissue reads as tumour.
#[derive(Debug, Clone)]
pub struct StainedShareTumor {
    /// Darkest mean RGB (0-255) of an unstained pixel.
    pub stained_below: f64,
}

impl TumorModel for StainedShareTumor {
    fn id(&self) -> String {
        format!("stained-share<{}", self.stained_below)
    }

    fn patch_size(&self) -> u32 {
        128
    }

    fn mpp(&self) -> f64 {
        2.0
    }

    fn predict(&self, patches: &[PatchInput<'_>]) -> her2::tumor_classifier::Result<Vec<f32>> {
        patches
            .iter()
            .map(|patch| {
                let pixels = patch.pixels.ok_or_else(|| {
                    ClassifierError::Input("stained-share needs the patch's pixels".into())
                })?;
                let stained = pixels
                    .pixels()
                    .filter(|p| {
                        p.0.iter().map(|&c| f64::from(c)).sum::<f64>() / 3.0 < self.stained_below
                    })
                    .count();
                let share = stained as f64 / f64::from(pixels.width() * pixels.height()).max(1.0);
                Ok((4.0 * share).min(1.0) as f32)
            })
            .collect()
    }
}

/// Nuclei are the 4-connected blobs of hematoxylin above `min_od`, of at least `min_pixels`.
#[derive(Debug, Clone)]
pub struct HematoxylinBlobs {
    /// Lowest hematoxylin optical density of a nucleus pixel.
    pub min_od: f32,
    /// Smallest blob kept, in pixels.
    pub min_pixels: usize,
}

impl CellSegmenter for HematoxylinBlobs {
    fn segment(
        &self,
        _image: &RgbImage,
        planes: &StainPlanes,
        _mpp: f64,
    ) -> her2::stain_features::Result<Segmentation> {
        let (w, h) = (planes.width as usize, planes.height as usize);
        let hematoxylin =
            planes
                .plane(Stain::Hematoxylin)
                .ok_or_else(|| StainError::InvalidSegmentation {
                    reason: "the stain matrix has no hematoxylin plane".into(),
                })?;
        let mut labels = vec![0u32; w * h];
        let mut count = 0u32;
        let mut stack = Vec::new();
        let mut blob = Vec::new();
        for start in 0..w * h {
            if labels[start] != 0 || hematoxylin[start] < self.min_od {
                continue;
            }
            // Flood the blob with a provisional label, then keep or clear it.
            let label = count + 1;
            blob.clear();
            stack.push(start);
            labels[start] = label;
            while let Some(i) = stack.pop() {
                blob.push(i);
                let (x, y) = (i % w, i / w);
                let neighbours = [
                    (x > 0).then(|| i - 1),
                    (x + 1 < w).then(|| i + 1),
                    (y > 0).then(|| i - w),
                    (y + 1 < h).then(|| i + w),
                ];
                for n in neighbours.into_iter().flatten() {
                    if labels[n] == 0 && hematoxylin[n] >= self.min_od {
                        labels[n] = label;
                        stack.push(n);
                    }
                }
            }
            if blob.len() >= self.min_pixels {
                count = label;
            } else {
                // Too small: mark it as seen but background (u32::MAX, cleared below).
                blob.iter().for_each(|&i| labels[i] = u32::MAX);
            }
        }
        labels
            .iter_mut()
            .filter(|l| **l == u32::MAX)
            .for_each(|l| *l = 0);
        // The constructor checks sizes and labels: a mistake here is an error, not a panic.
        Segmentation::new(w, h, labels, count)
    }
}

/// A one-measure rule: the percentage of tumour cells with any membrane staining, cut at
/// `one`, `two` and `three` percent for 1+, 2+ and 3+.
#[derive(Debug, Clone)]
pub struct StainedPercentRule {
    /// Percentage above which a slide is at least 1+.
    pub one: f64,
    /// Percentage above which a slide is at least 2+.
    pub two: f64,
    /// Percentage above which a slide is 3+.
    pub three: f64,
}

impl Scorer for StainedPercentRule {
    fn name(&self) -> &str {
        "stained-percent"
    }

    fn score(&self, features: &SlideFeatures) -> RuleOutcome {
        let levels = [
            (Her2Score::Three, self.three),
            (Her2Score::Two, self.two),
            (Her2Score::One, self.one),
        ];
        let mut checks = Vec::new();
        for (score, cut) in levels {
            let check = Check::new(Measure::StainedPercent, features, cut, score);
            let passed = check.passed;
            let fired = format!("{score}: {check}");
            checks.push(check);
            if passed {
                return RuleOutcome {
                    rule: self.name().to_owned(),
                    score,
                    fired,
                    checks,
                };
            }
        }
        RuleOutcome {
            rule: self.name().to_owned(),
            score: Her2Score::Zero,
            fired: "0: no cut passed".to_owned(),
            checks,
        }
    }
}

/// What can stop the example: making the synthetic slide, or the pipeline.
pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// A synthetic slide of `class`, `side` pixels square at [`MPP`], rendered into memory and
/// wrapped as a slide (no file is written).
pub fn synthetic_slide(class: Her2Class, side: u32, seed: u64) -> Result<ImageSlide, Error> {
    let synthetic = SyntheticSlide::new(&SynthConfig::new(side, side, class, seed))?;
    let image = synthetic.render_region(0, 0, side, side);
    let options = OpenOptions::with_mpp(Mpp::square(MPP));
    Ok(ImageSlide::from_rgb(
        format!("synthetic-{class:?}"),
        image,
        "generated",
        &options,
    )?)
}

/// The pipeline with all four stages replaced by the ones above.
pub fn custom_pipeline() -> her2::Result<Pipeline> {
    PipelineBuilder::new(PipelineConfig::default())
        .tissue_detector(Arc::new(BrightnessTissue {
            max_brightness: 225.0,
        }))
        .tumor_model(Arc::new(StainedShareTumor {
            stained_below: 200.0,
        }))
        .cell_segmenter(Arc::new(HematoxylinBlobs {
            min_od: 0.25,
            min_pixels: 12,
        }))
        .scorer(Arc::new(StainedPercentRule {
            one: 10.0,
            two: 40.0,
            three: 70.0,
        }))
        .build()
}

/// Scores a synthetic slide of `class` with the custom pipeline.
pub fn run(class: Her2Class, side: u32, seed: u64) -> Result<SlideAnalysis, Error> {
    let slide = synthetic_slide(class, side, seed)?;
    Ok(custom_pipeline()?.run_slide(&slide, &SlideRequest::default())?)
}
