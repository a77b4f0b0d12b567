//! `her2 info SLIDE [--json] [--mpp X]`: what a slide file holds.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use wsi_io::{Mpp, OpenOptions, Slide};

/// Arguments of `her2 info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Slide or image file (SVS, TIFF, NDPI, MRXS, ... or PNG/JPEG).
    pub slide: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Level-0 microns per pixel to report instead of the file's (plain images state none).
    #[arg(long, value_name = "UM_PER_PX")]
    pub mpp: Option<f64>,
}

/// One pyramid level.
#[derive(Debug, serde::Serialize)]
struct LevelInfo {
    level: usize,
    width: u64,
    height: u64,
    downsample: f64,
}

/// One associated image and its size.
#[derive(Debug, serde::Serialize)]
struct AssociatedInfo {
    name: &'static str,
    width: u32,
    height: u32,
}

/// Everything `her2 info` reports (the `--json` document).
#[derive(Debug, serde::Serialize)]
struct SlideInfo {
    path: PathBuf,
    vendor: Option<String>,
    width: u64,
    height: u64,
    levels: Vec<LevelInfo>,
    mpp: Option<Mpp>,
    objective_power: Option<f64>,
    associated_images: Vec<AssociatedInfo>,
    properties: BTreeMap<String, String>,
}

impl SlideInfo {
    fn of(slide: &dyn Slide) -> anyhow::Result<Self> {
        let levels = (0..slide.level_count())
            .filter_map(|level| {
                let (width, height) = slide.level_dimensions(level)?;
                let downsample = slide.level_downsample(level)?;
                Some(LevelInfo {
                    level,
                    width,
                    height,
                    downsample,
                })
            })
            .collect();
        let mut associated_images = Vec::new();
        for kind in slide.associated_kinds() {
            if let Some(image) = slide.associated_image(kind)? {
                associated_images.push(AssociatedInfo {
                    name: kind.name(),
                    width: image.width(),
                    height: image.height(),
                });
            }
        }
        let (width, height) = slide.dimensions();
        Ok(Self {
            path: slide.path().to_path_buf(),
            vendor: slide.vendor(),
            width,
            height,
            levels,
            mpp: slide.mpp(),
            objective_power: slide.objective_power(),
            associated_images,
            properties: slide.properties(),
        })
    }

    fn to_text(&self) -> String {
        let or_none = |v: Option<String>| v.unwrap_or_else(|| "none stated".to_owned());
        let mut out = vec![
            format!("file:        {}", self.path.display()),
            format!("vendor:      {}", or_none(self.vendor.clone())),
            format!("dimensions:  {} x {} px (level 0)", self.width, self.height),
            format!(
                "mpp:         {}",
                or_none(self.mpp.map(|m| format!("{} x {} um/px", m.x, m.y)))
            ),
            format!(
                "objective:   {}",
                or_none(self.objective_power.map(|p| format!("{p}x")))
            ),
            format!("levels:      {}", self.levels.len()),
        ];
        out.extend(self.levels.iter().map(|l| {
            format!(
                "  level {}:   {} x {} px, downsample {}",
                l.level, l.width, l.height, l.downsample
            )
        }));
        let associated = self
            .associated_images
            .iter()
            .map(|a| format!("{} {}x{}", a.name, a.width, a.height))
            .collect::<Vec<_>>();
        out.push(format!(
            "associated:  {}",
            if associated.is_empty() {
                "none".to_owned()
            } else {
                associated.join(", ")
            }
        ));
        out.push(format!(
            "properties:  {} (see --json)",
            self.properties.len()
        ));
        out.join("\n")
    }
}

/// Runs `her2 info`: opens the slide with `wsi_io::open_with` and prints its geometry,
/// resolution and associated images as text or JSON.
pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    let options = OpenOptions {
        mpp: args.mpp.map(Mpp::square),
        ..OpenOptions::default()
    };
    let slide = wsi_io::open_with(&args.slide, &options)?;
    let info = SlideInfo::of(slide.as_ref())?;
    if args.json {
        let text = serde_json::to_string_pretty(&info).context("serialising the report")?;
        println!("{text}");
    } else {
        println!("{}", info.to_text());
    }
    Ok(())
}
