//! `her2 tissue SLIDE --out DIR`: find the tissue on a slide's thumbnail and write
//! `tissue.png` (mask over the thumbnail, pieces numbered), `tissue.geojson` (QuPath
//! annotations with stable ids, level-0 coordinates; `docs/qupath.md`) and `tissue.json` (summary: pieces, which are scored,
//! thresholds, config). A blank slide writes `tissue.json` with `"status": "no_tissue"` and
//! exits with an error saying so.

use std::path::{Path, PathBuf};

use anyhow::Context;
use tissue_mask::{
    CombineRule, MaskSource, OtsuDetector, TissueConfig, TissueDetector, TissueError, TissueInput,
    TissueMask, TissueMethod,
};

/// Arguments of `her2 tissue`.
#[derive(Debug, clap::Args)]
pub struct TissueArgs {
    /// Slide or image file (SVS, TIFF, NDPI, MRXS, ... or PNG/JPEG).
    pub slide: PathBuf,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Level-0 microns per pixel, for files that do not state it (plain images) or to override.
    #[arg(long)]
    pub mpp: Option<f64>,
    /// Exclude a tissue piece from scoring by its id (as numbered in tissue.png); repeatable.
    #[arg(long = "exclude-piece", value_name = "ID")]
    pub exclude_piece: Vec<u32>,
    /// Use the polygons of this GeoJSON (level-0 coordinates, e.g. exported from QuPath in any
    /// form, `.gz` too; features classified `Ignore*` left out) as the tissue instead of the
    /// automatic mask.
    #[arg(long, value_name = "F.geojson", conflicts_with = "mask")]
    pub roi: Option<PathBuf>,
    /// Use this mask image (non-zero = tissue, same aspect ratio as the slide) instead of the
    /// automatic mask.
    #[arg(long, value_name = "F.png")]
    pub mask: Option<PathBuf>,
    /// Longer side of the thumbnail the mask is computed on, in pixels.
    #[arg(long, default_value_t = 2048)]
    pub thumbnail_size: u32,
    /// What glass and tissue are told apart on: the contrast against the slide's own glass
    /// (default) or the paper's H and S.
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// How the H and S masks are combined (implies `--method hue-saturation`).
    #[arg(long, value_enum)]
    pub combine: Option<CombineArg>,
    /// Do not flag a control piece automatically.
    #[arg(long)]
    pub no_control: bool,
    /// Detector configuration (JSON, fields of `TissueConfig`; missing fields take defaults).
    #[arg(long, value_name = "F.json")]
    pub config: Option<PathBuf>,
}

/// `--method` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum MethodArg {
    /// Otsu on the optical density relative to the slide's glass.
    GlassContrast,
    /// The paper's Otsu on HSV saturation and hue.
    HueSaturation,
}

/// `--combine` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CombineArg {
    /// S mask AND H mask (the paper's rule).
    And,
    /// S mask OR H mask.
    Or,
    /// S mask only.
    SaturationOnly,
}

impl From<CombineArg> for CombineRule {
    fn from(c: CombineArg) -> Self {
        match c {
            CombineArg::And => Self::And,
            CombineArg::Or => Self::Or,
            CombineArg::SaturationOnly => Self::SaturationOnly,
        }
    }
}

fn load_config(args: &TissueArgs) -> anyhow::Result<TissueConfig> {
    let mut config = match &args.config {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
            serde_json::from_str(&text)
                .with_context(|| format!("{}: not a tissue config", path.display()))?
        }
        None => TissueConfig::default(),
    };
    if let Some(m) = args.method {
        config.method = match m {
            MethodArg::GlassContrast => TissueMethod::GlassContrast,
            MethodArg::HueSaturation => TissueMethod::HueSaturation,
        };
    }
    if let Some(c) = args.combine {
        config.method = TissueMethod::HueSaturation;
        config.combine = c.into();
    }
    if args.no_control {
        config.control.enabled = false;
    }
    Ok(config)
}

fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    tissue_mask::write_atomic(path, text.as_bytes())?;
    Ok(())
}

/// Runs `her2 tissue`.
pub fn run(args: TissueArgs) -> anyhow::Result<()> {
    let config = load_config(&args)?;
    let detector = OtsuDetector::new(config.clone())?;
    let (slide, mpp) = her2::open_slide(&args.slide, args.mpp)?;
    let thumbnail = slide.thumbnail(args.thumbnail_size)?;
    let (level0_w, _) = slide.dimensions();
    let downsample = level0_w as f64 / f64::from(thumbnail.width());
    let (w, h) = thumbnail.dimensions();
    let user_mask = |bitmap, what: String| {
        TissueMask::from_bitmap(
            bitmap,
            downsample,
            mpp,
            Some(&thumbnail),
            MaskSource::External(what),
        )
    };
    let outcome = if let Some(roi) = &args.roi {
        let bitmap = tissue_mask::read_roi(roi, w, h, downsample)?;
        user_mask(bitmap, format!("ROI {}", roi.display()))
    } else if let Some(path) = &args.mask {
        user_mask(
            tissue_mask::read_mask_image(path, w, h)?,
            format!("mask image {}", path.display()),
        )
    } else {
        detector.detect(&TissueInput {
            thumbnail: &thumbnail,
            downsample,
            mpp,
        })
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let summary_path = args.out.join("tissue.json");
    let mut mask = match outcome {
        Err(TissueError::NoTissue { reason }) => {
            write_json(
                &summary_path,
                &serde_json::json!({
                    "slide": args.slide,
                    "status": "no_tissue",
                    "reason": reason,
                    "thumbnail": [w, h],
                    "config": config,
                }),
            )?;
            anyhow::bail!("{}: no tissue found: {reason}", args.slide.display());
        }
        other => other.with_context(|| format!("{}", args.slide.display()))?,
    };
    mask.exclude_pieces(&args.exclude_piece)
        .with_context(|| format!("{}: --exclude-piece", args.slide.display()))?;
    // Ids stable for the slide and the settings: a re-run's pieces are the same objects.
    let (sha256, _) = her2::hash_file(&args.slide)?;
    let settings = serde_json::json!({
        "tissue": config,
        "roi": args.roi,
        "mask": args.mask,
        "exclude": args.exclude_piece,
        "thumbnail": args.thumbnail_size,
    })
    .to_string();
    let ids = her2::qupath_geojson::IdSpace::new(&[sha256.as_str(), settings.as_str()]);
    tissue_mask::write_png_atomic(
        &args.out.join("tissue.png"),
        &tissue_mask::overlay(&mask, &thumbnail)?,
    )?;
    write_json(
        &args.out.join("tissue.geojson"),
        &tissue_mask::pieces_geojson(&mask, &ids),
    )?;
    let summary = mask.summary();
    write_json(
        &summary_path,
        &serde_json::json!({
            "slide": args.slide,
            "status": "ok",
            "thumbnail": [w, h],
            "summary": summary,
            "config": config,
        }),
    )?;
    println!(
        "{}: {} tissue piece(s), tissue {:.1}% of the slide, {:.2} mm² scored (pieces {:?}), control {:?}, excluded {:?} -> {}",
        args.slide.display(),
        summary.pieces.len(),
        100.0 * summary.tissue_fraction,
        summary.scored_area_mm2,
        summary.scored_pieces,
        summary.control_pieces,
        summary.excluded_pieces,
        args.out.display()
    );
    Ok(())
}
