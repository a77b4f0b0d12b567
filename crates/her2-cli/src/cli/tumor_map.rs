//! `her2 tumor-map SLIDE --model M --out DIR`: the tumour probability map of a slide
//! (heatmap over the thumbnail, per-patch CSV, tumour mask PNG and GeoJSON).

use std::path::PathBuf;

use anyhow::Context;
use tumor_classifier::{
    AllTissueTumor, AnnotatedTumor, ComputeDevice, CpuKernel, InferenceConfig, MaskConfig,
    ResNetTumorModel, TumorModel, classify_slide,
};
use wsi_io::{Mpp, OpenOptions};

/// Arguments of `her2 tumor-map`.
#[derive(Debug, clap::Args)]
pub struct TumorMapArgs {
    /// Slide or image file.
    pub slide: PathBuf,
    /// Burn checkpoint (.bpk) written by `her2 train`; or `all-tissue`; or a tumour
    /// annotation (`.geojson` / `.json`, gzipped or not, level-0 pixels).
    #[arg(long)]
    pub model: String,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Level-0 um/px when the file states none (plain images).
    #[arg(long)]
    pub mpp: Option<f64>,
    /// Tumour threshold on the probability.
    #[arg(long, default_value_t = 0.5)]
    pub threshold: f32,
    /// Drop tumour regions smaller than this many patches.
    #[arg(long, default_value_t = 2)]
    pub min_region: usize,
    /// Patches per model call.
    #[arg(long, default_value_t = 32)]
    pub batch_size: usize,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: ComputeDevice,
    /// How the classifier runs on the CPU: folded (fast default) or burn.
    #[arg(long, default_value = "folded", value_name = "folded|burn")]
    pub cpu_kernel: CpuKernel,
    /// Longest side of the heatmap thumbnail in pixels.
    #[arg(long, default_value_t = 2048)]
    pub thumbnail: u32,
}

/// Runs `her2 tumor-map`. Without a tissue mask stage wired in here, every patch that is
/// not almost white (mean grey < 220) counts as tissue.
pub fn run(args: TumorMapArgs) -> anyhow::Result<()> {
    let options = OpenOptions {
        mpp: args.mpp.map(Mpp::square),
        ..OpenOptions::default()
    };
    let slide = wsi_io::open_with(&args.slide, &options)?;
    let model: Box<dyn TumorModel> = if args.model == "all-tissue" {
        Box::new(AllTissueTumor::default())
    } else if [".geojson", ".json", ".geojson.gz", ".json.gz"]
        .iter()
        .any(|e| args.model.ends_with(e))
    {
        Box::new(AnnotatedTumor::from_geojson(args.model.as_ref())?)
    } else {
        Box::new(
            ResNetTumorModel::from_checkpoint(args.model.as_ref(), args.device)?
                .with_cpu_kernel(args.cpu_kernel)?,
        )
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let thumbnail = slide.thumbnail(args.thumbnail)?;
    let thumb_downsample = slide.dimensions().0 as f64 / f64::from(thumbnail.width().max(1));
    let is_tissue = |r: wsi_io::Rect| {
        let x = (r.x as f64 + r.w as f64 / 2.0) / thumb_downsample;
        let y = (r.y as f64 + r.h as f64 / 2.0) / thumb_downsample;
        thumbnail
            .get_pixel_checked(x as u32, y as u32)
            .is_some_and(|p| (u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3 < 220)
    };
    let config = InferenceConfig {
        batch_size: args.batch_size,
        mask: MaskConfig {
            threshold: args.threshold,
            min_region_cells: args.min_region,
        },
        show_progress: true,
    };
    let map = classify_slide(slide.as_ref(), model.as_ref(), &is_tissue, &config)?;
    let mask = map.tumor_mask(&config.mask);
    map.write_heatmap_png(&args.out.join("heatmap.png"), &thumbnail, thumb_downsample)?;
    map.write_csv(&args.out.join("tumor-probabilities.csv"))?;
    mask.write_png(&args.out.join("tumor-mask.png"))?;
    // Ids stable for the slide and these settings: a re-run's regions are the same objects.
    let (sha256, _) = her2::hash_file(&args.slide)?;
    let settings = format!(
        "tumor-map model={} threshold={} min_region={}",
        args.model, args.threshold, args.min_region
    );
    let ids = her2::qupath_geojson::IdSpace::new(&[sha256.as_str(), settings.as_str()]);
    mask.write_geojson(&args.out.join("tumor.geojson"), &ids)?;
    println!(
        "{}: {} tissue patches classified, {} tumour ({} x {} grid of {} px) -> {}",
        args.slide.display(),
        map.classified_cells(),
        mask.tumor_cells(),
        map.geometry.cols,
        map.geometry.rows,
        map.geometry.cell_size,
        args.out.display()
    );
    Ok(())
}
