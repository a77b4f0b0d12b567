//! `her2 cells IMAGE_OR_SLIDE [--region x,y,w,h] --out DIR`: the stain analysis of one region
//! at level 0, with its evidence: `cells.png` (the region with every cell outlined, negative
//! blue, positive by intensity class, complete membranes ringed in green on the membrane ring, like Fig. 8 of the
//! paper), `cells.geojson` (QuPath cell objects: boundary, nucleus, intensity class,
//! measurements; level-0 coordinates; `docs/qupath.md`) and
//! `features.json` (the region's `PatchFeatures`, the stain matrix used and, with
//! `--estimate-stains`, which stain vectors were estimated). Every file is written atomically.

use std::path::{Path, PathBuf};

use anyhow::Context;
use her2::stain_features::{Cell, IntensityClass, StainAnalyzer, StainConfig};
use her2::{CellsGeoJson, SlideCell};
use image::{Rgb, RgbImage};
use wsi_io::Rect;

/// Largest region analysed in one go (level-0 pixels), unless the slide allows less.
const MAX_REGION_PIXELS: u64 = 8192 * 8192;

/// Arguments of `her2 cells`.
#[derive(Debug, clap::Args)]
pub struct CellsArgs {
    /// Slide or image file (SVS, TIFF, NDPI, MRXS, ... or PNG/JPEG).
    pub input: PathBuf,
    /// Level-0 region `x,y,w,h` (pixels); default: the whole level 0 when it is small enough.
    #[arg(long, value_parser = parse_region, value_name = "X,Y,W,H")]
    pub region: Option<Rect>,
    /// Level-0 microns per pixel, for files that do not state it (plain images) or to override.
    #[arg(long)]
    pub mpp: Option<f64>,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Stain analysis configuration (JSON, fields of `StainConfig`; missing fields take defaults).
    #[arg(long, value_name = "F.json")]
    pub config: Option<PathBuf>,
    /// Estimate this region's hematoxylin and DAB vectors before the analysis (falls back to
    /// the configured ones when the estimate is unreliable; features.json says which was used).
    #[arg(long)]
    pub estimate_stains: bool,
}

/// Parses `x,y,w,h` (non-negative integers, positive size).
pub(crate) fn parse_region(text: &str) -> Result<Rect, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let numbers: Vec<u64> = parts
        .iter()
        .map(|p| p.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("region {text:?} must be x,y,w,h in whole pixels"))?;
    match *numbers.as_slice() {
        [x, y, w, h] if w > 0 && h > 0 => Ok(Rect::new(x, y, w, h)),
        [_, _, _, _] => Err(format!("region {text:?} has an empty size")),
        _ => Err(format!(
            "region {text:?} must have four numbers x,y,w,h, not {}",
            numbers.len()
        )),
    }
}

/// The stain configuration from a JSON file (missing fields default), or the defaults;
/// `estimate` turns on per-region stain vector estimation.
pub(crate) fn load_config(path: Option<&Path>, estimate: bool) -> anyhow::Result<StainConfig> {
    let mut config = match path {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: not a stain-features config", path.display()))?
        }
        None => StainConfig::default(),
    };
    if estimate {
        config.stain_estimation.enabled = true;
    }
    Ok(config)
}

/// Outline colour of a cell: negative blue; positive yellow (faint), orange (weak-moderate),
/// red (intense).
fn cell_colour(cell: &Cell) -> Rgb<u8> {
    match (cell.positive, cell.intensity) {
        (false, _) | (true, IntensityClass::None) => Rgb([40, 90, 230]),
        (true, IntensityClass::Faint) => Rgb([240, 220, 40]),
        (true, IntensityClass::WeakModerate) => Rgb([250, 140, 20]),
        (true, IntensityClass::Intense) => Rgb([220, 20, 20]),
    }
}

/// Colour of the ring drawn around cells with a complete membrane.
const COMPLETE_RING: Rgb<u8> = Rgb([20, 200, 60]);

/// The boundary pixels of each cell's contour polygon (corner coordinates), drawn with
/// `colour`, optionally pushed `offset` pixels away from the centroid.
fn draw_outline(image: &mut RgbImage, cell: &Cell, colour: Rgb<u8>, offset: f64) {
    let (w, h) = (f64::from(image.width()), f64::from(image.height()));
    let [cx, cy] = cell.centroid;
    let n = cell.contour.len();
    for i in 0..n {
        let [x0, y0] = cell.contour[i].map(f64::from);
        let [x1, y1] = cell.contour[(i + 1) % n].map(f64::from);
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).ceil().max(1.0) as usize;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let (mut x, mut y) = (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t);
            if offset > 0.0 {
                let (dx, dy) = (x - cx, y - cy);
                let len = dx.hypot(dy).max(1e-9);
                x += dx / len * offset;
                y += dy / len * offset;
            }
            // Corner coordinates: the pixel inside the corner towards the centroid.
            let (px, py) = (
                if x > cx { x - 1.0 } else { x },
                if y > cy { y - 1.0 } else { y },
            );
            if px >= 0.0 && py >= 0.0 && px < w && py < h {
                image.put_pixel(px as u32, py as u32, colour);
            }
        }
    }
}

/// The region with every cell outlined by class and complete membranes ringed
/// `ring_offset_px` outside the cell contour (the middle of the membrane ring).
pub fn cells_overlay(region: &RgbImage, cells: &[Cell], ring_offset_px: f64) -> RgbImage {
    let mut image = region.clone();
    for cell in cells {
        if cell.complete {
            draw_outline(&mut image, cell, COMPLETE_RING, ring_offset_px);
            draw_outline(&mut image, cell, COMPLETE_RING, ring_offset_px + 1.0);
        }
        draw_outline(&mut image, cell, cell_colour(cell), 0.0);
    }
    image
}

/// Writes `value` as pretty JSON, streamed, atomically.
pub(crate) fn write_json(path: &Path, value: &impl serde::Serialize) -> anyhow::Result<()> {
    atomic_file::write_with(path, |w| {
        serde_json::to_writer_pretty(&mut *w, value)?;
        w.write_all(b"\n")
    })
    .with_context(|| format!("{}: cannot write", path.display()))
}

/// Level 0's `rect` of `slide` (named `input` in errors), refused when it reaches outside
/// level 0 or is larger than can be analysed at once.
pub(crate) fn read_checked_region(
    slide: &dyn wsi_io::Slide,
    input: &str,
    rect: Rect,
) -> anyhow::Result<RgbImage> {
    let (width, height) = slide.dimensions();
    if rect.right() > width || rect.bottom() > height {
        anyhow::bail!(
            "{input}: region {},{},{},{} reaches outside level 0 ({width} x {height})",
            rect.x,
            rect.y,
            rect.w,
            rect.h
        );
    }
    let limit = MAX_REGION_PIXELS.min(slide.max_read_pixels());
    if rect.w * rect.h > limit {
        anyhow::bail!(
            "{input}: region {} x {} is {} pixels, more than the {limit} analysed at once; choose a smaller --region",
            rect.w,
            rect.h,
            rect.w * rect.h
        );
    }
    let (w, h) = (u32::try_from(rect.w)?, u32::try_from(rect.h)?);
    slide
        .read_region(i64::try_from(rect.x)?, i64::try_from(rect.y)?, 0, w, h)
        .with_context(|| format!("{input}: reading region {rect:?}"))
}

/// Runs `her2 cells`.
pub fn run(args: CellsArgs) -> anyhow::Result<()> {
    let input = args.input.display().to_string();
    let config = load_config(args.config.as_deref(), args.estimate_stains)?;
    let analyzer = StainAnalyzer::new(config).with_context(|| input.clone())?;
    let (slide, mpp) = her2::open_slide(&args.input, args.mpp)?;
    let (width, height) = slide.dimensions();
    let rect = args.region.unwrap_or(Rect::full(width, height));
    let image = read_checked_region(slide.as_ref(), &input, rect)?;
    let (analyzer, estimate) = analyzer
        .for_slide(&[&image])
        .with_context(|| format!("{input}: stain estimation"))?;
    let (features, cells) = analyzer
        .analyze_with_cells(&image, mpp)
        .with_context(|| format!("{input}: region {rect:?}"))?;
    let slide_cells: Vec<SlideCell> = cells
        .iter()
        .map(|c| SlideCell::from_patch_cell(c, 0, &rect, 1.0))
        .collect();

    let membrane = &analyzer.config().membrane;
    let ring_offset_px = (membrane.ring_gap_um + membrane.ring_width_um / 2.0) / mpp;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    her2::tissue_mask::write_png_atomic(
        &args.out.join("cells.png"),
        &cells_overlay(&image, &cells, ring_offset_px),
    )?;
    // Ids stable for the slide, region and configuration: a re-run's cells are the same.
    let (sha256, _) = her2::hash_file(&args.input)?;
    let settings = serde_json::json!({"region": rect, "config": analyzer.config()}).to_string();
    let ids = her2::qupath_geojson::IdSpace::new(&[sha256.as_str(), settings.as_str()]);
    write_json(
        &args.out.join("cells.geojson"),
        &CellsGeoJson {
            cells: &slide_cells,
            ids,
        },
    )?;
    write_json(
        &args.out.join("features.json"),
        &serde_json::json!({
            "input": args.input,
            "region": rect,
            "mpp": mpp,
            "features": features,
            "matrix": analyzer.config().matrix,
            "stain_estimate": estimate,
            "config": analyzer.config(),
            "version": env!("CARGO_PKG_VERSION"),
        }),
    )?;
    let pct = |n: u64| 100.0 * n as f64 / features.cell_count.max(1) as f64;
    println!(
        "{input}: region {},{},{},{}: {} cells, {} positive ({:.1}%), {} complete membranes ({:.1}%), staining intensity {:.3}, matrix {} -> {}",
        rect.x,
        rect.y,
        rect.w,
        rect.h,
        features.cell_count,
        features.positive_cells,
        pct(features.positive_cells),
        features.complete_membrane_cells,
        pct(features.complete_membrane_cells),
        features.staining_intensity,
        analyzer.config().matrix.name,
        args.out.display()
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn regions_parse_or_say_why() {
        assert_eq!(parse_region("1,2,3,4"), Ok(Rect::new(1, 2, 3, 4)));
        assert_eq!(
            parse_region(" 0, 0 ,512,512"),
            Ok(Rect::new(0, 0, 512, 512))
        );
        assert!(parse_region("1,2,3").unwrap_err().contains("four numbers"));
        assert!(parse_region("1,2,0,4").unwrap_err().contains("empty"));
        assert!(
            parse_region("a,2,3,4")
                .unwrap_err()
                .contains("whole pixels")
        );
        assert!(parse_region("-1,2,3,4").is_err());
    }
}
