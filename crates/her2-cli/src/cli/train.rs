//! `her2 train (--data DIR | --slides MANIFEST.csv|SLIDE) --out DIR`: trains the tumour /
//! non-tumour patch classifier with the paper's recipe by default (every setting can be
//! changed), on `tumor/` + `normal/` patch folders (as `her2 synth patches` writes them) or on
//! random patches drawn from annotated slides (tumour GeoJSON or mask; tissue mask, or the
//! pipeline's tissue detector), e.g. an `her2 synth cohort` manifest as it is.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use her2::TissueSource;
use her2::tissue_mask::OtsuDetector;
use her2::{find_tissue, thumbnail};
use tumor_classifier::{
    AnnotatedSlide, Bitmap, ClassifierError, ComputeDevice, ModelSpec, PatchDataset,
    SamplingConfig, TrainConfig, read_slide_manifest,
};
use wsi_io::Slide;

/// Arguments of `her2 train`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["data", "slides"])))]
pub struct TrainArgs {
    /// Folder holding `tumor/` and `normal/` patch images (PNG, JPEG or TIFF).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Annotated slides to draw random patches from: a CSV manifest (`.csv`; columns `slide`
    /// or `path`, optional `tumor`, `tissue`, `mpp`; relative paths from its folder) or one
    /// slide. A slide without a tumour annotation named uses `<stem>.outlines.geojson` (what
    /// `her2 synth` writes) or `<stem>.tumor.geojson` / `.geojson` / `.tumor.png` beside it.
    #[arg(long, value_name = "MANIFEST.csv|SLIDE")]
    pub slides: Option<PathBuf>,
    /// Tumour annotation of a single --slides SLIDE: GeoJSON (level-0 pixels; features
    /// classified Tumor when classified) or a mask image (white = tumour).
    #[arg(long, value_name = "F.geojson|F.png", requires = "slides")]
    pub annotation: Option<PathBuf>,
    /// Tissue mask of a single --slides SLIDE (image or GeoJSON); default: detected as
    /// `her2 tissue` does, control pieces left out.
    #[arg(long, value_name = "F.png|F.geojson", requires = "slides")]
    pub tissue_mask: Option<PathBuf>,
    /// Level-0 um/px of a single --slides SLIDE that states none (a manifest has an `mpp`
    /// column).
    #[arg(long, requires = "slides")]
    pub slide_mpp: Option<f64>,
    /// Patches drawn per slide (tumour + normal).
    #[arg(long, default_value_t = 200)]
    pub patches_per_slide: usize,
    /// Share of tumour patches among each slide's patches.
    #[arg(long, default_value_t = 0.5)]
    pub tumor_share: f64,
    /// A tumour patch lies at least this fraction inside the tumour annotation.
    #[arg(long, default_value_t = 0.6)]
    pub min_tumor_fraction: f64,
    /// A normal patch lies at most this fraction inside the tumour annotation.
    #[arg(long, default_value_t = 0.0)]
    pub max_normal_tumor_fraction: f64,
    /// Every drawn patch lies at least this fraction on tissue.
    #[arg(long, default_value_t = 0.6)]
    pub min_tissue_fraction: f64,
    /// Memory for decoded slide patches kept between epochs, in MiB (0: read every time).
    #[arg(long, default_value_t = 1024)]
    pub patch_cache_mib: usize,
    /// Output folder: best.bpk, last.bpk, optimizer.bpk, metrics.csv, roc/pr CSV+PNG, state.json,
    /// patches.csv (every patch, its label and split).
    #[arg(long)]
    pub out: PathBuf,
    /// The network and its input.
    #[command(flatten)]
    pub model: super::model_args::ModelArgs,
    /// Epochs (paper: 50).
    #[arg(long, default_value_t = 50)]
    pub epochs: usize,
    /// Batch size (paper: 64).
    #[arg(long, default_value_t = 64)]
    pub batch_size: usize,
    /// SGD learning rate (paper: 0.01).
    #[arg(long, default_value_t = 0.01)]
    pub lr: f64,
    /// SGD momentum (paper: 0.9).
    #[arg(long, default_value_t = 0.9)]
    pub momentum: f64,
    /// L2 weight decay (paper: none).
    #[arg(long, default_value_t = 0.0)]
    pub weight_decay: f64,
    /// Fraction of each class held out for validation (paper: 0.1).
    #[arg(long, default_value_t = 0.1)]
    pub val_fraction: f64,
    /// Seed of the patch draw, split, shuffles, augmentation and initial weights.
    #[arg(long, default_value_t = 20230119)]
    pub seed: u64,
    /// Turn off random rotation and flips.
    #[arg(long)]
    pub no_augment: bool,
    /// Continue the run found in --out (same settings; --epochs may grow).
    #[arg(long)]
    pub resume: bool,
    /// cpu, cuda or cuda:N.
    #[arg(long, default_value = "cpu")]
    pub device: ComputeDevice,
    /// No progress bars.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs `her2 train`.
pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let model = args.model.spec();
    let (dataset, source) = match (&args.data, &args.slides) {
        (Some(folder), _) => (PatchDataset::from_folder(folder)?, folder.clone()),
        (None, Some(slides)) => (slide_dataset(&args, slides, &model)?, slides.clone()),
        (None, None) => bail!("give --data (patch folders) or --slides (annotated slides)"),
    };
    let config = TrainConfig {
        model,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        momentum: args.momentum,
        weight_decay: args.weight_decay,
        validation_fraction: args.val_fraction,
        seed: args.seed,
        augment: !args.no_augment,
        device: args.device,
        show_progress: !args.quiet,
        patch_cache_mib: args.patch_cache_mib,
        ..TrainConfig::default()
    };
    eprintln!(
        "training {} (width {}) on {} patches ({} tumour) from {}",
        args.model.arch.name(),
        args.model.width,
        dataset.samples.len(),
        dataset.tumor_count(),
        source.display()
    );
    let summary = tumor_classifier::train(&dataset, &config, &args.out, args.resume)
        .with_context(|| format!("training into {}", args.out.display()))?;
    let v = &summary.best.val;
    println!(
        "best epoch {} of {}: val accuracy {:.4} precision {:.4} recall {:.4} F1 {:.4} ROC AUC {:.4} AP {:.4} -> {}",
        summary.best_epoch,
        summary.epochs_completed,
        v.accuracy,
        v.precision,
        v.recall,
        v.f1,
        v.roc_auc,
        v.average_precision,
        summary.best_checkpoint.display()
    );
    Ok(())
}

/// Draws the training patches from `--slides` (a manifest or one slide) at the model's
/// patch size and resolution, printing what each slide gave.
fn slide_dataset(
    args: &TrainArgs,
    slides: &Path,
    model: &ModelSpec,
) -> anyhow::Result<PatchDataset> {
    let is_manifest = slides
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let entries = if is_manifest {
        if args.annotation.is_some() || args.tissue_mask.is_some() || args.slide_mpp.is_some() {
            bail!(
                "{}: --annotation, --tissue-mask and --slide-mpp are for a single slide; a manifest gives them per row (columns tumor, tissue, mpp)",
                slides.display()
            );
        }
        read_slide_manifest(slides)?
    } else {
        if !slides.is_file() {
            bail!("{}: no such slide or manifest", slides.display());
        }
        let mut entry = match &args.annotation {
            Some(tumor) => AnnotatedSlide {
                slide: slides.to_path_buf(),
                tumor: tumor.clone(),
                tissue: None,
                mpp: None,
            },
            None => AnnotatedSlide::beside(slides)?,
        };
        entry.tissue.clone_from(&args.tissue_mask);
        entry.mpp = args.slide_mpp;
        vec![entry]
    };
    let sampling = SamplingConfig {
        patches_per_slide: args.patches_per_slide,
        tumor_share: args.tumor_share,
        min_tumor_fraction: args.min_tumor_fraction,
        max_normal_tumor_fraction: args.max_normal_tumor_fraction,
        min_tissue_fraction: args.min_tissue_fraction,
        seed: args.seed,
    };
    let (dataset, draws) = PatchDataset::from_slides(
        slides,
        &entries,
        model.patch_size,
        model.mpp,
        &sampling,
        &detect_tissue,
    )?;
    for d in &draws {
        eprintln!(
            "{}: {} tumour + {} normal patches (of {} + {} positions)",
            d.slide.display(),
            d.tumor,
            d.normal,
            d.tumor_candidates,
            d.normal_candidates
        );
    }
    Ok(dataset)
}

/// The pipeline's tissue step on a slide without a tissue mask: HSV + Otsu on the thumbnail,
/// control pieces left out.
fn detect_tissue(slide: &dyn Slide) -> tumor_classifier::Result<Bitmap> {
    let fail = |e: &dyn std::fmt::Display| {
        ClassifierError::dataset(slide.path(), format!("tissue detection: {e}"))
    };
    let mpp = slide
        .mpp()
        .map(|m| m.mean())
        .ok_or_else(|| fail(&"the slide states no resolution"))?;
    let config = her2::TissueStepConfig::default();
    let detector = OtsuDetector::new(config.detector).map_err(|e| fail(&e))?;
    let thumb = thumbnail(slide, config.thumbnail_max_side).map_err(|e| fail(&e))?;
    let mask = find_tissue(slide, &thumb, mpp, &detector, &TissueSource::Detect, &[])
        .map_err(|e| fail(&e))?;
    let scored = mask.scored_bitmap();
    let (w, h) = (scored.width(), scored.height());
    let bits = (0..h)
        .flat_map(|y| (0..w).map(move |x| scored.get(x, y)))
        .collect();
    Bitmap::new(w, h, mask.downsample(), bits)
}
