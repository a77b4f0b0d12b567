//! Training patches drawn from annotated slides, as the paper does: random patches at the
//! training resolution, labelled tumour when enough of the patch lies inside the tumour
//! annotation and normal when it lies on tissue outside it.
//!
//! Each slide ([`AnnotatedSlide`]) comes with a tumour annotation (a GeoJSON file of
//! level-0 polygons, QuPath-style, or a binary mask image of any size, scaled to the slide)
//! and optionally a tissue mask (image or GeoJSON); without one, the tissue is found by a
//! [`TissueFinder`] (the `her2` command line plugs in the `tissue-mask` detector, control
//! pieces dropped). GeoJSON features classified `Control`, `Ignore*` or `Exclude` mark areas
//! no patch may touch (ihc-synth's `.outlines.geojson` marks its 3+ control piece so).
//!
//! How a slide is drawn ([`PatchDataset::from_slides`]):
//! 1. `wsi_io::PatchGrid` at the model's patch size and resolution picks the pyramid level,
//!    the read size and the patch side `L` in level-0 pixels (256 px at 0.5 um/px: `L` = 512
//!    on a 40x scan).
//! 2. The slide is divided into cells of `L / 8` level-0 pixels; each cell is labelled tumour,
//!    tissue and excluded by its centre (point in polygon, or the mask pixel under it).
//! 3. Candidate patches have their top-left corner on that lattice (every `L / 8`, i.e. 32
//!    output pixels); a patch's tumour and tissue fractions are the shares of its 8 x 8 cells.
//!    Tumour candidates: tumour fraction >= `min_tumor_fraction` and tissue fraction >=
//!    `min_tissue_fraction`; normal candidates: tumour fraction <= `max_normal_tumor_fraction`
//!    and the same tissue minimum. A candidate touching an excluded cell is neither.
//! 4. `patches_per_slide x tumor_share` tumour and the rest normal are drawn without
//!    replacement (ChaCha8 seeded by the seed and the slide's index; fewer when the slide has
//!    fewer candidates). Patches of one slide may overlap.
//!
//! Only positions are kept: the pixels are read when a batch needs them
//! ([`PatchReader`](crate::dataset::PatchReader): lazy, a bounded set of open slides and a
//! bounded in-memory cache).

use std::path::{Path, PathBuf};

use image::GrayImage;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wsi_io::{PatchGrid, PatchGridConfig, Slide};

use crate::annotation::{
    Polygon, classified_polygons_from_geojson, is_excluded_class, is_tissue_class, is_tumor_class,
    select,
};
use crate::dataset::{PatchDataset, PatchSample, PatchSource, SlidePatches, open_slide};
use crate::error::{ClassifierError, Result};
use crate::geometry::Bitmap;

/// Lattice cells per patch side.
const CELLS: usize = 8;

/// Files tried beside a slide `<stem>.<ext>` when no tumour annotation is named, in order.
pub const ANNOTATION_SUFFIXES: [&str; 6] = [
    ".outlines.geojson",
    ".tumor.geojson",
    ".tumour.geojson",
    ".geojson",
    ".tumor.png",
    ".tumour.png",
];

/// A slide with its annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatedSlide {
    /// The slide (anything `wsi_io::open` opens).
    pub slide: PathBuf,
    /// Tumour annotation: `.geojson` / `.json` files are GeoJSON (level-0 pixels), anything
    /// else a mask image (pixels >= 128 are tumour) with the slide's aspect ratio.
    pub tumor: PathBuf,
    /// Tissue mask (image or GeoJSON like `tumor`); `None`: found by the [`TissueFinder`].
    pub tissue: Option<PathBuf>,
    /// Level-0 microns per pixel, overriding the file's (needed when it states none).
    pub mpp: Option<f64>,
}

impl AnnotatedSlide {
    /// `slide` with the first of `<stem>` + `ANNOTATION_SUFFIXES` that exists beside it
    /// (ihc-synth's `<stem>.outlines.geojson` first).
    pub fn beside(slide: &Path) -> Result<Self> {
        Ok(Self {
            tumor: find_annotation(slide)?,
            slide: slide.to_path_buf(),
            tissue: None,
            mpp: None,
        })
    }
}

fn find_annotation(slide: &Path) -> Result<PathBuf> {
    let stem = slide
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = slide.parent().unwrap_or(Path::new(""));
    ANNOTATION_SUFFIXES
        .iter()
        .map(|suffix| dir.join(format!("{stem}{suffix}")))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            ClassifierError::dataset(
                slide,
                format!(
                    "no tumour annotation given and none found beside the slide (looked for {stem}{})",
                    ANNOTATION_SUFFIXES.join(&format!(", {stem}"))
                ),
            )
        })
}

/// Reads a slide manifest: a CSV with a header and one row per slide. Columns (any order,
/// others ignored): `slide` or `path` (required), `tumor` / `tumour` / `annotation`
/// (optional: empty or absent means the annotation beside the slide,
/// [`AnnotatedSlide::beside`]), `tissue` (optional mask), `mpp` (optional). Relative paths are
/// resolved against the manifest's folder, so `her2 synth cohort`'s `manifest.csv` reads as
/// is. Every slide and named annotation must exist.
pub fn read_slide_manifest(path: &Path) -> Result<Vec<AnnotatedSlide>> {
    let bad = |message: String| ClassifierError::dataset(path, message);
    let file = std::fs::File::open(path).map_err(|e| ClassifierError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("not a CSV file: {e}")))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let slide_col = column(&["slide", "path"])
        .ok_or_else(|| bad("no `slide` (or `path`) column in the header".into()))?;
    let tumor_col = column(&["tumor", "tumour", "annotation"]);
    let tissue_col = column(&["tissue"]);
    let mpp_col = column(&["mpp"]);
    let base = path.parent().unwrap_or(Path::new(""));
    let mut slides = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let row = k + 2; // 1-based, after the header
        let record = record.map_err(|e| bad(format!("row {row}: {e}")))?;
        let cell = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let Some(slide) = cell(Some(slide_col)) else {
            return Err(bad(format!("row {row}: empty slide path")));
        };
        let slide = base.join(slide);
        let existing = |file: PathBuf, what: &str| {
            if file.is_file() {
                Ok(file)
            } else {
                Err(bad(format!(
                    "row {row}: {what} {} not found",
                    file.display()
                )))
            }
        };
        let slide = existing(slide, "slide")?;
        let tumor = match cell(tumor_col) {
            Some(t) => existing(base.join(t), "tumour annotation")?,
            None => find_annotation(&slide).map_err(|e| bad(format!("row {row}: {e}")))?,
        };
        let tissue = cell(tissue_col)
            .map(|t| existing(base.join(t), "tissue mask"))
            .transpose()?;
        let mpp = cell(mpp_col)
            .map(|m| match m.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
                _ => Err(bad(format!(
                    "row {row}: mpp `{m}` is not a positive number of microns per pixel"
                ))),
            })
            .transpose()?;
        slides.push(AnnotatedSlide {
            slide,
            tumor,
            tissue,
            mpp,
        });
    }
    if slides.is_empty() {
        return Err(bad("no slides listed".into()));
    }
    Ok(slides)
}

/// How many patches to draw per slide and what counts as tumour or normal. `Default`:
/// 200 per slide, half tumour, tumour >= 60% inside the annotation, normal entirely outside
/// it, both >= 60% on tissue (the fractions `her2 synth patches` uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplingConfig {
    /// Patches drawn per slide (tumour + normal).
    pub patches_per_slide: usize,
    /// Share of tumour patches among a slide's patches (class balance).
    pub tumor_share: f64,
    /// Smallest fraction of a tumour patch inside the tumour annotation.
    pub min_tumor_fraction: f64,
    /// Largest fraction of a normal patch inside the tumour annotation.
    pub max_normal_tumor_fraction: f64,
    /// Smallest fraction of any patch on tissue.
    pub min_tissue_fraction: f64,
    /// Seed of the draw.
    pub seed: u64,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        Self {
            patches_per_slide: 200,
            tumor_share: 0.5,
            min_tumor_fraction: 0.6,
            max_normal_tumor_fraction: 0.0,
            min_tissue_fraction: 0.6,
            seed: 20230119,
        }
    }
}

impl SamplingConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(ClassifierError::InvalidConfig(what));
        let unit = |v: f64| (0.0..=1.0).contains(&v);
        if self.patches_per_slide == 0 {
            return bad("patches_per_slide must be at least 1".into());
        }
        if !unit(self.tumor_share) {
            return bad(format!(
                "tumor_share must be in [0, 1], got {}",
                self.tumor_share
            ));
        }
        if !(unit(self.min_tumor_fraction) && self.min_tumor_fraction > 0.0) {
            return bad(format!(
                "min_tumor_fraction must be in (0, 1], got {}",
                self.min_tumor_fraction
            ));
        }
        if !(unit(self.max_normal_tumor_fraction)
            && self.max_normal_tumor_fraction < self.min_tumor_fraction)
        {
            return bad(format!(
                "max_normal_tumor_fraction must be in [0, min_tumor_fraction), got {}",
                self.max_normal_tumor_fraction
            ));
        }
        if !unit(self.min_tissue_fraction) {
            return bad(format!(
                "min_tissue_fraction must be in [0, 1], got {}",
                self.min_tissue_fraction
            ));
        }
        Ok(())
    }
}

/// Finds the tissue of a slide that has no tissue mask: a [`Bitmap`] at any downsample
/// (level-0 pixels per bitmap pixel). Closures `Fn(&dyn Slide) -> Result<Bitmap>` are finders.
pub trait TissueFinder: Sync {
    /// The slide's tissue.
    fn find_tissue(&self, slide: &dyn Slide) -> Result<Bitmap>;
}

impl<F: Fn(&dyn Slide) -> Result<Bitmap> + Sync> TissueFinder for F {
    fn find_tissue(&self, slide: &dyn Slide) -> Result<Bitmap> {
        self(slide)
    }
}

/// A finder for callers without a tissue detector: every slide needs a tissue mask.
#[derive(Debug, Clone, Copy, Default)]
pub struct TissueMaskRequired;

impl TissueFinder for TissueMaskRequired {
    fn find_tissue(&self, slide: &dyn Slide) -> Result<Bitmap> {
        Err(ClassifierError::dataset(
            slide.path(),
            "no tissue mask given for this slide and no tissue detector",
        ))
    }
}

/// What was drawn from one slide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlideDraw {
    /// The slide.
    pub slide: PathBuf,
    /// Lattice positions that qualify as tumour patches.
    pub tumor_candidates: usize,
    /// Lattice positions that qualify as normal patches.
    pub normal_candidates: usize,
    /// Tumour patches drawn.
    pub tumor: usize,
    /// Normal patches drawn.
    pub normal: usize,
}

impl PatchDataset {
    /// Draws patches of `patch_px` pixels at `mpp` microns per pixel (the model's input)
    /// from annotated slides (slides in parallel; the result does not depend on the thread
    /// count). `source` (e.g. the manifest) is named in dataset-level errors. Errors name the
    /// slide or annotation file: unreadable slide or mask, bad GeoJSON, no MPP, annotation
    /// outside the slide, no tissue, no patch drawable from a slide, or no patch of a class in
    /// the whole set.
    pub fn from_slides(
        source: &Path,
        slides: &[AnnotatedSlide],
        patch_px: u32,
        mpp: f64,
        config: &SamplingConfig,
        tissue: &dyn TissueFinder,
    ) -> Result<(Self, Vec<SlideDraw>)> {
        config.validate()?;
        if slides.is_empty() {
            return Err(ClassifierError::dataset(source, "no slides"));
        }
        let drawn = slides
            .par_iter()
            .enumerate()
            .map(|(index, entry)| draw_slide(index, entry, patch_px, mpp, config, tissue))
            .collect::<Vec<_>>()
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        let mut dataset = Self {
            root: source.to_path_buf(),
            samples: Vec::new(),
            slides: Vec::new(),
        };
        let mut draws = Vec::new();
        for (slide, samples, draw) in drawn {
            dataset.slides.push(slide);
            dataset.samples.extend(samples);
            draws.push(draw);
        }
        for (tumor, what) in [(true, "tumour"), (false, "normal")] {
            if !dataset.samples.iter().any(|s| s.tumor == tumor) {
                return Err(ClassifierError::dataset(
                    source,
                    format!(
                        "no {what} patch could be drawn from any slide (tumour patches need >= {} inside the tumour annotation, normal ones <= {}, both >= {} on tissue)",
                        config.min_tumor_fraction,
                        config.max_normal_tumor_fraction,
                        config.min_tissue_fraction
                    ),
                ));
            }
        }
        Ok((dataset, draws))
    }
}

/// Per-cell labels of one slide on the `L / 8` lattice.
struct Lattice {
    cols: usize,
    rows: usize,
    /// Side of a cell in level-0 pixels.
    step: f64,
}

impl Lattice {
    fn centre(&self, i: usize, j: usize) -> (f64, f64) {
        ((i as f64 + 0.5) * self.step, (j as f64 + 0.5) * self.step)
    }

    fn sample(&self, f: impl Fn(f64, f64) -> bool + Sync) -> Vec<bool> {
        (0..self.rows * self.cols)
            .into_par_iter()
            .map(|k| {
                let (x, y) = self.centre(k % self.cols, k / self.cols);
                f(x, y)
            })
            .collect()
    }

    /// Cells whose centre lies inside any of `polygons` (even-odd per polygon, scanlines).
    fn rasterise(&self, polygons: &[Polygon]) -> Vec<bool> {
        let bounds: Vec<(f64, f64)> = polygons
            .iter()
            .map(|p| {
                p.exterior
                    .iter()
                    .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &(_, y)| {
                        (lo.min(y), hi.max(y))
                    })
            })
            .collect();
        let mut cells = vec![false; self.cols * self.rows];
        cells
            .par_chunks_mut(self.cols.max(1))
            .enumerate()
            .for_each(|(j, row)| {
                let y = (j as f64 + 0.5) * self.step;
                let mut xs = Vec::new();
                for (p, &(lo, hi)) in polygons.iter().zip(&bounds) {
                    if y < lo || y > hi {
                        continue;
                    }
                    xs.clear();
                    p.crossings(y, &mut xs);
                    xs.sort_unstable_by(f64::total_cmp);
                    for span in xs.chunks_exact(2) {
                        let first = (span[0] / self.step - 0.5).ceil().max(0.0) as usize;
                        let end = (span[1] / self.step - 0.5)
                            .ceil()
                            .clamp(0.0, self.cols as f64)
                            as usize;
                        for cell in row.iter_mut().take(end).skip(first) {
                            *cell = true;
                        }
                    }
                }
            });
        cells
    }

    /// Number of set cells in every `CELLS x CELLS` window, indexed by its top-left cell
    /// (`(cols - CELLS + 1) x (rows - CELLS + 1)`, row-major).
    fn window_counts(&self, cells: &[bool]) -> Vec<u8> {
        let (wc, wr) = (self.cols + 1 - CELLS, self.rows + 1 - CELLS);
        let mut horizontal = vec![0u8; wc * self.rows];
        for j in 0..self.rows {
            let row = &cells[j * self.cols..(j + 1) * self.cols];
            let mut sum = row[..CELLS].iter().filter(|&&b| b).count() as u8;
            horizontal[j * wc] = sum;
            for i in 1..wc {
                sum = sum + u8::from(row[i + CELLS - 1]) - u8::from(row[i - 1]);
                horizontal[j * wc + i] = sum;
            }
        }
        let mut counts = vec![0u8; wc * wr];
        for i in 0..wc {
            let mut sum: u8 = (0..CELLS).map(|j| horizontal[j * wc + i]).sum();
            counts[i] = sum;
            for j in 1..wr {
                sum = sum + horizontal[(j + CELLS - 1) * wc + i] - horizontal[(j - 1) * wc + i];
                counts[j * wc + i] = sum;
            }
        }
        counts
    }
}

/// A binary mask image stretched over the slide.
struct MaskImage {
    image: GrayImage,
    /// Mask pixels per level-0 pixel, x and y.
    scale: (f64, f64),
}

impl MaskImage {
    fn open(path: &Path, width: u64, height: u64) -> Result<Self> {
        let bad = |message: String| ClassifierError::Annotation {
            path: path.to_path_buf(),
            message,
        };
        let image = image::open(path)
            .map_err(|e| bad(format!("cannot read the mask image: {e}")))?
            .into_luma8();
        let (mw, mh) = image.dimensions();
        if mw == 0 || mh == 0 {
            return Err(bad("the mask image is empty".into()));
        }
        let aspect = |w: f64, h: f64| w / h;
        if (aspect(f64::from(mw), f64::from(mh)) / aspect(width as f64, height as f64) - 1.0).abs()
            > 0.02
        {
            return Err(bad(format!(
                "the mask is {mw}x{mh}, whose aspect ratio does not match the slide's {width}x{height}"
            )));
        }
        Ok(Self {
            scale: (f64::from(mw) / width as f64, f64::from(mh) / height as f64),
            image,
        })
    }

    /// Whether the mask is set (>= 128) under the level-0 point (`x`, `y`).
    fn at(&self, x: f64, y: f64) -> bool {
        let (w, h) = self.image.dimensions();
        let px = ((x * self.scale.0) as u32).min(w - 1);
        let py = ((y * self.scale.1) as u32).min(h - 1);
        self.image.get_pixel(px, py)[0] >= 128
    }
}

/// Whether `path` names a GeoJSON file: `.geojson` or `.json`, gzipped (`.gz`) or not.
fn is_geojson(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".geojson") || name.ends_with(".json")
}

fn mix(seed: u64, index: u64) -> u64 {
    seed ^ (index + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

type Drawn = (SlidePatches, Vec<PatchSample>, SlideDraw);

fn draw_slide(
    index: usize,
    entry: &AnnotatedSlide,
    patch_px: u32,
    mpp: f64,
    config: &SamplingConfig,
    tissue_finder: &dyn TissueFinder,
) -> Result<Drawn> {
    let path = &entry.slide;
    let slide = open_slide(path, entry.mpp)?;
    if slide.mpp().is_none() {
        return Err(ClassifierError::dataset(
            path,
            "the slide states no resolution (microns per pixel): give it (manifest column `mpp`)",
        ));
    }
    let grid = PatchGrid::new(
        slide.as_ref(),
        None,
        &PatchGridConfig {
            patch_px,
            target_mpp: mpp,
            ..PatchGridConfig::default()
        },
    )?;
    let (width, height) = slide.dimensions();
    let side = grid.patch_level0_px();
    let first = grid.patch(0, 0).ok_or_else(|| {
        ClassifierError::dataset(
            path,
            format!(
                "no patch can be drawn: the slide ({width}x{height}) is smaller than one {patch_px} px patch at {mpp} um/px ({side} level-0 px)"
            ),
        )
    })?;
    let patches = SlidePatches {
        path: path.clone(),
        mpp: entry.mpp,
        level0_px: side,
        level: first.level,
        level_downsample: first.level_downsample,
        read_px: first.read_px,
        out_px: patch_px,
    };
    let step = side as f64 / CELLS as f64;
    let lattice = Lattice {
        cols: ((width as f64 / step).floor() as usize).max(CELLS),
        rows: ((height as f64 / step).floor() as usize).max(CELLS),
        step,
    };

    let (tumor, excluded) = if is_geojson(&entry.tumor) {
        let all = classified_polygons_from_geojson(&entry.tumor)?;
        let tumor = lattice.rasterise(&select(&entry.tumor, &all, "Tumor", is_tumor_class)?);
        if !tumor.contains(&true) {
            return Err(ClassifierError::Annotation {
                path: entry.tumor.clone(),
                message: format!(
                    "the tumour polygons cover no part of the slide {} ({width}x{height} level-0 px, sampled every {step:.0} px); coordinates must be level-0 pixels",
                    path.display()
                ),
            });
        }
        let excluded: Vec<Polygon> = all
            .into_iter()
            .filter(|c| c.class.as_deref().is_some_and(is_excluded_class))
            .map(|c| c.polygon)
            .collect();
        (tumor, lattice.rasterise(&excluded))
    } else {
        let mask = MaskImage::open(&entry.tumor, width, height)?;
        (
            lattice.sample(|x, y| mask.at(x, y)),
            vec![false; lattice.cols * lattice.rows],
        )
    };
    let tissue = match &entry.tissue {
        Some(file) if is_geojson(file) => {
            let all = classified_polygons_from_geojson(file)?;
            lattice.rasterise(&select(file, &all, "Tissue", is_tissue_class)?)
        }
        Some(file) => {
            let mask = MaskImage::open(file, width, height)?;
            lattice.sample(|x, y| mask.at(x, y))
        }
        None => {
            let bitmap = tissue_finder.find_tissue(slide.as_ref())?;
            let d = bitmap.downsample;
            lattice.sample(|x, y| bitmap.get((x / d) as i64, (y / d) as i64))
        }
    };
    if !tissue.contains(&true) {
        return Err(ClassifierError::dataset(
            entry.tissue.as_ref().unwrap_or(path),
            "no tissue on the slide",
        ));
    }

    let cells = (CELLS * CELLS) as f64;
    let tumor_counts = lattice.window_counts(&tumor);
    let tissue_counts = lattice.window_counts(&tissue);
    let excluded_counts = lattice.window_counts(&excluded);
    let wc = lattice.cols + 1 - CELLS;
    let (mut tumor_candidates, mut normal_candidates) = (Vec::new(), Vec::new());
    for (k, ((&t, &f), &e)) in tumor_counts
        .iter()
        .zip(&tissue_counts)
        .zip(&excluded_counts)
        .enumerate()
    {
        let (t, f) = (f64::from(t) / cells, f64::from(f) / cells);
        if e > 0 || f < config.min_tissue_fraction {
            continue;
        }
        if t >= config.min_tumor_fraction {
            tumor_candidates.push(k);
        } else if t <= config.max_normal_tumor_fraction {
            normal_candidates.push(k);
        }
    }
    if tumor_candidates.is_empty() && normal_candidates.is_empty() {
        return Err(ClassifierError::dataset(
            path,
            format!(
                "no patch can be drawn: none of the {} positions of a {patch_px} px patch at {mpp} um/px is >= {} on tissue and >= {} inside or <= {} inside the tumour annotation {}, clear of excluded areas",
                tumor_counts.len(),
                config.min_tissue_fraction,
                config.min_tumor_fraction,
                config.max_normal_tumor_fraction,
                entry.tumor.display()
            ),
        ));
    }

    let n_tumor = (config.patches_per_slide as f64 * config.tumor_share).round() as usize;
    let n_normal = config.patches_per_slide - n_tumor.min(config.patches_per_slide);
    let mut rng = ChaCha8Rng::seed_from_u64(mix(config.seed, index as u64));
    let mut samples = Vec::new();
    let mut drawn = [0usize; 2];
    for (candidates, wanted, is_tumor) in [
        (&tumor_candidates, n_tumor, true),
        (&normal_candidates, n_normal, false),
    ] {
        let amount = wanted.min(candidates.len());
        let mut chosen = rand::seq::index::sample(&mut rng, candidates.len(), amount).into_vec();
        chosen.sort_unstable();
        drawn[usize::from(is_tumor)] = amount;
        samples.extend(chosen.into_iter().map(|c| {
            let k = candidates[c];
            let (i, j) = (k % wc, k / wc);
            let corner = |cell: usize, len: u64| {
                ((cell as f64 * step).round() as u64).min(len.saturating_sub(side))
            };
            PatchSample {
                source: PatchSource::Slide {
                    slide: index,
                    x: corner(i, width),
                    y: corner(j, height),
                    tumor_fraction: (f64::from(tumor_counts[k]) / cells) as f32,
                    tissue_fraction: (f64::from(tissue_counts[k]) / cells) as f32,
                },
                tumor: is_tumor,
            }
        }));
    }
    let draw = SlideDraw {
        slide: path.clone(),
        tumor_candidates: tumor_candidates.len(),
        normal_candidates: normal_candidates.len(),
        tumor: drawn[1],
        normal: drawn[0],
    };
    Ok((patches, samples, draw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dataset::PatchReader;
    use image::{Luma, Rgb, RgbImage};

    const TUMOUR: [u8; 3] = [120, 60, 40];
    const NORMAL: [u8; 3] = [230, 180, 200];
    const GLASS: [u8; 3] = [245, 245, 245];

    /// A 1024 x 768 PNG "slide": tissue left of x = 800 and in the control square
    /// [850, 1000) x [50, 200); tumour in [100, 500) x [100, 400).
    fn slide_png(dir: &Path) -> PathBuf {
        let path = dir.join("slide.png");
        RgbImage::from_fn(1024, 768, |x, y| {
            Rgb(if (100..500).contains(&x) && (100..400).contains(&y) {
                TUMOUR
            } else if x < 800 || ((850..1000).contains(&x) && (50..200).contains(&y)) {
                NORMAL
            } else {
                GLASS
            })
        })
        .save(&path)
        .unwrap();
        path
    }

    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
        format!("[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]")
    }

    fn feature(class: &str, coordinates: &str) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"classification":{{"name":"{class}"}}}},"geometry":{{"type":"Polygon","coordinates":{coordinates}}}}}"#
        )
    }

    /// ihc-synth style outlines: Tissue, Tumor and Control features.
    fn outlines(dir: &Path) -> PathBuf {
        let path = dir.join("slide.outlines.geojson");
        let features = [
            feature("Tissue", &rect(0.0, 0.0, 800.0, 768.0)),
            feature("Tumor", &rect(100.0, 100.0, 500.0, 400.0)),
            feature("Control", &rect(850.0, 50.0, 1000.0, 200.0)),
        ];
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                features.join(",")
            ),
        )
        .unwrap();
        path
    }

    /// A mask image of `w` x `h` stretched over the 1024 x 768 slide, set where `inside`.
    fn mask(dir: &Path, name: &str, w: u32, h: u32, inside: impl Fn(f64, f64) -> bool) -> PathBuf {
        let path = dir.join(name);
        image::GrayImage::from_fn(w, h, |x, y| {
            let (sx, sy) = (1024.0 / f64::from(w), 768.0 / f64::from(h));
            let centre = ((f64::from(x) + 0.5) * sx, (f64::from(y) + 0.5) * sy);
            Luma([if inside(centre.0, centre.1) { 255 } else { 0 }])
        })
        .save(&path)
        .unwrap();
        path
    }

    fn tissue_everywhere_but_glass(x: f64, y: f64) -> bool {
        x < 800.0 || ((850.0..1000.0).contains(&x) && (50.0..200.0).contains(&y))
    }

    fn config() -> SamplingConfig {
        SamplingConfig {
            patches_per_slide: 40,
            tumor_share: 0.25,
            ..SamplingConfig::default()
        }
    }

    fn draw(
        entry: &AnnotatedSlide,
        config: &SamplingConfig,
    ) -> Result<(PatchDataset, Vec<SlideDraw>)> {
        PatchDataset::from_slides(
            Path::new("manifest.csv"),
            std::slice::from_ref(entry),
            64,
            0.5,
            config,
            &TissueMaskRequired,
        )
    }

    /// Exact fraction of the square (x, y, side) inside the rectangle [x0, x1) x [y0, y1).
    fn overlap(x: u64, y: u64, side: u64, r: [f64; 4]) -> f64 {
        let (x, y, s) = (x as f64, y as f64, side as f64);
        let w = ((x + s).min(r[2]) - x.max(r[0])).max(0.0);
        let h = ((y + s).min(r[3]) - y.max(r[1])).max(0.0);
        w * h / (s * s)
    }

    const TUMOUR_RECT: [f64; 4] = [100.0, 100.0, 500.0, 400.0];
    const CONTROL_RECT: [f64; 4] = [850.0, 50.0, 1000.0, 200.0];

    /// Checks every drawn patch against the true geometry (a cell is 8 level-0 px here, so
    /// a fraction may be off by half a cell per side: 4 / 64 px).
    fn check_labels(ds: &PatchDataset) {
        let side = ds.slides[0].level0_px;
        assert_eq!(side, 64);
        for s in &ds.samples {
            let PatchSource::Slide { x, y, .. } = s.source else {
                panic!("a slide sample")
            };
            assert!(x + side <= 1024 && y + side <= 768);
            let t = overlap(x, y, side, TUMOUR_RECT);
            if s.tumor {
                assert!(t >= 0.6 - 0.07, "tumour patch at ({x},{y}) only {t} inside");
            } else {
                assert!(t <= 0.07, "normal patch at ({x},{y}) {t} inside the tumour");
            }
            let tissue = overlap(x, y, side, [0.0, 0.0, 800.0, 768.0]);
            assert!(
                tissue >= 0.6 - 0.07,
                "patch at ({x},{y}) only {tissue} on tissue"
            );
            assert_eq!(
                overlap(x, y, side, CONTROL_RECT),
                0.0,
                "({x},{y}) on the control"
            );
        }
    }

    #[test]
    fn geojson_files_are_told_by_name_gzipped_too() {
        for yes in ["a.geojson", "a.JSON", "a.outlines.geojson.gz", "b.json.gz"] {
            assert!(is_geojson(Path::new(yes)), "{yes}");
        }
        for no in ["a.png", "a.gz", "geojson", "a.tumor.png"] {
            assert!(!is_geojson(Path::new(no)), "{no}");
        }
    }

    #[test]
    fn geojson_draws_respect_tumour_tissue_and_control_and_the_seed() {
        let dir = tempfile::tempdir().unwrap();
        let entry = AnnotatedSlide {
            slide: slide_png(dir.path()),
            tumor: outlines(dir.path()),
            tissue: Some(mask(
                dir.path(),
                "tissue.png",
                256,
                192,
                tissue_everywhere_but_glass,
            )),
            mpp: Some(0.5),
        };
        let (ds, draws) = draw(&entry, &config()).unwrap();
        assert_eq!((draws[0].tumor, draws[0].normal), (10, 30));
        assert_eq!(ds.samples.len(), 40);
        assert_eq!(ds.samples.iter().filter(|s| s.tumor).count(), 10);
        assert!(draws[0].tumor_candidates > 100 && draws[0].normal_candidates > 100);
        check_labels(&ds);

        // Same seed, same patches; another seed, others.
        assert_eq!(draw(&entry, &config()).unwrap().0, ds);
        let other = SamplingConfig {
            seed: 1,
            ..config()
        };
        assert_ne!(draw(&entry, &other).unwrap().0.samples, ds.samples);

        // Pixels are read when asked for, at the model's size, and show the right tissue.
        let reader = PatchReader::new(&ds, 1, 1 << 20);
        for s in &ds.samples {
            let img = reader.load(s).unwrap();
            assert_eq!(img.dimensions(), (64, 64));
            let tumour_px = img.pixels().filter(|p| p.0 == TUMOUR).count();
            assert_eq!(tumour_px >= 64 * 64 / 2, s.tumor);
        }
        assert!(reader.cached_bytes() > 0 && reader.cached_bytes() <= 1 << 20);
    }

    #[test]
    fn mask_images_of_any_size_are_stretched_over_the_slide() {
        let dir = tempfile::tempdir().unwrap();
        let in_tumour = |x: f64, y: f64| (100.0..500.0).contains(&x) && (100.0..400.0).contains(&y);
        let entry = AnnotatedSlide {
            slide: slide_png(dir.path()),
            tumor: mask(dir.path(), "tumour.png", 512, 384, in_tumour),
            tissue: Some(mask(dir.path(), "tissue.png", 128, 96, |x, _| x < 800.0)),
            mpp: Some(0.5),
        };
        let (ds, _) = draw(&entry, &config()).unwrap();
        check_labels(&ds);

        // A tissue finder (here: the same tissue as a bitmap at downsample 16) instead of a mask.
        let finder = |_: &dyn Slide| {
            let bits = (0..64 * 48).map(|k| (k % 64) < 50).collect();
            Bitmap::new(64, 48, 16.0, bits)
        };
        let found = PatchDataset::from_slides(
            Path::new("m.csv"),
            &[AnnotatedSlide {
                tissue: None,
                ..entry.clone()
            }],
            64,
            0.5,
            &config(),
            &finder,
        )
        .unwrap()
        .0;
        check_labels(&found);

        // 40x: a 64 px patch at 0.5 um/px covers 128 level-0 px.
        let (ds, _) = draw(
            &AnnotatedSlide {
                mpp: Some(0.25),
                ..entry
            },
            &config(),
        )
        .unwrap();
        assert_eq!(ds.slides[0].level0_px, 128);
        assert_eq!(
            PatchReader::new(&ds, 1, 0)
                .load(&ds.samples[0])
                .unwrap()
                .dimensions(),
            (64, 64)
        );
    }

    fn error(entry: &AnnotatedSlide) -> String {
        draw(entry, &config()).unwrap_err().to_string()
    }

    #[test]
    fn bad_inputs_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let good = AnnotatedSlide {
            slide: slide_png(d),
            tumor: outlines(d),
            tissue: Some(mask(d, "tissue.png", 256, 192, tissue_everywhere_but_glass)),
            mpp: Some(0.5),
        };
        let with = |f: &dyn Fn(&mut AnnotatedSlide)| {
            let mut e = good.clone();
            f(&mut e);
            error(&e)
        };
        let err = with(&|e| e.mpp = None);
        assert!(err.contains("slide.png") && err.contains("mpp"), "{err}");
        let err = with(&|e| e.slide = d.join("missing.svs"));
        assert!(err.contains("missing.svs"), "{err}");

        let bad = d.join("bad.geojson");
        std::fs::write(&bad, "{not json").unwrap();
        let err = with(&|e| e.tumor = bad.clone());
        assert!(
            err.contains("bad.geojson") && err.contains("not JSON"),
            "{err}"
        );
        let stroma = d.join("stroma.geojson");
        std::fs::write(
            &stroma,
            format!(
                r#"{{"type":"FeatureCollection","features":[{}]}}"#,
                feature("Stroma", &rect(0.0, 0.0, 9.0, 9.0))
            ),
        )
        .unwrap();
        let err = with(&|e| e.tumor = stroma.clone());
        assert!(
            err.contains("stroma.geojson") && err.contains("classes found: Stroma"),
            "{err}"
        );
        let far = d.join("far.geojson");
        std::fs::write(
            &far,
            format!(
                r#"{{"type":"Polygon","coordinates":{}}}"#,
                rect(5e4, 5e4, 6e4, 6e4)
            ),
        )
        .unwrap();
        let err = with(&|e| e.tumor = far.clone());
        assert!(
            err.contains("far.geojson") && err.contains("cover no part"),
            "{err}"
        );

        let not_png = d.join("mask.png");
        std::fs::write(&not_png, "text").unwrap();
        let err = with(&|e| e.tumor = not_png.clone());
        assert!(err.contains("mask.png"), "{err}");
        let tall = mask(d, "tall.png", 100, 400, |_, _| true);
        let err = with(&|e| e.tissue = Some(tall.clone()));
        assert!(err.contains("tall.png") && err.contains("aspect"), "{err}");
        let blank = mask(d, "blank.png", 64, 48, |_, _| false);
        let err = with(&|e| e.tissue = Some(blank.clone()));
        assert!(
            err.contains("blank.png") && err.contains("no tissue"),
            "{err}"
        );
        let err = with(&|e| e.tissue = None);
        assert!(
            err.contains("slide.png") && err.contains("no tissue mask"),
            "{err}"
        );

        // Tissue only under the control (excluded) and the tumour too small: nothing drawable.
        let control_only = mask(d, "control.png", 256, 192, |x, y| {
            (850.0..1000.0).contains(&x) && (50.0..200.0).contains(&y)
        });
        let err = with(&|e| e.tissue = Some(control_only.clone()));
        assert!(
            err.contains("slide.png") && err.contains("no patch can be drawn"),
            "{err}"
        );
        let tiny = d.join("tiny.png");
        RgbImage::from_pixel(40, 40, Rgb(NORMAL))
            .save(&tiny)
            .unwrap();
        let err = with(&|e| e.slide = tiny.clone());
        assert!(
            err.contains("tiny.png") && err.contains("smaller than one 64 px patch"),
            "{err}"
        );

        // Only one class anywhere: an error on the dataset.
        let all_tumour = mask(d, "all.png", 64, 48, |_, _| true);
        let err = with(&|e| e.tumor = all_tumour.clone());
        assert!(
            err.contains("manifest.csv") && err.contains("no normal patch"),
            "{err}"
        );

        let bad_config = SamplingConfig {
            max_normal_tumor_fraction: 0.7,
            ..config()
        };
        assert!(draw(&good, &bad_config).is_err());
    }

    #[test]
    fn manifests_resolve_paths_and_find_annotations_beside_slides() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let sub = d.join("slides");
        std::fs::create_dir_all(&sub).unwrap();
        slide_png(&sub);
        outlines(&sub);
        mask(&sub, "tissue.png", 64, 48, |_, _| true);
        let manifest = d.join("train.csv");
        std::fs::write(
            &manifest,
            "slide_id,path,tissue,mpp\n\
             a,slides/slide.png,slides/tissue.png,0.5\n\
             b,slides/slide.png,,\n",
        )
        .unwrap();
        let slides = read_slide_manifest(&manifest).unwrap();
        assert_eq!(slides.len(), 2);
        assert_eq!(slides[0].slide, sub.join("slide.png"));
        assert_eq!(slides[0].tumor, sub.join("slide.outlines.geojson"));
        assert_eq!(slides[0].tissue, Some(sub.join("tissue.png")));
        assert_eq!(
            (slides[0].mpp, slides[1].mpp, slides[1].tissue.clone()),
            (Some(0.5), None, None)
        );
        assert_eq!(
            AnnotatedSlide::beside(&sub.join("slide.png")).unwrap(),
            slides[1]
        );

        let fails = |text: &str, expected: &[&str]| {
            std::fs::write(&manifest, text).unwrap();
            let err = read_slide_manifest(&manifest).unwrap_err().to_string();
            for e in expected {
                assert!(err.contains(e), "{err} lacks {e}");
            }
        };
        fails(
            "slide\nslides/nope.svs\n",
            &["train.csv", "row 2", "nope.svs", "not found"],
        );
        fails(
            "slide,tumor\nslides/slide.png,gone.geojson\n",
            &["row 2", "gone.geojson"],
        );
        fails(
            "slide,mpp\nslides/slide.png,fast\n",
            &["row 2", "mpp `fast`"],
        );
        fails("name\nx\n", &["no `slide`"]);
        fails("slide\n", &["no slides"]);
        std::fs::remove_file(sub.join("slide.outlines.geojson")).unwrap();
        fails(
            "slide\nslides/slide.png\n",
            &["row 2", "no tumour annotation", "slide.outlines.geojson"],
        );
    }

    #[test]
    fn window_counts_match_a_direct_count() {
        let lattice = Lattice {
            cols: 11,
            rows: 9,
            step: 1.0,
        };
        let cells: Vec<bool> = (0..99).map(|k| (k * 7 + k / 5) % 3 == 0).collect();
        let counts = lattice.window_counts(&cells);
        assert_eq!(counts.len(), 4 * 2);
        for j in 0..2 {
            for i in 0..4 {
                let direct = (0..CELLS)
                    .flat_map(|b| (0..CELLS).map(move |a| (a, b)))
                    .filter(|&(a, b)| cells[(j + b) * 11 + i + a])
                    .count();
                assert_eq!(usize::from(counts[j * 4 + i]), direct);
            }
        }
    }
}
