//! [`Pipeline`]: the paper's stages composed through their traits. Each stage can be replaced
//! ([`PipelineBuilder`]); the slide is streamed patch by patch, never held whole.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use her2_score::{Her2Score, RuleKind, Scorer, SlideAggregator, SlideFeatures};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use stain_features::{CellSegmenter, PatchFeatures, PixelRect, StainAnalyzer, StainEstimate};
use tissue_mask::{MaskSource, OtsuDetector, PieceRole, TissueDetector, TissueMask};
use tumor_classifier::{TumorAnnotation, TumorMap, TumorMask, TumorModel, classify_slide};
use wsi_io::{Patch, PatchGrid, Rect, Slide, read_patch};

use crate::annotated::{annotated_patches, keep_cells_inside};
use crate::cells::SlideCell;
use crate::config::PipelineConfig;
use crate::error::{Her2Error, Result};
use crate::input::{input_info, open_slide};
use crate::report::{ControlReport, Her2Report, REPORT_SCHEMA_VERSION, StageTimings, TumorSummary};
use crate::tissue_step::{Thumbnail, TissueSource, find_tissue, thumbnail};

/// What to do with one slide beyond the pipeline's configuration.
#[derive(Debug, Clone, Default)]
pub struct SlideRequest {
    /// Level-0 microns per pixel, overriding (or completing) the file's.
    pub mpp: Option<f64>,
    /// Where the tissue comes from.
    pub tissue: TissueSource,
    /// Tissue piece ids not to score.
    pub exclude_pieces: Vec<u32>,
    /// Keep every cell (level-0 contours) for overlays and GeoJSON.
    pub keep_cells: bool,
    /// Draw progress bars on stderr (hidden when stderr is not a terminal).
    pub progress: bool,
}

/// One analysed feature patch.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[non_exhaustive]
pub struct PatchResult {
    /// Where it is (level 0); a patch at the right or bottom edge is cut to the slide.
    pub rect: Rect,
    /// Fraction of it the tumour mask covers (with a user's annotation: the fraction that is
    /// annotated tissue, sampled every few micrometres).
    pub tumor_fraction: f64,
    /// Its features.
    pub features: PatchFeatures,
    /// The configured rule's score of this patch alone (for the overlay and heterogeneity).
    pub score: Her2Score,
}

/// Everything the pipeline learnt about a slide: the report and the evidence behind it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SlideAnalysis {
    /// The report.
    pub report: Her2Report,
    /// The thumbnail the tissue was found on.
    pub thumbnail: Thumbnail,
    /// The tissue mask, with pieces and their roles.
    pub tissue: TissueMask,
    /// Tumour probabilities on the classifier's grid.
    pub tumor_map: TumorMap,
    /// The thresholded tumour mask.
    pub tumor_mask: TumorMask,
    /// The analysed tumour patches, in raster order.
    pub patches: Vec<PatchResult>,
    /// The cells of those patches (empty unless [`SlideRequest::keep_cells`]).
    pub cells: Vec<SlideCell>,
}

/// How [`Pipeline::analyse_patches`] treats the patches it analyses.
#[derive(Clone, Copy, Default)]
struct Analysis<'a> {
    /// Keep every cell (level-0 contours).
    keep_cells: bool,
    /// Draw a progress bar.
    progress: bool,
    /// The user's tumour: only the cells whose centroid lies in it count.
    annotation: Option<&'a TumorAnnotation>,
}

/// The her2 pipeline: tissue -> tumour -> stain features -> score.
///
/// Every stage is a trait object behind an [`Arc`] (`Send + Sync`), so a pipeline can be
/// shared across threads and a stage shared between pipelines.
pub struct Pipeline {
    config: PipelineConfig,
    tissue: Arc<dyn TissueDetector>,
    tumor: Arc<dyn TumorModel>,
    analyzer: StainAnalyzer,
    /// The scorer given to the builder; `None`: the configured built-in rule
    /// (`scoring.rule`), looked up in `config` when scoring.
    scorer: Option<Arc<dyn Scorer>>,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("config", &self.config)
            .field("tumor_model", &self.tumor.id())
            .field("scorer", &self.scorer().name())
            .finish_non_exhaustive()
    }
}

/// Builds a [`Pipeline`], replacing any stage with your own implementation: one method per
/// stage trait ([`TissueDetector`], [`TumorModel`], [`CellSegmenter`], [`Scorer`]), each
/// taking the stage as an `Arc<dyn …>`.
pub struct PipelineBuilder {
    config: PipelineConfig,
    tissue: Option<Arc<dyn TissueDetector>>,
    tumor: Option<Arc<dyn TumorModel>>,
    segmenter: Option<Arc<dyn CellSegmenter>>,
    scorer: Option<Arc<dyn Scorer>>,
}

impl PipelineBuilder {
    /// A builder with this configuration and the paper's stages.
    pub fn new(config: PipelineConfig) -> Self {
        Self {
            config,
            tissue: None,
            tumor: None,
            segmenter: None,
            scorer: None,
        }
    }

    /// Uses another tissue detector instead of the configured Otsu detector
    /// (`tissue.detector`).
    pub fn tissue_detector(mut self, detector: Arc<dyn TissueDetector>) -> Self {
        self.tissue = Some(detector);
        self
    }

    /// The tumour model (required): a trained ResNet, "all tissue is tumour", an annotation,
    /// or your own.
    pub fn tumor_model(mut self, model: Arc<dyn TumorModel>) -> Self {
        self.tumor = Some(model);
        self
    }

    /// Uses another cell segmenter instead of the configured one
    /// (`features.stain.segmentation`).
    pub fn cell_segmenter(mut self, segmenter: Arc<dyn CellSegmenter>) -> Self {
        self.segmenter = Some(segmenter);
        self
    }

    /// Scores slides and patches with another rule instead of the configured built-in one
    /// (`scoring.rule`). The report's `assessment` is then this scorer's, with the
    /// configuration's flags and split of 0; `all_rules` still compares the built-in rules.
    pub fn scorer(mut self, scorer: Arc<dyn Scorer>) -> Self {
        self.scorer = Some(scorer);
        self
    }

    /// Validates the configuration and assembles the pipeline.
    pub fn build(self) -> Result<Pipeline> {
        self.config.validate()?;
        let tumor = self.tumor.ok_or(Her2Error::NoTumorModel)?;
        let tissue: Arc<dyn TissueDetector> = match self.tissue {
            Some(detector) => detector,
            None => Arc::new(OtsuDetector::new(self.config.tissue.detector.clone())?),
        };
        let stain = self.config.features.stain.clone();
        let analyzer = match self.segmenter {
            Some(segmenter) => StainAnalyzer::with_segmenter(stain, segmenter)?,
            None => StainAnalyzer::new(stain)?,
        };
        Ok(Pipeline {
            config: self.config,
            tissue,
            tumor,
            analyzer,
            scorer: self.scorer,
        })
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn progress_bar(show: bool, len: usize, what: &str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let template = format!("{what} {{bar:40}} {{pos}}/{{len}} {{per_sec}} eta {{eta}}");
    ProgressBar::new(len as u64).with_style(
        ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}

impl Pipeline {
    /// The configuration in use.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// The scorer in use: the builder's, or the configured built-in rule.
    pub fn scorer(&self) -> &dyn Scorer {
        match &self.scorer {
            Some(scorer) => scorer.as_ref(),
            None => self.config.scoring.scorer(self.config.scoring.rule),
        }
    }

    /// Opens the slide at `path` and scores it (the report's `timings_ms.open` includes
    /// opening the file).
    pub fn run(&self, path: &Path, request: &SlideRequest) -> Result<SlideAnalysis> {
        let started = Instant::now();
        let (slide, _) = open_slide(path, request.mpp)?;
        self.run_timed(slide.as_ref(), request, started)
    }

    /// Scores an open slide: one read from a file, or one held in memory
    /// ([`wsi_io::ImageSlide::from_rgb`], or your own [`Slide`]). The report's input hash and
    /// size are those of the file at [`Slide::path`] when one exists there, `None` otherwise.
    pub fn run_slide(&self, slide: &dyn Slide, request: &SlideRequest) -> Result<SlideAnalysis> {
        self.run_timed(slide, request, Instant::now())
    }

    /// [`Pipeline::run_slide`], with `started` the moment the run began (for the timings).
    fn run_timed(
        &self,
        slide: &dyn Slide,
        request: &SlideRequest,
        started: Instant,
    ) -> Result<SlideAnalysis> {
        let mut timings = StageTimings::default();
        let input = input_info(slide, request.mpp)?;
        let mpp = input.mpp;
        timings.open = ms(started);

        let t = Instant::now();
        let thumb = thumbnail(slide, self.config.tissue.thumbnail_max_side)?;
        let tissue = find_tissue(
            slide,
            &thumb,
            mpp,
            self.tissue.as_ref(),
            &request.tissue,
            &request.exclude_pieces,
        )?;
        timings.tissue = ms(t);

        let t = Instant::now();
        // Grids keep the partial patches of the right and bottom edges; their fractions are
        // of the part inside the slide.
        let (slide_w, slide_h) = slide.dimensions();
        let in_slide = |r: Rect| r.intersection(&Rect::full(slide_w, slide_h)).unwrap_or(r);
        let min_tissue = self.config.tumor.min_tissue_fraction;
        let is_tissue = |r: Rect| {
            let r = in_slide(r);
            tissue.coverage(r.x as f64, r.y as f64, r.w as f64, r.h as f64) >= min_tissue
        };
        let inference = tumor_classifier::InferenceConfig {
            show_progress: request.progress,
            ..self.config.tumor.inference.clone()
        };
        let tumor_map = classify_slide(slide, self.tumor.as_ref(), &is_tissue, &inference)?;
        let tumor_mask = tumor_map.tumor_mask(&inference.mask);
        let annotation = self.tumor.annotation();
        if annotation.is_none() && tumor_mask.tumor_cells() == 0 {
            return Err(Her2Error::NoTumour {
                path: slide.path().to_path_buf(),
                classified: tumor_map.classified_cells(),
                threshold: inference.mask.threshold,
            });
        }
        timings.tumor = ms(t);

        let t = Instant::now();
        let grid = PatchGrid::new(slide, None, &self.config.features.grid)?;
        let min_tumor = self.config.features.min_tumor_fraction;
        let tumor_patches: Vec<(Patch, f64)> = match annotation {
            // The user's tumour: every patch it touches on tissue, however small the nest.
            Some(a) => annotated_patches(grid.iter(), a, &tissue, mpp, in_slide),
            None => grid
                .iter()
                .map(|p| (p, tumor_mask.fraction(in_slide(p.rect))))
                .filter(|(_, f)| *f >= min_tumor)
                .collect(),
        };
        if annotation.is_some() && tumor_patches.is_empty() {
            return Err(Her2Error::AnnotationOffTissue {
                path: slide.path().to_path_buf(),
                annotation: self.tumor.id(),
            });
        }
        let (analyzer, stain_estimate) = self.slide_analyzer(slide, &tumor_patches)?;
        let analyzer = match slide_glass(&tissue) {
            Some(glass) if self.config.features.od_against_glass => {
                let reference = self.config.features.reference_glass_od;
                let excess =
                    glass.map(|c| (-(c.clamp(1.0, 255.0) / 255.0).log10() - reference).max(0.0));
                analyzer.with_od_floor(excess)?
            }
            _ => analyzer,
        };
        // the control first: the cuts the tumour's cells are classed at scale with it (or
        // come from the lab's calibration)
        let control = self.control_features(&analyzer, slide, mpp, &tissue)?;
        let control_features = control.as_ref().map(|c| &c.features);
        let intensity_reference = self
            .config
            .scoring
            .intensity
            .reference(&self.config.features.stain.classes, control_features);
        let analyzer = match intensity_reference.anchored_cuts() {
            Some(cuts) => analyzer.with_intensity_cuts(cuts.clone())?,
            None => analyzer,
        };
        let (analysed, cells) = self.analyse_patches(
            &analyzer,
            slide,
            mpp,
            &tumor_patches,
            Analysis {
                keep_cells: request.keep_cells,
                progress: request.progress,
                annotation,
            },
        )?;
        timings.features = ms(t);

        let t = Instant::now();
        let mut aggregator = self.config.scoring.aggregator();
        for patch in &analysed {
            aggregator.add(&patch.features)?;
        }
        let features = aggregator.finish();
        let assessment =
            self.config
                .scoring
                .assess_with(self.scorer(), &features, control_features);
        let all_rules: BTreeMap<RuleKind, _> = self
            .config
            .scoring
            .assess_all(&features, control_features)
            .into_iter()
            .collect();
        timings.scoring = ms(t);
        timings.total = ms(started);

        let report = Her2Report {
            schema_version: REPORT_SCHEMA_VERSION,
            her2_version: env!("CARGO_PKG_VERSION").to_owned(),
            input,
            assessment,
            all_rules,
            features,
            intensity_reference,
            control,
            tissue: tissue.summary(),
            stain_estimate,
            tumor: TumorSummary {
                model_id: self.tumor.id(),
                classified_patches: tumor_map.classified_cells(),
                tumor_patches: tumor_mask.tumor_cells(),
                threshold: inference.mask.threshold,
                feature_patches: analysed.len(),
            },
            config: self.config.clone(),
            timings_ms: timings,
        };
        Ok(SlideAnalysis {
            report,
            thumbnail: thumb,
            tissue,
            tumor_map,
            tumor_mask,
            patches: analysed,
            cells,
        })
    }

    /// The stain analyser for this slide: the configured one, or, when
    /// `features.stain.stain_estimation.enabled`, one whose hematoxylin and DAB vectors are
    /// estimated from up to `max_estimation_patches` tumour patches spread over the slide.
    fn slide_analyzer(
        &self,
        slide: &dyn Slide,
        tumor_patches: &[(Patch, f64)],
    ) -> Result<(StainAnalyzer, Option<StainEstimate>)> {
        if !self.config.features.stain.stain_estimation.enabled || tumor_patches.is_empty() {
            return Ok((self.analyzer.clone(), None));
        }
        let step = tumor_patches
            .len()
            .div_ceil(self.config.features.max_estimation_patches.max(1));
        let images = tumor_patches
            .par_iter()
            .step_by(step)
            .map(|(patch, _)| Ok(read_patch(slide, patch)?))
            .collect::<Result<Vec<_>>>()?;
        let refs: Vec<&image::RgbImage> = images.iter().collect();
        Ok(self.analyzer.for_slide(&refs)?)
    }

    /// Reads and analyses patches in bounded chunks (parallel inside a chunk), in order.
    fn analyse_patches(
        &self,
        analyzer: &StainAnalyzer,
        slide: &dyn Slide,
        mpp: f64,
        patches: &[(Patch, f64)],
        how: Analysis<'_>,
    ) -> Result<(Vec<PatchResult>, Vec<SlideCell>)> {
        let Analysis {
            keep_cells,
            progress,
            annotation,
        } = how;
        let bar = progress_bar(progress, patches.len(), "tumour features");
        let (slide_w, slide_h) = slide.dimensions();
        let slide_rect = Rect::full(slide_w, slide_h);
        let context_um = self.config.features.context_um;
        let rule = self.scorer();
        let mut results = Vec::with_capacity(patches.len());
        let mut cells = Vec::new();
        for chunk in patches.chunks(self.config.features.chunk) {
            let analysed = chunk
                .par_iter()
                .map(|(patch, fraction)| {
                    let patch_mpp = mpp * patch.rect.w as f64 / f64::from(patch.out_px);
                    let (image, core, origin) =
                        read_with_context(slide, patch, patch_mpp, context_um)?;
                    let (mut features, mut patch_cells) = if keep_cells || annotation.is_some() {
                        analyzer.analyze_in_context_with_cells(&image, patch_mpp, core)?
                    } else {
                        (
                            analyzer.analyze_in_context(&image, patch_mpp, core)?,
                            Vec::new(),
                        )
                    };
                    if let Some(annotation) = annotation {
                        let scale = patch.rect.w as f64 / f64::from(patch.out_px);
                        keep_cells_inside(&mut features, &mut patch_cells, |c| {
                            let [x, y] = SlideCell::level0(c.centroid, &origin, scale);
                            annotation.contains(x, y)
                        });
                        if !keep_cells {
                            patch_cells.clear();
                        }
                    }
                    Ok((*patch, *fraction, features, patch_cells, origin))
                })
                .collect::<Result<Vec<_>>>()?;
            for (patch, fraction, features, patch_cells, origin) in analysed {
                let mut alone = self.config.scoring.aggregator();
                alone.add(&features)?;
                let score = rule.score(&alone.finish()).score;
                let scale = patch.rect.w as f64 / f64::from(patch.out_px);
                cells.extend(
                    patch_cells
                        .iter()
                        .map(|c| SlideCell::from_patch_cell(c, results.len(), &origin, scale)),
                );
                results.push(PatchResult {
                    rect: patch.rect.intersection(&slide_rect).unwrap_or(patch.rect),
                    tumor_fraction: fraction,
                    features,
                    score,
                });
            }
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        Ok((results, cells))
    }

    /// Features of the control pieces (a sample of their patches), when the slide has any.
    fn control_features(
        &self,
        analyzer: &StainAnalyzer,
        slide: &dyn Slide,
        mpp: f64,
        tissue: &TissueMask,
    ) -> Result<Option<ControlReport>> {
        let max = self.config.features.max_control_patches;
        let controls: Vec<_> = tissue
            .pieces()
            .iter()
            .filter(|p| p.role == PieceRole::Control)
            .collect();
        if controls.is_empty() || max == 0 {
            return Ok(None);
        }
        let d = tissue.downsample();
        let mut candidates = Vec::new();
        for piece in &controls {
            let [x0, y0, x1, y1] = piece.bbox;
            let (w, h) = slide.dimensions();
            let region = Rect::new(
                x0.max(0.0) as u64,
                y0.max(0.0) as u64,
                (x1.min(w as f64) - x0.max(0.0)).max(1.0) as u64,
                (y1.min(h as f64) - y0.max(0.0)).max(1.0) as u64,
            );
            let grid_config = wsi_io::PatchGridConfig {
                keep_partial: true,
                ..self.config.features.grid
            };
            let grid = PatchGrid::new(slide, Some(region), &grid_config)?;
            candidates.extend(grid.iter().filter(|p| {
                let cx = (p.rect.x as f64 + p.rect.w as f64 / 2.0) / d;
                let cy = (p.rect.y as f64 + p.rect.h as f64 / 2.0) / d;
                tissue.bitmap().get(cx as u32, cy as u32)
            }));
        }
        if candidates.is_empty() {
            return Ok(None);
        }
        let step = candidates.len().div_ceil(max);
        let sample: Vec<(Patch, f64)> = candidates
            .into_iter()
            .step_by(step)
            .map(|p| (p, 1.0))
            .collect();
        let (analysed, _) =
            self.analyse_patches(analyzer, slide, mpp, &sample, Analysis::default())?;
        let mut aggregator: SlideAggregator = self.config.scoring.aggregator();
        for patch in &analysed {
            aggregator.add(&patch.features)?;
        }
        let features: SlideFeatures = aggregator.finish();
        Ok(Some(ControlReport {
            pieces: controls.iter().map(|p| p.id).collect(),
            features,
        }))
    }
}

/// The slide's glass (8-bit RGB) as the tissue step found it, when it looked for one and found
/// one.
fn slide_glass(tissue: &TissueMask) -> Option<[f64; 3]> {
    match tissue.source() {
        MaskSource::GlassContrast(t) if t.glass.found => Some(t.glass.rgb),
        _ => None,
    }
}

/// Reads `patch` with `context_um` micrometres of the slide around it, resampled like the patch
/// (`patch_mpp` micrometres per output pixel): the image, the patch's place in it and the
/// image's level-0 rectangle (its origin places the cells). The context is narrower at the
/// slide's top and left edges, where a read cannot start before the slide; past the right and
/// bottom edges the slide reads white, and the patch's place (the core whose features are
/// reported) stops at the slide's edge, so a partial patch is measured on its slide part
/// alone. `context_um` 0 reads the patch.
fn read_with_context(
    slide: &dyn Slide,
    patch: &Patch,
    patch_mpp: f64,
    context_um: f64,
) -> Result<(image::RgbImage, PixelRect, Rect)> {
    let ds = patch.level_downsample;
    // Level pixels per output pixel; a level pixel is `patch_mpp / ratio` micrometres.
    let ratio = f64::from(patch.read_px) / f64::from(patch.out_px);
    let margin = (context_um * ratio / patch_mpp).ceil().max(0.0) as u64;
    // The patch's output pixels that lie on the slide (all but at the right and bottom edges).
    let (slide_w, slide_h) = slide.dimensions();
    let level0_per_out = patch.rect.w as f64 / f64::from(patch.out_px);
    let on_slide = |start: u64, end: u64| {
        let px = (end.saturating_sub(start) as f64 / level0_per_out).ceil();
        (px as u32).clamp(1, patch.out_px)
    };
    let (core_w, core_h) = (
        on_slide(patch.rect.x, slide_w),
        on_slide(patch.rect.y, slide_h),
    );
    if margin == 0 {
        let core = PixelRect::new(0, 0, core_w, core_h);
        return Ok((read_patch(slide, patch)?, core, patch.rect));
    }
    // Level pixels of context on each side; fewer where the slide starts.
    let left = margin.min((patch.rect.x as f64 / ds).floor() as u64);
    let top = margin.min((patch.rect.y as f64 / ds).floor() as u64);
    let read = |before: u64| u32::try_from(u64::from(patch.read_px) + before + margin);
    let too_big = |_| Her2Error::ContextTooLarge {
        context_um,
        patch_px: patch.read_px,
    };
    let (read_w, read_h) = (read(left).map_err(too_big)?, read(top).map_err(too_big)?);
    let out = |level_px: u64| (level_px as f64 / ratio).round() as u32;
    let x0 = patch
        .rect
        .x
        .saturating_sub((left as f64 * ds).round() as u64);
    let y0 = patch
        .rect
        .y
        .saturating_sub((top as f64 * ds).round() as u64);
    let pixels = slide.read_region(x0 as i64, y0 as i64, patch.level, read_w, read_h)?;
    let image = wsi_io::resize_rgb(pixels, out(u64::from(read_w)), out(u64::from(read_h)))?;
    let core = PixelRect::new(out(left), out(top), core_w, core_h);
    let origin = Rect::new(
        x0,
        y0,
        (f64::from(read_w) * ds).round() as u64,
        (f64::from(read_h) * ds).round() as u64,
    );
    Ok((image, core, origin))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsi_io::{ImageSlide, Mpp, OpenOptions, PatchGridConfig};

    /// A plain-image slide of `side` x `side` pixels with distinct pixels, at `mpp`.
    fn slide(side: u32, mpp: f64) -> ImageSlide {
        let image = image::RgbImage::from_fn(side, side, |x, y| {
            image::Rgb([
                (x % 251) as u8,
                (y % 241) as u8,
                ((x / 7 + y / 5) % 256) as u8,
            ])
        });
        let options = OpenOptions::with_mpp(Mpp::square(mpp));
        ImageSlide::from_rgb("mem.png", image, "generated", &options).unwrap()
    }

    /// The feature patch grid: 512 px at 0.5 um/px.
    fn feature_grid() -> PatchGridConfig {
        PatchGridConfig {
            patch_px: 512,
            target_mpp: 0.5,
            ..PatchGridConfig::default()
        }
    }

    #[test]
    fn patches_are_read_with_context_and_placed_in_it() {
        // 20x: 512 px patches read 1:1; 16 um of context = 32 px, none before the slide.
        let s = slide(2048, 0.5);
        let grid = PatchGrid::new(&s, None, &feature_grid()).unwrap();
        let inner = grid
            .iter()
            .find(|p| p.rect.x == 512 && p.rect.y == 1024)
            .unwrap();
        let (image, core, origin) = read_with_context(&s, &inner, 0.5, 16.0).unwrap();
        assert_eq!((image.width(), image.height()), (576, 576));
        assert_eq!(core, PixelRect::new(32, 32, inner.out_px, inner.out_px));
        assert_eq!((origin.x, origin.y), (480, 992));
        let alone = read_patch(&s, &inner).unwrap();
        let cropped = image::imageops::crop_imm(&image, core.x, core.y, core.w, core.h);
        assert_eq!(cropped.to_image(), alone);
        let corner = grid
            .iter()
            .find(|p| p.rect.x == 0 && p.rect.y == 0)
            .unwrap();
        let (image, core, origin) = read_with_context(&s, &corner, 0.5, 16.0).unwrap();
        assert_eq!(
            (image.width(), image.height(), core.x, core.y),
            (544, 544, 0, 0)
        );
        assert_eq!((origin.x, origin.y), (0, 0));
        // 40x: 1024 level pixels resampled to 512; 16 um = 64 level pixels = 32 output pixels.
        let s = slide(4096, 0.25);
        let grid = PatchGrid::new(&s, None, &feature_grid()).unwrap();
        let p = grid
            .iter()
            .find(|p| p.rect.x == 1024 && p.rect.y == 1024)
            .unwrap();
        assert_eq!((p.read_px, p.out_px), (1024, 512));
        let (image, core, origin) = read_with_context(&s, &p, 0.5, 16.0).unwrap();
        assert_eq!((image.width(), core.x, core.y), (576, 32, 32));
        assert_eq!((origin.x, origin.w), (960, 1152));
        // No context: the patch itself.
        let (image, core, origin) = read_with_context(&s, &p, 0.5, 0.0).unwrap();
        assert_eq!((image.width(), core.x, origin), (512, 0, p.rect));
    }
}
