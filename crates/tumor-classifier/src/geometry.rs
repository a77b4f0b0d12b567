//! The patch grid a [`TumorMap`](crate::TumorMap) lives on, and binary rasters (tissue,
//! tumour) with their downsample. Rectangles are `wsi_io::Rect` (level-0 pixels).

use serde::{Deserialize, Serialize};
use wsi_io::PatchGrid;
pub use wsi_io::Rect;

use crate::error::{ClassifierError, Result};

/// A regular grid of square cells in level-0 pixels: cell (`col`, `row`) covers
/// `[x0 + col * cell_size, ...)`. Only whole cells are included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GridGeometry {
    /// Left edge of the grid (level-0 pixels).
    pub x0: u64,
    /// Top edge of the grid (level-0 pixels).
    pub y0: u64,
    /// Side of one cell in level-0 pixels (e.g. 512 for 256 px patches at 0.5 um/px on a
    /// 0.25 um/px slide).
    pub cell_size: u64,
    /// Number of columns.
    pub cols: u32,
    /// Number of rows.
    pub rows: u32,
}

impl GridGeometry {
    /// The geometry of a `wsi_io` patch grid.
    pub fn of_patch_grid(grid: &PatchGrid) -> Self {
        let region = grid.region();
        Self {
            x0: region.x,
            y0: region.y,
            cell_size: grid.patch_level0_px(),
            cols: grid.cols(),
            rows: grid.rows(),
        }
    }

    /// The grid of `cell_size` level-0 px cells over a `width` x `height` slide from (0, 0).
    pub fn with_cell_size(width: u64, height: u64, cell_size: u64) -> Result<Self> {
        if cell_size == 0 {
            return Err(ClassifierError::InvalidConfig(
                "grid cell size must be at least 1 level-0 pixel".into(),
            ));
        }
        let count = |len: u64| u32::try_from(len / cell_size).unwrap_or(u32::MAX);
        Ok(Self {
            x0: 0,
            y0: 0,
            cell_size,
            cols: count(width),
            rows: count(height),
        })
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.cols as usize * self.rows as usize
    }

    /// Whether the grid has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The level-0 rectangle of cell (`col`, `row`).
    pub fn cell_rect(&self, col: u32, row: u32) -> Rect {
        Rect::new(
            self.x0 + u64::from(col) * self.cell_size,
            self.y0 + u64::from(row) * self.cell_size,
            self.cell_size,
            self.cell_size,
        )
    }

    /// Row-major index of cell (`col`, `row`).
    pub fn index(&self, col: u32, row: u32) -> usize {
        row as usize * self.cols as usize + col as usize
    }

    /// (`col`, `row`) of a row-major index.
    pub fn cell_of(&self, index: usize) -> (u32, u32) {
        let cols = self.cols.max(1) as usize;
        ((index % cols) as u32, (index / cols) as u32)
    }
}

/// A binary raster (tissue, tumour) stored at `downsample` level-0 pixels per raster pixel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bitmap {
    /// Width in raster pixels.
    pub width: u32,
    /// Height in raster pixels.
    pub height: u32,
    /// Level-0 pixels per raster pixel.
    pub downsample: f64,
    /// Row-major pixels, `true` = inside.
    pub bits: Vec<bool>,
}

impl Bitmap {
    /// Wraps `bits`, checking the length and downsample.
    pub fn new(width: u32, height: u32, downsample: f64, bits: Vec<bool>) -> Result<Self> {
        if bits.len() != width as usize * height as usize {
            return Err(ClassifierError::InvalidConfig(format!(
                "bitmap of {width}x{height} needs {} pixels, got {}",
                width as usize * height as usize,
                bits.len()
            )));
        }
        if !(downsample.is_finite() && downsample > 0.0) {
            return Err(ClassifierError::InvalidConfig(format!(
                "bitmap downsample must be positive, got {downsample}"
            )));
        }
        Ok(Self {
            width,
            height,
            downsample,
            bits,
        })
    }

    /// Whether raster pixel (`x`, `y`) is set (`false` outside the raster).
    pub fn get(&self, x: i64, y: i64) -> bool {
        x >= 0
            && y >= 0
            && x < i64::from(self.width)
            && y < i64::from(self.height)
            && self.bits[y as usize * self.width as usize + x as usize]
    }

    /// Fraction of the raster pixels under the level-0 rectangle `rect` that are set
    /// (raster pixels whose centre lies in the rectangle; the nearest pixel for a
    /// rectangle smaller than one raster pixel).
    pub fn fraction(&self, rect: Rect) -> f64 {
        let d = self.downsample;
        let (x, y, w, h) = (rect.x as f64, rect.y as f64, rect.w as f64, rect.h as f64);
        let x0 = (x / d - 0.5).ceil() as i64;
        let y0 = (y / d - 0.5).ceil() as i64;
        let x1 = ((x + w) / d - 0.5).ceil() as i64;
        let y1 = ((y + h) / d - 0.5).ceil() as i64;
        if x1 <= x0 || y1 <= y0 {
            let (cx, cy) = (x + w / 2.0, y + h / 2.0);
            return if self.get((cx / d) as i64, (cy / d) as i64) {
                1.0
            } else {
                0.0
            };
        }
        let mut set = 0usize;
        for y in y0..y1 {
            for x in x0..x1 {
                set += usize::from(self.get(x, y));
            }
        }
        set as f64 / ((x1 - x0) * (y1 - y0)) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_cells_cover_level0_rectangles() {
        let g = GridGeometry::with_cell_size(2000, 1100, 512).unwrap();
        assert_eq!((g.cell_size, g.cols, g.rows), (512, 3, 2));
        assert_eq!(g.cell_rect(2, 1), Rect::new(1024, 512, 512, 512));
        assert_eq!(g.cell_of(g.index(2, 1)), (2, 1));
        assert!(GridGeometry::with_cell_size(10, 10, 0).is_err());
        assert!(
            GridGeometry::with_cell_size(100, 100, 512)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn bitmap_fraction_counts_covered_pixels() {
        // 4x2 raster at downsample 10: left half set.
        let bits = vec![true, true, false, false, true, true, false, false];
        let m = Bitmap::new(4, 2, 10.0, bits).unwrap();
        assert_eq!(m.fraction(Rect::new(0, 0, 40, 20)), 0.5);
        assert_eq!(m.fraction(Rect::new(0, 0, 20, 20)), 1.0);
        assert_eq!(m.fraction(Rect::new(21, 1, 3, 3)), 0.0);
        assert_eq!(m.fraction(Rect::new(100, 100, 50, 50)), 0.0);
        assert!(Bitmap::new(3, 3, 1.0, vec![true; 8]).is_err());
    }
}
