//! Patch dataset export for tumour-classifier training: random 256 x 256 tumour and
//! non-tumour patches at 0.5 um/px from in-memory synthetic slides, in `tumor/` and `normal/`
//! folders with an index CSV.

use std::path::Path;

use image::DynamicImage;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::atomic::{write_bytes, write_png};
use crate::class::Her2Class;
use crate::config::SynthConfig;
use crate::error::{Result, SynthError};
use crate::noise::mix64;
use crate::slide::SyntheticSlide;

/// Settings of a patch dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchDatasetConfig {
    /// Patches per label (this many tumour and this many normal).
    pub patches_per_label: usize,
    /// Patch side in pixels (the paper's classifier input: 256).
    pub patch_size: u32,
    /// Microns per pixel of the patches (the paper works at 20x: 0.5).
    pub mpp: f64,
    /// Number of distinct synthetic slides the patches come from (classes cycle through all
    /// six HER2 classes so that staining varies).
    pub slides: usize,
    /// Width and height of each source slide in pixels.
    pub slide_size: [u32; 2],
    /// Smallest fraction of a tumour patch inside the tumour region; normal patches have none
    /// and at least this fraction of tissue.
    pub min_fraction: f64,
    /// Seed of slides and patch positions.
    pub seed: u64,
}

impl Default for PatchDatasetConfig {
    fn default() -> Self {
        Self {
            patches_per_label: 500,
            patch_size: 256,
            mpp: 0.5,
            slides: 12,
            slide_size: [8192, 6144],
            min_fraction: 0.6,
            seed: 0,
        }
    }
}

/// One exported patch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchRecord {
    /// Path relative to the dataset folder (`tumor/...png` or `normal/...png`).
    pub path: String,
    /// "tumor" or "normal".
    pub label: String,
    /// Index of the source slide.
    pub slide: usize,
    /// Class of the source slide.
    pub class: Her2Class,
    /// Level-0 top-left corner in the source slide.
    pub x: u32,
    /// Level-0 top-left corner in the source slide.
    pub y: u32,
    /// Fraction of the patch inside the tumour region.
    pub tumour_fraction: f64,
    /// Fraction of the patch on tissue.
    pub tissue_fraction: f64,
}

/// Fractions (tumour, tissue) of a patch, from a 16 x 16 grid of sample points.
fn coverage(slide: &SyntheticSlide, x: u32, y: u32, size: u32) -> (f64, f64) {
    let step = size as f64 / 16.0;
    let (mut tumour, mut tissue) = (0u32, 0u32);
    for j in 0..16 {
        for i in 0..16 {
            let (px, py) = (
                x as f64 + (i as f64 + 0.5) * step,
                y as f64 + (j as f64 + 0.5) * step,
            );
            tumour += u32::from(slide.is_tumour_at(px, py));
            tissue += u32::from(slide.is_tissue_at(px, py));
        }
    }
    (tumour as f64 / 256.0, tissue as f64 / 256.0)
}

/// A drawn patch position: tumour label, top-left corner, tumour and tissue fractions.
type Placement = (bool, u32, u32, f64, f64);

/// Draws patch positions on one slide: `n` tumour and `n` normal.
fn draw_positions(
    slide: &SyntheticSlide,
    n: usize,
    cfg: &PatchDatasetConfig,
    rng: &mut impl Rng,
) -> Result<Vec<Placement>> {
    let (w, h) = slide.dimensions();
    let size = cfg.patch_size;
    let mut out = Vec::with_capacity(2 * n);
    for tumour_label in [true, false] {
        let mut found = 0;
        let mut tries = 0usize;
        while found < n {
            tries += 1;
            if tries > 5000 * n.max(1) {
                return Err(SynthError::InvalidConfig(format!(
                    "could not place {n} {} patches of {size} px on a {w}x{h} slide; make slide_size larger",
                    if tumour_label { "tumour" } else { "normal" }
                )));
            }
            let x = rng.random_range(0..=w - size);
            let y = rng.random_range(0..=h - size);
            let (tu, ti) = coverage(slide, x, y, size);
            let fits = if tumour_label {
                tu >= cfg.min_fraction
            } else {
                tu == 0.0 && ti >= cfg.min_fraction
            };
            let control = slide.truth_control_overlaps(x, y, size);
            if fits && !control {
                out.push((tumour_label, x, y, tu, ti));
                found += 1;
            }
        }
    }
    Ok(out)
}

/// Writes the dataset into `out_dir` (`tumor/`, `normal/`, `index.csv`) and returns its records.
pub fn export_patches(cfg: &PatchDatasetConfig, out_dir: &Path) -> Result<Vec<PatchRecord>> {
    if cfg.patches_per_label == 0 || cfg.slides == 0 || cfg.patch_size < 16 {
        return Err(SynthError::InvalidConfig(format!(
            "patch dataset needs patches_per_label > 0, slides > 0 and patch_size >= 16 (got {}, {}, {})",
            cfg.patches_per_label, cfg.slides, cfg.patch_size
        )));
    }
    if cfg.slide_size[0] < 4 * cfg.patch_size || cfg.slide_size[1] < 4 * cfg.patch_size {
        return Err(SynthError::InvalidConfig(format!(
            "slide_size {:?} must be at least 4 patches ({} px) per side",
            cfg.slide_size,
            4 * cfg.patch_size
        )));
    }
    for sub in ["tumor", "normal"] {
        let dir = out_dir.join(sub);
        std::fs::create_dir_all(&dir).map_err(|e| SynthError::io(&dir, e))?;
    }
    let mut records = Vec::new();
    for s in 0..cfg.slides {
        let n = cfg.patches_per_label / cfg.slides
            + usize::from(s < cfg.patches_per_label % cfg.slides);
        if n == 0 {
            continue;
        }
        let class = Her2Class::ALL[s % Her2Class::ALL.len()];
        let slide_seed = mix64(cfg.seed ^ (s as u64 + 1).wrapping_mul(0x9e37_79b9));
        let slide_cfg = SynthConfig {
            width: cfg.slide_size[0],
            height: cfg.slide_size[1],
            mpp: cfg.mpp,
            class,
            seed: slide_seed,
            control: s % 2 == 0,
            ..SynthConfig::default()
        };
        let slide = SyntheticSlide::new(&slide_cfg)?;
        let mut rng = ChaCha8Rng::seed_from_u64(slide_seed);
        let positions = draw_positions(&slide, n, cfg, &mut rng)?;
        let batch: Vec<PatchRecord> = positions
            .into_par_iter()
            .enumerate()
            .map(|(k, (tumour, x, y, tu, ti))| {
                let label = if tumour { "tumor" } else { "normal" };
                let path = format!("{label}/s{s:03}-{}-{k:04}.png", class.slug());
                let img = slide.render_region(x, y, cfg.patch_size, cfg.patch_size);
                write_png(&out_dir.join(&path), &DynamicImage::ImageRgb8(img))?;
                Ok(PatchRecord {
                    path,
                    label: label.to_string(),
                    slide: s,
                    class,
                    x,
                    y,
                    tumour_fraction: tu,
                    tissue_fraction: ti,
                })
            })
            .collect::<Result<_>>()?;
        records.extend(batch);
    }
    write_index(&out_dir.join("index.csv"), &records)?;
    Ok(records)
}

fn write_index(path: &Path, records: &[PatchRecord]) -> Result<()> {
    let mut text = String::from("path,label,slide,class,x,y,tumour_fraction,tissue_fraction\n");
    for r in records {
        text.push_str(&format!(
            "{},{},{},{},{},{},{:.4},{:.4}\n",
            r.path,
            r.label,
            r.slide,
            r.class.slug(),
            r.x,
            r.y,
            r.tumour_fraction,
            r.tissue_fraction
        ));
    }
    write_bytes(path, text.as_bytes())
}
