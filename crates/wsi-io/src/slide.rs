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

impl AssociatedKind {
    /// All kinds, in display order.
    pub const ALL: [AssociatedKind; 3] = [Self::Label, Self::Macro, Self::Thumbnail];

    /// OpenSlide's name for this associated image (`label`, `macro`, `thumbnail`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Label => "label",
            Self::Macro => "macro",
            Self::Thumbnail => "thumbnail",
        }
    }

    /// The kind OpenSlide calls `name`, if it is one of the three.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
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

    /// The largest read, in pixels (`w * h`), this slide accepts in one call; larger requests
    /// fail with [`WsiError::BadSize`](crate::WsiError::BadSize) instead of allocating.
    fn max_read_pixels(&self) -> u64 {
        crate::OpenOptions::DEFAULT_MAX_READ_PIXELS
    }

    /// An overview at most `max_side` pixels on its longer side (never larger than level 0),
    /// keeping the aspect ratio: read from the coarsest level that is still at least as fine
    /// as needed, then resized. Levels above the read budget are read in bands.
    fn thumbnail(&self, max_side: u32) -> Result<RgbImage> {
        crate::thumbnail::thumbnail(self, max_side)
    }

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
