//! Drawing one slide's patches, and the dataset of all slides' draws.

use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wsi_io::{PatchGrid, PatchGridConfig};

use super::lattice::{CELLS, Lattice, MaskImage, is_geojson};
use super::manifest::AnnotatedSlide;
use super::sampling::SamplingConfig;
use super::tissue::TissueFinder;
use crate::annotation::{
    Polygon, classified_polygons_from_geojson, is_excluded_class, is_tissue_class, is_tumor_class,
    select,
};
use crate::dataset::{PatchDataset, PatchSample, PatchSource, SlidePatches, open_slide};
use crate::error::{ClassifierError, Result};

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
