//! [`PatchGrid`]: tiles a level-0 region into patches of a fixed pixel size at a target
//! resolution, whatever the scanner's magnification, and [`read_patch`] reads one.
//!
//! Example: 256 px patches at 0.5 µm/px (the paper's 20x) cover 256 level-0 pixels of a 20x
//! scan (0.5 µm/px) but 512 level-0 pixels of a 40x scan (0.25 µm/px). The grid picks the
//! pyramid level to read from: a level within [`PatchGridConfig::level_tolerance`] of the
//! target is read as is; otherwise the coarsest level still finer than the target is read and
//! resized down, so a patch is never upsampled from a coarser level when a finer one exists.

use std::path::PathBuf;

use image::RgbImage;

use crate::error::{Result, WsiError};
use crate::geometry::{Rect, rescale_to_pixels};
use crate::resize::resize_rgb;
use crate::slide::{Mpp, Slide};

/// How to tile a slide into patches. `Default` is the paper's: 256 px at 0.5 µm/px.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PatchGridConfig {
    /// Side of each output patch in pixels.
    pub patch_px: u32,
    /// Target resolution of the output patches in µm/px (0.5 = 20x, 0.25 = 40x).
    pub target_mpp: f64,
    /// Relative difference under which a level's resolution counts as the target (read
    /// without resizing): 0.05 lets a 0.499 µm/px scan serve 0.5 µm/px patches directly.
    pub level_tolerance: f64,
    /// Also yield the patches that run past the region's right or bottom edge (the part
    /// outside the slide reads white). Off: only whole patches.
    pub keep_partial: bool,
}

impl Default for PatchGridConfig {
    fn default() -> Self {
        Self {
            patch_px: 256,
            target_mpp: 0.5,
            level_tolerance: 0.05,
            keep_partial: false,
        }
    }
}

impl PatchGridConfig {
    /// Checks that the values make sense.
    pub fn validate(&self) -> Result<()> {
        if self.patch_px == 0 {
            return Err(WsiError::InvalidParameter(
                "patch_px must be at least 1".to_owned(),
            ));
        }
        if !(self.target_mpp.is_finite() && self.target_mpp > 0.0) {
            return Err(WsiError::InvalidParameter(format!(
                "target_mpp must be finite and positive, got {}",
                self.target_mpp
            )));
        }
        if !(0.0..1.0).contains(&self.level_tolerance) {
            return Err(WsiError::InvalidParameter(format!(
                "level_tolerance must be in [0, 1), got {}",
                self.level_tolerance
            )));
        }
        Ok(())
    }
}

/// The pyramid facts a grid is planned from: a snapshot of a [`Slide`]'s geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct PyramidGeometry {
    /// The slide's file, for error messages.
    pub path: PathBuf,
    /// Width and height of each level.
    pub level_dimensions: Vec<(u64, u64)>,
    /// Downsample of each level relative to level 0 (ascending).
    pub level_downsamples: Vec<f64>,
    /// Level-0 resolution, if known.
    pub mpp: Option<Mpp>,
}

impl PyramidGeometry {
    /// The geometry of `slide`.
    pub fn of<S: Slide + ?Sized>(slide: &S) -> Self {
        let levels = 0..slide.level_count();
        Self {
            path: slide.path().to_path_buf(),
            level_dimensions: levels
                .clone()
                .filter_map(|l| slide.level_dimensions(l))
                .collect(),
            level_downsamples: levels.filter_map(|l| slide.level_downsample(l)).collect(),
            mpp: slide.mpp(),
        }
    }
}

/// One patch: where it is (level 0), where to read it from, and its output size.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Patch {
    /// Column in the grid.
    pub col: u32,
    /// Row in the grid.
    pub row: u32,
    /// The patch's area in level-0 pixels (may run past the slide edge for partial patches).
    pub rect: Rect,
    /// Pyramid level to read.
    pub level: usize,
    /// Downsample of that level.
    pub level_downsample: f64,
    /// Side of the square read at `level`, in that level's pixels.
    pub read_px: u32,
    /// Side of the output patch in pixels.
    pub out_px: u32,
}

/// A grid of patches over a level-0 region at a target resolution; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchGrid {
    region: Rect,
    config: PatchGridConfig,
    slide_mpp: Mpp,
    level: usize,
    level_downsample: f64,
    patch_level0: u64,
    read_px: u32,
    cols: u32,
    rows: u32,
}

/// The level to read for `target` downsample: the closest level within `tolerance`, else the
/// coarsest level finer than the target (level 0 when the target is finer than level 0).
/// Returns the level and whether it was snapped to (read without a resize).
fn choose_level(downsamples: &[f64], target: f64, tolerance: f64) -> (usize, bool) {
    let snapped = downsamples
        .iter()
        .enumerate()
        .map(|(level, d)| (level, (d / target - 1.0).abs()))
        .filter(|(_, off)| *off <= tolerance)
        .min_by(|a, b| a.1.total_cmp(&b.1));
    if let Some((level, _)) = snapped {
        return (level, true);
    }
    let finer = downsamples
        .iter()
        .enumerate()
        .filter(|(_, d)| **d <= target)
        .max_by(|a, b| a.1.total_cmp(b.1));
    (finer.map_or(0, |(level, _)| level), false)
}

impl PatchGrid {
    /// Plans a grid over `region` (the whole level 0 when `None`) of `slide`.
    ///
    /// Fails with [`WsiError::MissingMpp`] when the slide states no resolution: open it with
    /// [`OpenOptions::mpp`](crate::OpenOptions::mpp) set (e.g. `--mpp 0.25` for a 40x scan).
    pub fn new<S: Slide + ?Sized>(
        slide: &S,
        region: Option<Rect>,
        config: &PatchGridConfig,
    ) -> Result<Self> {
        Self::from_geometry(&PyramidGeometry::of(slide), region, config)
    }

    /// Plans a grid from a pyramid's geometry alone (see [`PatchGrid::new`]).
    pub fn from_geometry(
        geometry: &PyramidGeometry,
        region: Option<Rect>,
        config: &PatchGridConfig,
    ) -> Result<Self> {
        config.validate()?;
        let slide_mpp = geometry.mpp.ok_or_else(|| WsiError::MissingMpp {
            path: geometry.path.clone(),
        })?;
        let (width, height) = geometry.level_dimensions.first().copied().unwrap_or((0, 0));
        let full = Rect::full(width, height);
        let region = region.unwrap_or(full);
        if region.is_empty() || region.intersection(&full) != Some(region) {
            return Err(WsiError::OutOfBounds {
                path: geometry.path.clone(),
                x: i64::try_from(region.x).unwrap_or(i64::MAX),
                y: i64::try_from(region.y).unwrap_or(i64::MAX),
                level: 0,
                w: u32::try_from(region.w).unwrap_or(u32::MAX),
                h: u32::try_from(region.h).unwrap_or(u32::MAX),
                reason: format!(
                    "a patch grid region must be non-empty and inside the {width}x{height} level 0"
                ),
            });
        }
        let target_downsample = config.target_mpp / slide_mpp.mean();
        let (level, snapped) = choose_level(
            &geometry.level_downsamples,
            target_downsample,
            config.level_tolerance,
        );
        let level_downsample = geometry
            .level_downsamples
            .get(level)
            .copied()
            .unwrap_or(1.0);
        let effective_downsample = if snapped {
            level_downsample
        } else {
            target_downsample
        };
        let patch_level0 =
            rescale_to_pixels(u64::from(config.patch_px), effective_downsample, 1.0).max(1);
        let read_px = u32::try_from(rescale_to_pixels(patch_level0, 1.0, level_downsample).max(1))
            .map_err(|_| {
                WsiError::InvalidParameter(format!(
                    "{}: a {} px patch at {} µm/px is too large to read",
                    geometry.path.display(),
                    config.patch_px,
                    config.target_mpp
                ))
            })?;
        let count = |len: u64| {
            let n = if config.keep_partial {
                len.div_ceil(patch_level0)
            } else {
                len / patch_level0
            };
            u32::try_from(n).unwrap_or(u32::MAX)
        };
        Ok(Self {
            region,
            config: *config,
            slide_mpp,
            level,
            level_downsample,
            patch_level0,
            read_px,
            cols: count(region.w),
            rows: count(region.h),
        })
    }

    /// Number of columns.
    pub fn cols(&self) -> u32 {
        self.cols
    }

    /// Number of rows.
    pub fn rows(&self) -> u32 {
        self.rows
    }

    /// Number of patches.
    pub fn len(&self) -> usize {
        self.cols as usize * self.rows as usize
    }

    /// Whether the region holds no whole patch.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The tiled region (level 0).
    pub fn region(&self) -> Rect {
        self.region
    }

    /// The configuration the grid was planned with.
    pub fn config(&self) -> &PatchGridConfig {
        &self.config
    }

    /// The pyramid level every patch is read from.
    pub fn level(&self) -> usize {
        self.level
    }

    /// Downsample of [`PatchGrid::level`].
    pub fn level_downsample(&self) -> f64 {
        self.level_downsample
    }

    /// Side of one patch in level-0 pixels (also the grid's stride).
    pub fn patch_level0_px(&self) -> u64 {
        self.patch_level0
    }

    /// The resolution the output patches really have (µm/px): the target, up to rounding of
    /// the level-0 patch side to whole pixels or snapping to a level within tolerance.
    pub fn effective_mpp(&self) -> f64 {
        self.slide_mpp.mean() * self.patch_level0 as f64 / f64::from(self.config.patch_px)
    }

    /// The patch at grid position (`col`, `row`), or `None` outside the grid.
    pub fn patch(&self, col: u32, row: u32) -> Option<Patch> {
        if col >= self.cols || row >= self.rows {
            return None;
        }
        let x = self.region.x + u64::from(col) * self.patch_level0;
        let y = self.region.y + u64::from(row) * self.patch_level0;
        Some(Patch {
            col,
            row,
            rect: Rect::new(x, y, self.patch_level0, self.patch_level0),
            level: self.level,
            level_downsample: self.level_downsample,
            read_px: self.read_px,
            out_px: self.config.patch_px,
        })
    }

    /// The `index`-th patch in row-major order (handy with `rayon`'s `into_par_iter`).
    pub fn patch_at(&self, index: usize) -> Option<Patch> {
        let cols = self.cols as usize;
        if cols == 0 {
            return None;
        }
        let col = u32::try_from(index % cols).ok()?;
        let row = u32::try_from(index / cols).ok()?;
        self.patch(col, row)
    }

    /// All patches, row by row.
    pub fn iter(&self) -> impl Iterator<Item = Patch> + '_ {
        (0..self.len()).filter_map(|i| self.patch_at(i))
    }
}

/// Reads `patch` from `slide` at exactly `patch.out_px` x `patch.out_px` pixels: one read at
/// the patch's level, resized when that level is not the target resolution.
pub fn read_patch<S: Slide + ?Sized>(slide: &S, patch: &Patch) -> Result<RgbImage> {
    let bad = || WsiError::OutOfBounds {
        path: slide.path().to_path_buf(),
        x: i64::MAX,
        y: i64::MAX,
        level: patch.level,
        w: patch.read_px,
        h: patch.read_px,
        reason: "patch coordinates beyond the 63-bit range".to_owned(),
    };
    let x = i64::try_from(patch.rect.x).map_err(|_| bad())?;
    let y = i64::try_from(patch.rect.y).map_err(|_| bad())?;
    let pixels = slide.read_region(x, y, patch.level, patch.read_px, patch.read_px)?;
    resize_rgb(pixels, patch.out_px, patch.out_px)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An Aperio-style pyramid (downsamples 1, 4, 16) of `side` x `side` at `mpp`.
    fn aperio(side: u64, mpp: f64) -> PyramidGeometry {
        PyramidGeometry {
            path: PathBuf::from("scan.svs"),
            level_dimensions: vec![(side, side), (side / 4, side / 4), (side / 16, side / 16)],
            level_downsamples: vec![1.0, 4.0, 16.0],
            mpp: Some(Mpp::square(mpp)),
        }
    }

    #[test]
    fn twenty_x_reads_level0_without_resizing() {
        let g = PatchGrid::from_geometry(&aperio(10_000, 0.499), None, &PatchGridConfig::default())
            .unwrap();
        assert_eq!((g.level(), g.patch_level0_px()), (0, 256));
        assert_eq!((g.cols(), g.rows(), g.len()), (39, 39, 39 * 39));
        let p = g.patch(2, 1).unwrap();
        assert_eq!(p.rect, Rect::new(512, 256, 256, 256));
        assert_eq!((p.read_px, p.out_px), (256, 256));
        assert!((g.effective_mpp() - 0.499).abs() < 1e-9);
    }

    #[test]
    fn forty_x_reads_twice_the_area_and_halves_it() {
        let g = PatchGrid::from_geometry(&aperio(10_000, 0.25), None, &PatchGridConfig::default())
            .unwrap();
        // Target downsample 2 lies between levels 1 and 4: read level 0, 512 px, resize to 256.
        assert_eq!((g.level(), g.patch_level0_px()), (0, 512));
        assert_eq!((g.cols(), g.rows()), (19, 19));
        let p = g.patch(1, 1).unwrap();
        assert_eq!(p.rect, Rect::new(512, 512, 512, 512));
        assert_eq!((p.read_px, p.out_px), (512, 256));
        assert!((g.effective_mpp() - 0.5).abs() < 1e-9);
    }

    #[test]
    fn forty_x_with_a_2x_level_reads_that_level_directly() {
        let geometry = PyramidGeometry {
            level_dimensions: vec![(8192, 8192), (4096, 4096), (1024, 1024)],
            level_downsamples: vec![1.0, 2.0, 8.0],
            ..aperio(8192, 0.2527)
        };
        let g = PatchGrid::from_geometry(&geometry, None, &PatchGridConfig::default()).unwrap();
        assert_eq!((g.level(), g.patch_level0_px()), (1, 512));
        let p = g.patch(0, 0).unwrap();
        assert_eq!((p.read_px, p.out_px), (256, 256));
    }

    #[test]
    fn a_coarser_target_uses_a_coarser_level() {
        let config = PatchGridConfig {
            target_mpp: 2.0,
            ..PatchGridConfig::default()
        };
        let g = PatchGrid::from_geometry(&aperio(40_000, 0.5), None, &config).unwrap();
        // Target downsample 4 is level 1 exactly: 1024 level-0 px read as 256 px at level 1.
        assert_eq!((g.level(), g.patch_level0_px()), (1, 1024));
        assert_eq!(g.patch(0, 0).unwrap().read_px, 256);
    }

    #[test]
    fn region_and_partial_patches() {
        let region = Rect::new(100, 200, 700, 300);
        let whole = PatchGrid::from_geometry(
            &aperio(10_000, 0.5),
            Some(region),
            &PatchGridConfig::default(),
        )
        .unwrap();
        assert_eq!((whole.cols(), whole.rows()), (2, 1));
        assert_eq!(
            whole.patch(1, 0).unwrap().rect,
            Rect::new(356, 200, 256, 256)
        );
        assert_eq!(whole.patch(2, 0), None);
        let partial = PatchGrid::from_geometry(
            &aperio(10_000, 0.5),
            Some(region),
            &PatchGridConfig {
                keep_partial: true,
                ..PatchGridConfig::default()
            },
        )
        .unwrap();
        assert_eq!((partial.cols(), partial.rows()), (3, 2));
        let all: Vec<Patch> = partial.iter().collect();
        assert_eq!(all.len(), 6);
        assert_eq!((all[4].col, all[4].row), (1, 1));
    }

    #[test]
    fn missing_mpp_and_bad_input_are_errors() {
        let mut geometry = aperio(1000, 0.5);
        geometry.mpp = None;
        let err =
            PatchGrid::from_geometry(&geometry, None, &PatchGridConfig::default()).unwrap_err();
        assert!(matches!(err, WsiError::MissingMpp { .. }));
        assert!(err.to_string().contains("scan.svs"), "{err}");
        let outside = PatchGrid::from_geometry(
            &aperio(1000, 0.5),
            Some(Rect::new(900, 0, 200, 10)),
            &PatchGridConfig::default(),
        );
        assert!(matches!(outside, Err(WsiError::OutOfBounds { .. })));
        for bad in [
            PatchGridConfig {
                patch_px: 0,
                ..PatchGridConfig::default()
            },
            PatchGridConfig {
                target_mpp: -1.0,
                ..PatchGridConfig::default()
            },
            PatchGridConfig {
                level_tolerance: 1.5,
                ..PatchGridConfig::default()
            },
        ] {
            assert!(matches!(
                PatchGrid::from_geometry(&aperio(1000, 0.5), None, &bad),
                Err(WsiError::InvalidParameter(_))
            ));
        }
    }

    #[test]
    fn choose_level_prefers_snapping_then_finer() {
        assert_eq!(choose_level(&[1.0, 4.0, 16.0], 1.002, 0.05), (0, true));
        assert_eq!(choose_level(&[1.0, 4.0, 16.0], 2.0, 0.05), (0, false));
        assert_eq!(choose_level(&[1.0, 4.0, 16.0], 3.9, 0.05), (1, true));
        assert_eq!(choose_level(&[1.0, 4.0, 16.0], 8.0, 0.05), (1, false));
        assert_eq!(choose_level(&[1.0, 4.0, 16.0], 0.5, 0.05), (0, false));
    }
}
