//! The [`Slide`] trait: what every slide backend offers the pipeline.

use std::collections::BTreeMap;
use std::path::Path;

use image::RgbImage;

use crate::error::Result;

/// Microns per pixel at level 0, per axis.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Mpp {
    /// Microns per pixel along x.
    pub x: f64,
    /// Microns per pixel along y.
    pub y: f64,
}

impl Mpp {
    /// The same resolution on both axes.
    pub fn square(um_per_px: f64) -> Self {
        Self {
            x: um_per_px,
            y: um_per_px,
        }
    }

    /// Mean of the two axes, the single figure used to pick levels and scale patches.
    pub fn mean(&self) -> f64 {
        (self.x + self.y) / 2.0
    }
}

/// Which associated (non-pyramid) image of a slide to fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum AssociatedKind {
    /// The slide label (barcode, case number).
    Label,
    /// The overview (macro) photograph of the whole glass.
    Macro,
    /// A thumbnail stored by the scanner.
    Thumbnail,
}

/// A whole-slide image: a pyramid of levels addressed in level-0 pixel coordinates.
///
/// Implementations are `Send + Sync` so many threads can read regions of one slide at once.
pub trait Slide: Send + Sync {
    /// The file (or other source) this slide was read from, for error messages and reports.
    fn path(&self) -> &Path;

    /// Number of pyramid levels (at least 1).
    fn level_count(&self) -> usize;

    /// Width and height of `level` in that level's pixels, or `None` when the level does not exist.
    fn level_dimensions(&self, level: usize) -> Option<(u64, u64)>;

    /// Downsample factor of `level` relative to level 0, or `None` when the level does not exist.
    fn level_downsample(&self, level: usize) -> Option<f64>;

    /// Level-0 microns per pixel, when the file (or the caller) states it; never a guess.
    fn mpp(&self) -> Option<Mpp>;

    /// Scanner objective power (e.g. 20 or 40), when the file states it.
    fn objective_power(&self) -> Option<f64>;

    /// Vendor name as detected by the backend (e.g. `aperio`, `generic-tiff`, `image`).
    fn vendor(&self) -> Option<String>;

    /// All properties the backend exposes, as key/value strings.
    fn properties(&self) -> BTreeMap<String, String>;

    /// Names of the associated images the slide carries.
    fn associated_kinds(&self) -> Vec<AssociatedKind>;

    /// One associated image, or `Ok(None)` when the slide has none of that kind.
    fn associated_image(&self, kind: AssociatedKind) -> Result<Option<RgbImage>>;

    /// Reads `w` x `h` pixels of `level`, whose top-left corner is (`x`, `y`) in level-0
    /// coordinates. Transparent pixels (outside scanned areas) come back white.
    fn read_region(&self, x: i64, y: i64, level: usize, w: u32, h: u32) -> Result<RgbImage>;

    /// Level-0 dimensions.
    fn dimensions(&self) -> (u64, u64) {
        self.level_dimensions(0).unwrap_or((0, 0))
    }

    /// The level whose downsample is the largest not exceeding `downsample` (level 0 when
    /// all levels are finer than asked).
    fn best_level_for_downsample(&self, downsample: f64) -> usize {
        let mut best = 0;
        for level in 0..self.level_count() {
            match self.level_downsample(level) {
                Some(d) if d <= downsample * (1.0 + 1e-6) => best = level,
                _ => break,
            }
        }
        best
    }
}
