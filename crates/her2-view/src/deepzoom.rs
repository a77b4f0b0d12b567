//! Deep Zoom geometry (the DZI format OpenSeadragon reads) over a slide, and the rendering of
//! one tile from the slide on demand: the pyramid level closest to the tile's scale is read
//! and resized, never a pre-rendered pyramid.
//!
//! Level `n - 1` is the slide at full resolution; each level below halves it (rounding up)
//! down to 1 x 1 pixel, as in OpenSlide's `DeepZoomGenerator`. Tiles have no overlap.

use image::RgbImage;
use wsi_io::Slide;

use crate::error::{Result, ViewError};

/// A rectangle in level-0 pixels and the size it is shown at, for one tile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TileRegion {
    /// Left edge, level-0 pixels.
    pub x: f64,
    /// Top edge, level-0 pixels.
    pub y: f64,
    /// Width, level-0 pixels.
    pub w: f64,
    /// Height, level-0 pixels.
    pub h: f64,
    /// Width of the tile image, pixels.
    pub out_w: u32,
    /// Height of the tile image, pixels.
    pub out_h: u32,
    /// Level-0 pixels per tile pixel.
    pub downsample: f64,
}

/// The Deep Zoom pyramid of an image of a given level-0 size.
#[derive(Debug, Clone, PartialEq)]
pub struct DeepZoom {
    width: u64,
    height: u64,
    tile_size: u32,
    /// Size of each level, coarsest (1 x 1) first.
    levels: Vec<(u64, u64)>,
}

impl DeepZoom {
    /// The pyramid of a `width` x `height` image cut into `tile_size` px tiles.
    pub fn new(width: u64, height: u64, tile_size: u32) -> Result<Self> {
        if width == 0 || height == 0 || tile_size == 0 {
            return Err(ViewError::Config(format!(
                "cannot tile a {width} x {height} image into {tile_size} px tiles"
            )));
        }
        let mut levels = vec![(width, height)];
        let (mut w, mut h) = (width, height);
        while w > 1 || h > 1 {
            w = w.div_ceil(2).max(1);
            h = h.div_ceil(2).max(1);
            levels.push((w, h));
        }
        levels.reverse();
        Ok(Self {
            width,
            height,
            tile_size,
            levels,
        })
    }

    /// Number of levels.
    pub fn level_count(&self) -> usize {
        self.levels.len()
    }

    /// Tile side in pixels.
    pub fn tile_size(&self) -> u32 {
        self.tile_size
    }

    /// Columns and rows of tiles at `level`, or `None` when the level does not exist.
    pub fn tiles(&self, level: usize) -> Option<(u64, u64)> {
        let (w, h) = *self.levels.get(level)?;
        let t = u64::from(self.tile_size);
        Some((w.div_ceil(t), h.div_ceil(t)))
    }

    /// Level-0 pixels per pixel of `level`.
    pub fn downsample(&self, level: usize) -> Option<f64> {
        let steps = self.levels.len().checked_sub(level + 1)?;
        Some(2f64.powi(i32::try_from(steps).ok()?))
    }

    /// Where tile (`col`, `row`) of `level` lies, or `None` when there is no such tile.
    pub fn tile(&self, level: usize, col: u64, row: u64) -> Option<TileRegion> {
        let (lw, lh) = *self.levels.get(level)?;
        let (cols, rows) = self.tiles(level)?;
        if col >= cols || row >= rows {
            return None;
        }
        let t = u64::from(self.tile_size);
        let (px, py) = (col * t, row * t);
        let (out_w, out_h) = ((lw - px).min(t), (lh - py).min(t));
        let d = self.downsample(level)?;
        let x = px as f64 * d;
        let y = py as f64 * d;
        Some(TileRegion {
            x,
            y,
            w: (out_w as f64 * d).min(self.width as f64 - x),
            h: (out_h as f64 * d).min(self.height as f64 - y),
            out_w: u32::try_from(out_w).ok()?,
            out_h: u32::try_from(out_h).ok()?,
            downsample: d,
        })
    }

    /// The DZI descriptor (XML) for tiles of image format `format` (`jpeg`, `png`).
    pub fn dzi(&self, format: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Image xmlns=\"http://schemas.microsoft.com/deepzoom/2008\" \
             Format=\"{format}\" Overlap=\"0\" TileSize=\"{}\"><Size Width=\"{}\" Height=\"{}\"/></Image>\n",
            self.tile_size, self.width, self.height
        )
    }
}

/// A slide with the overview used for the coarsest tiles.
pub struct TileSource {
    slide: Box<dyn Slide>,
    zoom: DeepZoom,
    /// A thumbnail of the whole slide and its level-0 pixels per pixel: tiles this coarse or
    /// coarser are cut from it instead of reading (possibly huge) regions of the slide.
    overview: (RgbImage, f64),
}

/// Longest side of the overview kept in memory.
const OVERVIEW_SIDE: u32 = 2048;

impl TileSource {
    /// Wraps `slide` into tiles of `tile_size` px; reads its overview once.
    pub fn new(slide: Box<dyn Slide>, tile_size: u32) -> Result<Self> {
        let (w, h) = slide.dimensions();
        let zoom = DeepZoom::new(w, h, tile_size)?;
        let thumb = slide.thumbnail(OVERVIEW_SIDE)?;
        let overview_downsample = w as f64 / f64::from(thumb.width().max(1));
        Ok(Self {
            slide,
            zoom,
            overview: (thumb, overview_downsample),
        })
    }

    /// The Deep Zoom geometry.
    pub fn zoom(&self) -> &DeepZoom {
        &self.zoom
    }

    /// The slide.
    pub fn slide(&self) -> &dyn Slide {
        self.slide.as_ref()
    }

    /// The image of tile (`col`, `row`) of `level`; [`ViewError::NoSuchTile`] when there is
    /// no such tile.
    pub fn render(&self, level: usize, col: u64, row: u64) -> Result<RgbImage> {
        let region = self
            .zoom
            .tile(level, col, row)
            .ok_or(ViewError::NoSuchTile { level, col, row })?;
        let (overview, od) = &self.overview;
        let image = if region.downsample >= *od {
            let crop = |v: f64| (v / od).floor().max(0.0) as u32;
            let (x, y) = (crop(region.x), crop(region.y));
            let w =
                ((region.w / od).ceil() as u32).clamp(1, overview.width().saturating_sub(x).max(1));
            let h = ((region.h / od).ceil() as u32)
                .clamp(1, overview.height().saturating_sub(y).max(1));
            image::imageops::crop_imm(
                overview,
                x.min(overview.width() - 1),
                y.min(overview.height() - 1),
                w,
                h,
            )
            .to_image()
        } else {
            let level = self.slide.best_level_for_downsample(region.downsample);
            let ld = self.slide.level_downsample(level).unwrap_or(1.0);
            let w = ((region.w / ld).ceil() as u32).max(1);
            let h = ((region.h / ld).ceil() as u32).max(1);
            self.slide
                .read_region(region.x as i64, region.y as i64, level, w, h)?
        };
        if image.dimensions() == (region.out_w, region.out_h) {
            Ok(image)
        } else {
            Ok(wsi_io::resize_rgb(image, region.out_w, region.out_h)?)
        }
    }
}

/// `image` as a baseline JPEG of quality `quality`.
pub fn encode_jpeg(image: &RgbImage, quality: u8) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let (w, h) = image.dimensions();
    let (w, h) = (
        u16::try_from(w).map_err(|_| ViewError::Config(format!("tile {w} px wide")))?,
        u16::try_from(h).map_err(|_| ViewError::Config(format!("tile {h} px high")))?,
    );
    jpeg_encoder::Encoder::new(&mut out, quality)
        .encode(image.as_raw(), w, h, jpeg_encoder::ColorType::Rgb)
        .map_err(|e| ViewError::Encode(e.to_string()))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_halve_down_to_one_pixel() {
        let z = DeepZoom::new(1000, 600, 256).expect("valid");
        // 1000 -> 500 -> 250 -> 125 -> 63 -> 32 -> 16 -> 8 -> 4 -> 2 -> 1: 11 levels.
        assert_eq!(z.level_count(), 11);
        assert_eq!(z.tiles(10), Some((4, 3)));
        assert_eq!(z.tiles(0), Some((1, 1)));
        assert_eq!(z.tiles(11), None);
        assert_eq!(z.downsample(10), Some(1.0));
        assert_eq!(z.downsample(8), Some(4.0));
    }

    #[test]
    fn edge_tiles_are_cut_to_the_image() {
        let z = DeepZoom::new(1000, 600, 256).expect("valid");
        let t = z.tile(10, 3, 2).expect("exists");
        assert_eq!((t.out_w, t.out_h), (1000 - 768, 600 - 512));
        assert_eq!((t.x, t.y, t.w, t.h), (768.0, 512.0, 232.0, 88.0));
        // Level 9 is 500 x 300: tile (1, 1) covers level-0 x 512.. and y 512..600.
        let t = z.tile(9, 1, 1).expect("exists");
        assert_eq!((t.out_w, t.out_h, t.downsample), (244, 44, 2.0));
        assert_eq!((t.x, t.y, t.w, t.h), (512.0, 512.0, 488.0, 88.0));
        assert_eq!(z.tile(10, 4, 0), None);
        assert_eq!(z.tile(10, 0, 3), None);
        assert_eq!(z.tile(99, 0, 0), None);
    }

    #[test]
    fn empty_images_and_tiles_are_refused() {
        assert!(DeepZoom::new(0, 5, 256).is_err());
        assert!(DeepZoom::new(5, 5, 0).is_err());
    }

    #[test]
    fn the_descriptor_names_size_and_tiles() {
        let dzi = DeepZoom::new(1000, 600, 256).expect("valid").dzi("jpeg");
        assert!(dzi.contains("TileSize=\"256\""));
        assert!(dzi.contains("<Size Width=\"1000\" Height=\"600\"/>"));
    }
}
