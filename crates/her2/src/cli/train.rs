//! `her2 train --data DIR --out DIR`: trains the tumour / non-tumour patch classifier on
//! `tumor/` + `normal/` patch folders (as `her2 synth patches` writes them) with the paper's
//! recipe by default; every setting can be changed.

use std::path::PathBuf;

use anyhow::Context;
use tumor_classifier::{Arch, ComputeDevice, ModelSpec, PatchDataset, ResNetConfig, TrainConfig};

/// Arguments of `her2 train`.
#[derive(Debug, clap::Args)]
pub struct TrainArgs {
    /// Folder holding `tumor/` and `normal/` patch images (PNG, JPEG or TIFF).
    #[arg(long)]
    pub data: PathBuf,
    /// Output folder: best.bpk, last.bpk, optimizer.bpk, metrics.csv, roc/pr CSV+PNG, state.json.
    #[arg(long)]
    pub out: PathBuf,
    /// Architecture: resnet18, resnet34 (paper) or resnet50.
    #[arg(long, default_value = "resnet34")]
    pub arch: Arch,
    /// Width multiplier on torchvision's channel counts (1 = standard; 0.25 trains on a CPU).
    #[arg(long, default_value_t = 1.0)]
    pub width: f64,
    /// Side of the model's input patches in pixels; patches of another size are resized.
    #[arg(long, default_value_t = 256)]
    pub patch_size: u32,
    /// Resolution of the model's input in um/px (record of what it was trained on; halve
    /// the patch size of 0.5 um/px patches and this becomes 1.0).
    #[arg(long, default_value_t = 0.5)]
    pub mpp: f64,
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
    /// Seed of the split, shuffles, augmentation and initial weights.
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
    let dataset = PatchDataset::from_folder(&args.data)?;
    let config = TrainConfig {
        model: ModelSpec {
            resnet: ResNetConfig::new(args.arch, args.width),
            patch_size: args.patch_size,
            mpp: args.mpp,
            ..ModelSpec::default()
        },
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
        ..TrainConfig::default()
    };
    eprintln!(
        "training {} (width {}) on {} patches ({} tumour) from {}",
        args.arch.name(),
        args.width,
        dataset.samples.len(),
        dataset.tumor_count(),
        args.data.display()
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
