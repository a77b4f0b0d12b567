//! The patch analyser: deconvolution, brown, cells, membranes -> [`PatchFeatures`].

use std::sync::Arc;
use std::time::Instant;

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::brown::brown_mask;
use crate::cell::Cell;
use crate::config::StainConfig;
use crate::contour::{region_start, simplify, trace};
use crate::deconvolve::Deconvolver;
use crate::error::{Result, StainError};
use crate::estimate::{StainEstimate, estimate_stains};
use crate::features::{ClassCounts, PatchFeatures, PatchTimings};
use crate::matrix::Stain;
use crate::membrane::{
    IntensityThresholds, MembraneInputs, StainMaskSource, cell_regions, measure_cells,
};
use crate::od_histogram::MembraneOdHistogram;
use crate::segment::{CellSegmenter, Segmentation, WatershedSegmenter};

/// Computes [`PatchFeatures`] (and optionally the cells) for RGB patches. Cheap to clone and
/// safe to share between threads.
#[derive(Debug, Clone)]
pub struct StainAnalyzer {
    config: StainConfig,
    /// Base-10 OD per channel taken off before deconvolution (the excess of the slide's
    /// glass over the reference glass); zero: measured against white.
    od_floor: [f64; 3],
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
        Self::build(config, segmenter, [0.0; 3])
    }

    fn build(
        config: StainConfig,
        segmenter: Arc<dyn CellSegmenter>,
        od_floor: [f64; 3],
    ) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            od_floor,
            deconvolver: Deconvolver::od10_above(&config.matrix, od_floor)?,
            segmenter,
            config,
        })
    }

    /// The same analyser with `od_floor` (base-10 OD per channel) taken off every pixel
    /// before deconvolution: the excess of a slide's dimmer or tinted glass over the glass
    /// the settings were made on, so that it does not read as stain everywhere.
    pub fn with_od_floor(&self, od_floor: [f64; 3]) -> Result<Self> {
        Self::build(self.config.clone(), Arc::clone(&self.segmenter), od_floor)
    }

    /// The OD taken off every channel before deconvolution (zero: none).
    pub fn od_floor(&self) -> [f64; 3] {
        self.od_floor
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
        Self::build(config, Arc::clone(&self.segmenter), self.od_floor)
    }

    /// The same analyser classing cells at other intensity cuts (those a slide's control or
    /// a lab's calibration set). The OD from which a membrane pixel counts as stained stays:
    /// scaled down with a pale stain it let hematoxylin cross-talk and noise pass for faint
    /// membranes (measured: every null slide of a 0.6x DAB run read 1+).
    pub fn with_intensity_cuts(&self, cuts: IntensityThresholds) -> Result<Self> {
        let config = StainConfig {
            classes: cuts,
            ..self.config.clone()
        };
        Self::build(config, Arc::clone(&self.segmenter), self.od_floor)
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
        self.run(image, mpp, PixelRect::whole(image), false)
            .map(|(features, _)| features)
    }

    /// Features of one patch plus its cells with contours (for overlays and GeoJSON).
    pub fn analyze_with_cells(
        &self,
        image: &RgbImage,
        mpp: f64,
    ) -> Result<(PatchFeatures, Vec<Cell>)> {
        self.run(image, mpp, PixelRect::whole(image), true)
    }

    /// The nuclei the segmenter finds in `image` at `mpp`, all of them (before the counting
    /// filter drops small ones): what a nucleus-detection evaluation scores
    /// ([`crate::match_centroids`]).
    pub fn segment(&self, image: &RgbImage, mpp: f64) -> Result<Segmentation> {
        check_input(image, mpp)?;
        let planes = self.deconvolver.deconvolve(image);
        let seg = self.segmenter.segment(image, &planes, mpp)?;
        check_segmentation(&seg, image)?;
        Ok(seg)
    }

    /// Features of the patch `core` of an image that also shows the tissue around it
    /// (context). Cells are segmented and their membrane rings measured on the whole image,
    /// and a cell counts when its centroid lies in `core`: a cell near the patch border keeps
    /// its whole nucleus and ring (cut at the border, a complete membrane reads incomplete),
    /// and patches that tile a slide count every cell once. The brown (paper) features and the
    /// mean DAB OD are those of `core` alone, as [`StainAnalyzer::analyze`] of the core.
    pub fn analyze_in_context(
        &self,
        image: &RgbImage,
        mpp: f64,
        core: PixelRect,
    ) -> Result<PatchFeatures> {
        self.run(image, mpp, core, false)
            .map(|(features, _)| features)
    }

    /// [`StainAnalyzer::analyze_in_context`] plus the cells counted (centroid in `core`),
    /// with contours, in the whole image's pixel coordinates.
    pub fn analyze_in_context_with_cells(
        &self,
        image: &RgbImage,
        mpp: f64,
        core: PixelRect,
    ) -> Result<(PatchFeatures, Vec<Cell>)> {
        self.run(image, mpp, core, true)
    }

    fn run(
        &self,
        image: &RgbImage,
        mpp: f64,
        core: PixelRect,
        contours: bool,
    ) -> Result<(PatchFeatures, Vec<Cell>)> {
        check_input(image, mpp)?;
        let (w, h) = (image.width(), image.height());
        if core.w == 0
            || core.h == 0
            || u64::from(core.x) + u64::from(core.w) > u64::from(w)
            || u64::from(core.y) + u64::from(core.h) > u64::from(h)
        {
            return Err(StainError::CoreOutside {
                core,
                width: w,
                height: h,
            });
        }
        let whole = core == PixelRect::whole(image);
        let core_pixels = core.w as usize * core.h as usize;
        let t = Instant::now();
        let planes = self.deconvolver.deconvolve(image);
        let dab_index = self.config.matrix.require(Stain::Dab)?;
        let dab = &planes.planes[dab_index];
        let mean_dab_od = (core.y as usize..(core.y + core.h) as usize)
            .map(|y| {
                let row = y * w as usize;
                dab[row + core.x as usize..row + (core.x + core.w) as usize]
                    .iter()
                    .map(|&v| f64::from(v))
                    .sum::<f64>()
            })
            .sum::<f64>()
            / core_pixels as f64;
        let deconvolution_ms = ms(t);

        let t = Instant::now();
        let brown = if whole {
            brown_mask(image.as_raw(), &self.config.brown)
        } else {
            let cropped = image::imageops::crop_imm(image, core.x, core.y, core.w, core.h);
            brown_mask(cropped.to_image().as_raw(), &self.config.brown)
        };
        let brown_ms = ms(t);

        let t = Instant::now();
        let seg = self.segmenter.segment(image, &planes, mpp)?;
        check_segmentation(&seg, image)?;
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
        let min_area = c.counting.min_nucleus_um2;
        cells.retain(|cell| cell.area_um2 >= min_area && (whole || core.contains(cell.centroid)));
        if contours {
            let mut first = vec![usize::MAX; seg.count as usize];
            for (i, &l) in seg.labels.iter().enumerate() {
                if l != 0 && first[l as usize - 1] == usize::MAX {
                    first[l as usize - 1] = i;
                }
            }
            let regions = cell_regions(&seg, mpp, &c.membrane);
            let mut seen = vec![false; regions.len()];
            for cell in &mut cells {
                let start = first[cell.label as usize - 1];
                cell.contour = trace(&seg.labels, seg.width, seg.height, cell.label, start);
                let outer = region_start(&regions, seg.width, cell.label, start, &mut seen);
                // Within a pixel of the traced outline, with ~10x fewer vertices (a cell's
                // staircase outline has ~200; 10^5 cells' boundaries are kept per slide).
                cell.boundary = simplify(
                    &trace(&regions, seg.width, seg.height, cell.label, outer),
                    1.0,
                );
            }
        }
        let mut class_counts = ClassCounts::default();
        let mut membrane_od = MembraneOdHistogram::default();
        for cell in &cells {
            class_counts.record(cell.intensity, cell.complete);
            if cell.positive {
                membrane_od.record(cell.membrane_dab_od, cell.complete);
            }
        }
        let membranes_ms = ms(t);

        let features = PatchFeatures {
            width: core.w,
            height: core.h,
            mpp,
            staining_intensity: brown.intensity,
            brown_pixels: brown.pixels,
            stained_fraction: brown.pixels as f64 / core_pixels as f64,
            mean_dab_od,
            cell_count: cells.len() as u64,
            positive_cells: cells.iter().filter(|c| c.positive).count() as u64,
            complete_membrane_cells: cells.iter().filter(|c| c.complete).count() as u64,
            class_counts,
            membrane_od,
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

/// Refuses an image without pixels or a pixel size that is not a positive, plausible number
/// of micrometres.
fn check_input(image: &RgbImage, mpp: f64) -> Result<()> {
    if !(mpp.is_finite() && mpp > 0.0 && mpp <= 100.0) {
        return Err(StainError::InvalidMpp { mpp });
    }
    let (w, h) = (image.width(), image.height());
    if w == 0 || h == 0 {
        return Err(StainError::EmptyImage {
            width: w,
            height: h,
        });
    }
    Ok(())
}

/// Refuses a segmentation whose label image does not have the image's size.
fn check_segmentation(seg: &Segmentation, image: &RgbImage) -> Result<()> {
    let (w, h) = (image.width() as usize, image.height() as usize);
    if seg.labels.len() != w * h || seg.width != w || seg.height != h {
        return Err(StainError::SegmentationSize {
            got: (seg.width, seg.height),
            expected: (w, h),
        });
    }
    Ok(())
}

/// A rectangle of an image's pixels: the patch whose features are reported when the analysed
/// image carries context around it ([`StainAnalyzer::analyze_in_context`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PixelRect {
    /// Left column.
    pub x: u32,
    /// Top row.
    pub y: u32,
    /// Width in pixels.
    pub w: u32,
    /// Height in pixels.
    pub h: u32,
}

impl PixelRect {
    /// The rectangle (x, y, w, h).
    pub fn new(x: u32, y: u32, w: u32, h: u32) -> Self {
        Self { x, y, w, h }
    }

    /// All of `image`.
    pub fn whole(image: &RgbImage) -> Self {
        Self::new(0, 0, image.width(), image.height())
    }

    /// Whether the point `[x, y]` (pixel centres at integer + 0.5) lies inside.
    pub fn contains(&self, [x, y]: [f64; 2]) -> bool {
        x >= f64::from(self.x)
            && x < f64::from(self.x) + f64::from(self.w)
            && y >= f64::from(self.y)
            && y < f64::from(self.y) + f64::from(self.h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A pale image with one nucleus of radius `r` px at (cx, cy), ringed by membrane stain
    /// 6-9 px outside it, at 0.5 um/px.
    fn one_cell(w: u32, h: u32, cx: i64, cy: i64, r: i64) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            let d2 = (i64::from(x) - cx).pow(2) + (i64::from(y) - cy).pow(2);
            if d2 <= r * r {
                Rgb([90, 90, 160])
            } else if ((r + 6) * (r + 6)..=(r + 9) * (r + 9)).contains(&d2) {
                Rgb([140, 90, 50])
            } else {
                Rgb([235, 232, 230])
            }
        })
    }

    #[test]
    fn context_keeps_the_ring_of_a_cell_at_the_core_border() {
        let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
        let image = one_cell(96, 64, 40, 32, 8);
        // The core ends 12 px right of the centroid, inside the ring band and before the
        // membrane (14-17 px out): analysed alone, the ring's right sectors are unstained.
        let core = PixelRect::new(0, 0, 52, 64);
        let cropped = image::imageops::crop_imm(&image, 0, 0, 52, 64).to_image();
        let (alone, _) = analyzer.analyze_with_cells(&cropped, 0.5).unwrap();
        assert_eq!(alone.cell_count, 1);
        assert_eq!(alone.complete_membrane_cells, 0);
        let (seen, cells) = analyzer
            .analyze_in_context_with_cells(&image, 0.5, core)
            .unwrap();
        assert_eq!((seen.cell_count, seen.complete_membrane_cells), (1, 1));
        assert_eq!((seen.width, seen.height), (52, 64));
        assert_eq!(cells.len(), 1);
        // Brown features are the core's, as when the core is analysed alone.
        assert_eq!(seen.brown_pixels, alone.brown_pixels);
        assert_eq!(seen.staining_intensity, alone.staining_intensity);
        assert!((seen.mean_dab_od - alone.mean_dab_od).abs() < 1e-9);
        // The neighbouring core, right of the centroid, does not count the cell again.
        let right = analyzer
            .analyze_in_context(&image, 0.5, PixelRect::new(52, 0, 44, 64))
            .unwrap();
        assert_eq!(right.cell_count, 0);
    }

    #[test]
    fn a_cell_boundary_is_its_nucleus_with_the_membrane_ring() {
        let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
        // Radius 8 px at 0.5 um/px; the ring reaches 1 + 9 = 10 um = 20 px beyond the nucleus.
        let image = one_cell(96, 64, 40, 32, 8);
        let (_, cells) = analyzer.analyze_with_cells(&image, 0.5).unwrap();
        assert_eq!(cells.len(), 1);
        let bbox = |points: &[[u32; 2]]| {
            let xs = points.iter().map(|p| p[0]);
            let ys = points.iter().map(|p| p[1]);
            (
                xs.clone().min().unwrap(),
                xs.max().unwrap(),
                ys.clone().min().unwrap(),
                ys.max().unwrap(),
            )
        };
        let (nx0, nx1, ny0, ny1) = bbox(&cells[0].contour);
        let (bx0, bx1, by0, by1) = bbox(&cells[0].boundary);
        // The nucleus spans ~17 px; the cell ~17 + 2 x 20 px.
        assert!((15..=20).contains(&(nx1 - nx0)), "nucleus {nx0}..{nx1}");
        assert!(bx0 < nx0 && bx1 > nx1 && by0 <= ny0 && by1 >= ny1);
        assert!((54..=60).contains(&(bx1 - bx0)), "cell {bx0}..{bx1}");
        assert!((54..=60).contains(&(by1 - by0)), "cell {by0}..{by1}");
    }

    #[test]
    fn small_nuclei_are_segmented_but_not_counted() {
        // Radius 4 px at 0.5 um/px: ~12.6 um^2, a lymphocyte's size.
        let image = one_cell(48, 48, 24, 24, 4);
        let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
        assert_eq!(analyzer.analyze(&image, 0.5).unwrap().cell_count, 0);
        let mut config = StainConfig::default();
        config.counting.min_nucleus_um2 = 0.0;
        let all = StainAnalyzer::new(config).unwrap();
        assert_eq!(all.analyze(&image, 0.5).unwrap().cell_count, 1);
    }

    #[test]
    fn a_core_outside_the_image_is_refused() {
        let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
        let image = one_cell(32, 32, 16, 16, 6);
        for core in [PixelRect::new(0, 0, 0, 8), PixelRect::new(20, 0, 13, 8)] {
            assert!(analyzer.analyze_in_context(&image, 0.5, core).is_err());
        }
    }
}
