//! The patch analyser: deconvolution, brown, cells, membranes -> [`PatchFeatures`].

use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;

use crate::brown::brown_mask;
use crate::cell::Cell;
use crate::config::StainConfig;
use crate::contour::trace;
use crate::deconvolve::Deconvolver;
use crate::error::{Result, StainError};
use crate::estimate::{StainEstimate, estimate_stains};
use crate::features::{ClassCounts, PatchFeatures, PatchTimings};
use crate::matrix::Stain;
use crate::membrane::{MembraneInputs, StainMaskSource, measure_cells};
use crate::segment::{CellSegmenter, WatershedSegmenter};

/// Computes [`PatchFeatures`] (and optionally the cells) for RGB patches. Cheap to clone and
/// safe to share between threads.
#[derive(Debug, Clone)]
pub struct StainAnalyzer {
    config: StainConfig,
    deconvolver: Deconvolver,
    segmenter: Arc<dyn CellSegmenter>,
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

impl StainAnalyzer {
    /// Builds an analyser with the classical watershed segmenter, checking the configuration.
    pub fn new(config: StainConfig) -> Result<Self> {
        let segmenter = Arc::new(WatershedSegmenter {
            config: config.segmentation.clone(),
        });
        Self::with_segmenter(config, segmenter)
    }

    /// Builds an analyser with another cell segmenter (e.g. a learned one).
    pub fn with_segmenter(config: StainConfig, segmenter: Arc<dyn CellSegmenter>) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            deconvolver: Deconvolver::od10(&config.matrix)?,
            segmenter,
            config,
        })
    }

    /// The configuration in use.
    pub fn config(&self) -> &StainConfig {
        &self.config
    }

    /// The same analyser with another stain matrix (e.g. one estimated for this slide).
    pub fn with_matrix(&self, matrix: crate::matrix::StainMatrix) -> Result<Self> {
        let config = StainConfig {
            matrix,
            ..self.config.clone()
        };
        Self::with_segmenter(config, Arc::clone(&self.segmenter))
    }

    /// The analyser for one slide: when `stain_estimation.enabled`, the hematoxylin and DAB
    /// vectors are estimated from `images` (e.g. the slide's tumour patches) and the analyser
    /// uses them, else it is this one unchanged. The estimate (`None` when disabled) says which
    /// vectors were used and why.
    pub fn for_slide(&self, images: &[&RgbImage]) -> Result<(Self, Option<StainEstimate>)> {
        if !self.config.stain_estimation.enabled {
            return Ok((self.clone(), None));
        }
        let estimate = estimate_stains(images, &self.config.matrix, &self.config.stain_estimation)?;
        let analyzer = self.with_matrix(estimate.matrix.clone())?;
        Ok((analyzer, Some(estimate)))
    }

    /// Features of one patch imaged at `mpp` micrometres per pixel.
    pub fn analyze(&self, image: &RgbImage, mpp: f64) -> Result<PatchFeatures> {
        self.run(image, mpp, false).map(|(features, _)| features)
    }

    /// Features of one patch plus its cells with contours (for overlays and GeoJSON).
    pub fn analyze_with_cells(
        &self,
        image: &RgbImage,
        mpp: f64,
    ) -> Result<(PatchFeatures, Vec<Cell>)> {
        self.run(image, mpp, true)
    }

    fn run(
        &self,
        image: &RgbImage,
        mpp: f64,
        contours: bool,
    ) -> Result<(PatchFeatures, Vec<Cell>)> {
        if !(mpp.is_finite() && mpp > 0.0 && mpp <= 100.0) {
            return Err(StainError::InvalidImage(format!(
                "mpp {mpp} must be a positive number of micrometres per pixel"
            )));
        }
        let (w, h) = (image.width(), image.height());
        let n = w as usize * h as usize;
        if n == 0 {
            return Err(StainError::InvalidImage(format!(
                "{w}x{h} patch has no pixels"
            )));
        }
        let t = Instant::now();
        let planes = self.deconvolver.deconvolve(image);
        let dab_index = self.config.matrix.require(Stain::Dab)?;
        let dab = &planes.planes[dab_index];
        let mean_dab_od = dab.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
        let deconvolution_ms = ms(t);

        let t = Instant::now();
        let brown = brown_mask(image.as_raw(), &self.config.brown);
        let brown_ms = ms(t);

        let t = Instant::now();
        let seg = self.segmenter.segment(image, &planes, mpp)?;
        if seg.labels.len() != n || seg.width != w as usize {
            return Err(StainError::InvalidImage(format!(
                "segmenter returned a {}x{} label image for a {w}x{h} patch",
                seg.width, seg.height
            )));
        }
        let segmentation_ms = ms(t);

        let t = Instant::now();
        let od_mask;
        let stain_mask: &[bool] = match self.config.positivity.mask {
            StainMaskSource::Brown => &brown.mask,
            StainMaskSource::DabOd => {
                let thr = self.config.membrane.stained_dab_od;
                od_mask = dab.iter().map(|&d| d >= thr).collect::<Vec<bool>>();
                &od_mask
            }
        };
        let inputs = MembraneInputs {
            dab,
            stain_mask,
            mpp,
        };
        let c = &self.config;
        let mut cells = measure_cells(&seg, inputs, &c.membrane, &c.positivity, &c.classes);
        if contours {
            let mut first = vec![usize::MAX; cells.len()];
            for (i, &l) in seg.labels.iter().enumerate() {
                if l != 0 && first[l as usize - 1] == usize::MAX {
                    first[l as usize - 1] = i;
                }
            }
            for (cell, &start) in cells.iter_mut().zip(&first) {
                cell.contour = trace(&seg.labels, seg.width, seg.height, cell.label, start);
            }
        }
        let mut class_counts = ClassCounts::default();
        for cell in &cells {
            class_counts.record(cell.intensity, cell.complete);
        }
        let membranes_ms = ms(t);

        let features = PatchFeatures {
            width: w,
            height: h,
            mpp,
            staining_intensity: brown.intensity,
            brown_pixels: brown.pixels,
            stained_fraction: brown.pixels as f64 / n as f64,
            mean_dab_od,
            cell_count: cells.len() as u64,
            positive_cells: cells.iter().filter(|c| c.positive).count() as u64,
            complete_membrane_cells: cells.iter().filter(|c| c.complete).count() as u64,
            class_counts,
            timings: PatchTimings {
                deconvolution_ms,
                brown_ms,
                segmentation_ms,
                membranes_ms,
            },
        };
        Ok((features, cells))
    }
}
