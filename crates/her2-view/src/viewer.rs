//! [`Viewer`]: a slide opened for tiling, with its results (when given) and request counts.

use std::path::Path;
use std::sync::Arc;

use serde::Serialize;

use crate::deepzoom::TileSource;
use crate::error::Result;
use crate::results::{CellClass, Piece, Results, SCORE_COLOURS, Summary};
use crate::stats::Stats;

/// Cells are drawn on tiles of at most this many level-0 pixels per tile pixel (coarser,
/// a cell would be a pixel or two: the layer is left empty and the page says to zoom in).
pub const CELLS_MAX_DOWNSAMPLE: f64 = 16.0;

/// How the viewer tiles the slide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ViewerOptions {
    /// Tile side in pixels (256).
    pub tile_size: u32,
    /// JPEG quality of the slide's tiles (75, as OpenSlide's deepzoom example).
    pub jpeg_quality: u8,
}

impl Default for ViewerOptions {
    fn default() -> Self {
        Self {
            tile_size: 256,
            jpeg_quality: 75,
        }
    }
}

/// What the page needs to set itself up (`/info.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Info {
    /// The slide's file name.
    pub name: String,
    /// Level-0 width.
    pub width: u64,
    /// Level-0 height.
    pub height: u64,
    /// Level-0 microns per pixel, when known.
    pub mpp: Option<f64>,
    /// The report's summary, when results were given.
    pub summary: Option<Summary>,
    /// Tissue pieces.
    pub pieces: Vec<Piece>,
    /// Whether the heatmap layer exists.
    pub heatmap: bool,
    /// The heatmap's colour map (turbo, as her2 draws it) from probability 0 to 1.
    pub heatmap_colours: Vec<[u8; 3]>,
    /// Analysed patches.
    pub patches: usize,
    /// Cells.
    pub cells: usize,
    /// Cell classes with their colours and counts.
    pub classes: Vec<CellClass>,
    /// The colour of each patch score.
    pub score_colours: Vec<(String, [u8; 3])>,
    /// [`CELLS_MAX_DOWNSAMPLE`].
    pub cells_max_downsample: f64,
}

/// A slide served as Deep Zoom tiles, with optional results as layers.
pub struct Viewer {
    name: String,
    tiles: TileSource,
    results: Option<Results>,
    stats: Stats,
    options: ViewerOptions,
}

impl Viewer {
    /// Opens `slide` (and reads `results`, the output folder of `her2 score`, when given).
    pub fn open(slide: &Path, results: Option<&Path>, options: ViewerOptions) -> Result<Self> {
        let opened = wsi_io::open(slide)?;
        let tiles = TileSource::new(opened, options.tile_size)?;
        let results = results.map(Results::load).transpose()?;
        let name = slide.file_name().map_or_else(
            || slide.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self {
            name,
            tiles,
            results,
            stats: Stats::default(),
            options,
        })
    }

    /// The router serving this viewer.
    pub fn router(self: &Arc<Self>) -> axum::Router {
        crate::routes::router(self.clone())
    }

    /// The slide's tiles.
    pub fn tiles(&self) -> &TileSource {
        &self.tiles
    }

    /// The results, when given.
    pub fn results(&self) -> Option<&Results> {
        self.results.as_ref()
    }

    /// Counts of the requests answered so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// JPEG quality of the slide's tiles.
    pub fn jpeg_quality(&self) -> u8 {
        self.options.jpeg_quality
    }

    /// What the page needs to know.
    pub fn info(&self) -> Info {
        let (width, height) = self.tiles.slide().dimensions();
        let r = self.results.as_ref();
        Info {
            name: self.name.clone(),
            width,
            height,
            mpp: self.tiles.slide().mpp().map(|m| m.mean()),
            summary: r.map(|r| r.summary.clone()),
            pieces: r.map(|r| r.pieces.clone()).unwrap_or_default(),
            heatmap: r.is_some_and(|r| r.heatmap_png.is_some()),
            heatmap_colours: (0..=10)
                .map(|i| {
                    let c = colorous::TURBO.eval_continuous(f64::from(i) / 10.0);
                    [c.r, c.g, c.b]
                })
                .collect(),
            patches: r.map_or(0, |r| r.patches.len()),
            cells: r.map_or(0, |r| r.cells.len()),
            classes: r.map(|r| r.classes.clone()).unwrap_or_default(),
            score_colours: SCORE_COLOURS
                .iter()
                .map(|(s, c)| ((*s).to_owned(), *c))
                .collect(),
            cells_max_downsample: CELLS_MAX_DOWNSAMPLE,
        }
    }
}
