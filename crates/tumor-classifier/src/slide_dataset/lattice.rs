//! A slide's annotations on the lattice of `L / 8` cells: tumour, tissue and excluded per
//! cell, and the counts of each over any patch's window.

use std::path::Path;

use image::GrayImage;
use rayon::prelude::*;

use crate::annotation::Polygon;
use crate::error::{ClassifierError, Result};

/// Lattice cells per patch side.
pub(super) const CELLS: usize = 8;
/// Per-cell labels of one slide on the `L / 8` lattice.
pub(super) struct Lattice {
    pub(super) cols: usize,
    pub(super) rows: usize,
    /// Side of a cell in level-0 pixels.
    pub(super) step: f64,
}

impl Lattice {
    pub(super) fn centre(&self, i: usize, j: usize) -> (f64, f64) {
        ((i as f64 + 0.5) * self.step, (j as f64 + 0.5) * self.step)
    }

    pub(super) fn sample(&self, f: impl Fn(f64, f64) -> bool + Sync) -> Vec<bool> {
        (0..self.rows * self.cols)
            .into_par_iter()
            .map(|k| {
                let (x, y) = self.centre(k % self.cols, k / self.cols);
                f(x, y)
            })
            .collect()
    }

    /// Cells whose centre lies inside any of `polygons` (even-odd per polygon, scanlines).
    pub(super) fn rasterise(&self, polygons: &[Polygon]) -> Vec<bool> {
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
    pub(super) fn window_counts(&self, cells: &[bool]) -> Vec<u8> {
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
pub(super) struct MaskImage {
    pub(super) image: GrayImage,
    /// Mask pixels per level-0 pixel, x and y.
    pub(super) scale: (f64, f64),
}

impl MaskImage {
    pub(super) fn open(path: &Path, width: u64, height: u64) -> Result<Self> {
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
    pub(super) fn at(&self, x: f64, y: f64) -> bool {
        let (w, h) = self.image.dimensions();
        let px = ((x * self.scale.0) as u32).min(w - 1);
        let py = ((y * self.scale.1) as u32).min(h - 1);
        self.image.get_pixel(px, py)[0] >= 128
    }
}

/// Whether `path` names a GeoJSON file: `.geojson` or `.json`, gzipped (`.gz`) or not.
pub(super) fn is_geojson(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    name.ends_with(".geojson") || name.ends_with(".json")
}
