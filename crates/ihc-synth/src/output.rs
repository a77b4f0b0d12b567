//! File outputs of one slide: the Aperio-style `.svs` (streamed strip by strip through
//! `wsi_io::PyramidWriter`) and its ground truth beside it.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::{DynamicImage, RgbImage};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wsi_io::{Compression, PyramidWriter, WriterOptions};

use atomic_file::AtomicFile;

use crate::atomic::{write_json, write_png};
use crate::config::SynthConfig;
use crate::error::{Result, SynthError};
use crate::slide::SyntheticSlide;
use crate::truth::{CellTruth, SlideTruth};

/// Downsample of the tissue and tumour mask PNGs written beside each slide.
pub const MASK_DOWNSAMPLE: f64 = 16.0;
/// Pyramid levels are halved until the longer side is at most this.
const MIN_LEVEL_SIDE: u32 = 1024;

/// The files of one generated slide, all in one folder and named from one stem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlideFiles {
    /// The pyramidal `.svs`.
    pub svs: PathBuf,
    /// Slide truth (`SlideTruth` plus the mask downsample) as JSON.
    pub truth_json: PathBuf,
    /// Tissue mask PNG at [`MASK_DOWNSAMPLE`].
    pub tissue_mask: PathBuf,
    /// Patient tumour mask PNG at [`MASK_DOWNSAMPLE`].
    pub tumor_mask: PathBuf,
    /// Tissue, tumour and control outlines (GeoJSON, level-0 pixels).
    pub outlines: PathBuf,
    /// One row per cell.
    pub cells_csv: PathBuf,
}

impl SlideFiles {
    /// The files `<dir>/<stem>.svs`, `.truth.json`, `.tissue.png`, `.tumor.png`,
    /// `.outlines.geojson`, `.cells.csv`.
    pub fn new(dir: &Path, stem: &str) -> Self {
        let f = |suffix: &str| dir.join(format!("{stem}{suffix}"));
        Self {
            svs: f(".svs"),
            truth_json: f(".truth.json"),
            tissue_mask: f(".tissue.png"),
            tumor_mask: f(".tumor.png"),
            outlines: f(".outlines.geojson"),
            cells_csv: f(".cells.csv"),
        }
    }

    /// The default stem of a config: `<class slug>-s<seed>` (e.g. `3plus-s7`).
    pub fn default_stem(cfg: &SynthConfig) -> String {
        format!("{}-s{}", cfg.class.slug(), cfg.seed)
    }
}

/// What the truth JSON holds: the slide truth and how to read the masks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthFile {
    /// The slide truth.
    #[serde(flatten)]
    pub truth: SlideTruth,
    /// Downsample of the mask PNGs relative to level 0.
    pub mask_downsample: f64,
    /// File names (relative to the JSON's folder) of the outputs.
    pub files: SlideFiles,
}

/// Header of the cells CSV.
pub const CELLS_CSV_HEADER: &str =
    "id,x,y,nucleus_area,kind,tumour,intensity,completeness,complete,positive,dab";

fn cell_row(c: &CellTruth) -> String {
    format!(
        "{},{:.2},{:.2},{:.1},{},{},{},{:.4},{},{},{:.4}\n",
        c.id,
        c.x,
        c.y,
        c.nucleus_area,
        c.kind.name(),
        u8::from(c.tumour),
        c.intensity.name(),
        c.completeness,
        u8::from(c.complete),
        u8::from(c.positive),
        c.dab
    )
}

impl SyntheticSlide {
    /// Renders the full-width strip of rows [y, y + h), tile by tile in parallel (tiles of
    /// the config's `tile_size`): the unit the SVS writer consumes.
    pub fn render_strip(&self, y: u32, h: u32) -> RgbImage {
        let (width, tile) = (self.cfg.width, self.cfg.tile_size);
        let tiles: Vec<RgbImage> = (0..width.div_ceil(tile))
            .into_par_iter()
            .map(|t| self.render_region(t * tile, y, tile.min(width - t * tile), h))
            .collect();
        let mut strip = RgbImage::new(width, h);
        for (t, img) in tiles.iter().enumerate() {
            image::imageops::replace(&mut strip, img, i64::from(t as u32 * tile), 0);
        }
        strip
    }
}

/// Renders the slide of `cfg` into `out_dir` under its default stem; see [`generate_slide_files`].
pub fn generate_slide(cfg: &SynthConfig, out_dir: &Path) -> Result<SlideTruth> {
    let files = SlideFiles::new(out_dir, &SlideFiles::default_stem(cfg));
    generate_slide_files(cfg, &files)
}

/// Renders the slide of `cfg` to `files.svs` strip by strip (memory bounded by one strip),
/// and writes its truth beside it: JSON, tissue and tumour mask PNGs, GeoJSON outlines and
/// the cells CSV. Every file is written atomically.
pub fn generate_slide_files(cfg: &SynthConfig, files: &SlideFiles) -> Result<SlideTruth> {
    let slide = SyntheticSlide::new(cfg)?;
    if let Some(dir) = files.svs.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| SynthError::io(dir, e))?;
    }
    let options = WriterOptions {
        tile_size: cfg.tile_size,
        compression: Compression::Jpeg {
            quality: cfg.jpeg_quality,
        },
        mpp: Some(cfg.mpp),
        app_mag: Some((10.0 / cfg.mpp).round()),
        min_level_side: MIN_LEVEL_SIDE,
        ..WriterOptions::default()
    };
    let wsi = |e: wsi_io::WsiError| SynthError::Encode {
        path: files.svs.clone(),
        what: "SVS".into(),
        reason: e.to_string(),
    };
    let mut writer =
        PyramidWriter::create(&files.svs, cfg.width, cfg.height, options).map_err(wsi)?;
    let csv_err = |e: std::io::Error| SynthError::io(&files.cells_csv, e);
    let mut cells = AtomicFile::create(&files.cells_csv).map_err(csv_err)?;
    cells
        .write_all(CELLS_CSV_HEADER.as_bytes())
        .map_err(csv_err)?;
    cells.write_all(b"\n").map_err(csv_err)?;
    let mut y = 0;
    while y < cfg.height {
        let h = cfg.tile_size.min(cfg.height - y);
        let (strip, strip_cells) = rayon::join(
            || slide.render_strip(y, h),
            || slide.cells_in(0, y, cfg.width, h),
        );
        writer.write_strip(&strip).map_err(wsi)?;
        for c in &strip_cells {
            cells.write_all(cell_row(c).as_bytes()).map_err(csv_err)?;
        }
        y += h;
    }
    write_png(
        &files.tissue_mask,
        &DynamicImage::ImageLuma8(slide.tissue_mask(MASK_DOWNSAMPLE)),
    )?;
    write_png(
        &files.tumor_mask,
        &DynamicImage::ImageLuma8(slide.tumor_mask(MASK_DOWNSAMPLE)),
    )?;
    write_json(&files.outlines, &slide.outlines_geojson())?;
    let truth = slide.truth();
    let name = |p: &Path| PathBuf::from(p.file_name().unwrap_or_default());
    let record = TruthFile {
        truth: truth.clone(),
        mask_downsample: MASK_DOWNSAMPLE,
        files: SlideFiles {
            svs: name(&files.svs),
            truth_json: name(&files.truth_json),
            tissue_mask: name(&files.tissue_mask),
            tumor_mask: name(&files.tumor_mask),
            outlines: name(&files.outlines),
            cells_csv: name(&files.cells_csv),
        },
    };
    cells.commit().map_err(csv_err)?;
    writer.finish().map_err(wsi)?;
    write_json(&files.truth_json, &record)?;
    Ok(truth)
}
