//! `her2 import-model WEIGHTS --out MODEL.bpk`: a classifier trained in PyTorch (a
//! torchvision-style ResNet `state_dict`) turned into the checkpoint that `her2 score
//! --model` reads, with the spec it was trained for, optionally checked against the
//! probabilities PyTorch (or onnxruntime) gave on a reference patch.

use std::path::PathBuf;

use anyhow::{Context, bail};
use tumor_classifier::{ComputeDevice, Normalization, ResNetTumorModel, save_checkpoint};

/// Arguments of `her2 import-model`.
#[derive(Debug, clap::Args)]
pub struct ImportModelArgs {
    /// PyTorch weights: a `state_dict` with torchvision's names (`.pt`, `.pth` or
    /// `.safetensors`).
    pub weights: PathBuf,
    /// Checkpoint to write (burnpack; replaced if present).
    #[arg(long)]
    pub out: PathBuf,
    /// The network the weights are for and the input it was trained on.
    #[command(flatten)]
    pub model: super::model_args::ModelArgs,
    /// Classes of the final layer.
    #[arg(long, default_value_t = 2)]
    pub classes: usize,
    /// Index of the tumour class among them.
    #[arg(long, default_value_t = 1)]
    pub tumor_class: usize,
    /// Per-channel means (R,G,B) of the input normalisation, after scaling to [0, 1].
    #[arg(long, value_delimiter = ',', default_values_t = Normalization::default().mean)]
    pub mean: Vec<f32>,
    /// Per-channel standard deviations (R,G,B) of the input normalisation.
    #[arg(long, value_delimiter = ',', default_values_t = Normalization::default().std)]
    pub std: Vec<f32>,
    /// A reference patch (an image of the model's patch size) to check the import on.
    #[arg(long, requires = "expect")]
    pub check_patch: Option<PathBuf>,
    /// The class probabilities the original framework gave on --check-patch (comma
    /// separated, one per class); the import must agree to 1e-3 in log-probability.
    #[arg(long, value_delimiter = ',', requires = "check_patch")]
    pub expect: Option<Vec<f64>>,
}

/// Largest difference in log-probability between the import and the reference: a logit error
/// of 1e-3 on a full-width ResNet is far above float rounding (~1e-5) and far below what a
/// wrong layer or a missed batch norm does.
const MAX_LOG_PROBABILITY_ERROR: f64 = 1e-3;

/// Runs `her2 import-model`.
pub fn run(args: ImportModelArgs) -> anyhow::Result<()> {
    let weights = args.weights.display().to_string();
    let three = |v: &[f32], name: &str| -> anyhow::Result<[f32; 3]> {
        <[f32; 3]>::try_from(v).map_err(|_| anyhow::anyhow!("--{name} needs three values"))
    };
    let mut spec = args.model.spec();
    spec.resnet.num_classes = args.classes;
    spec.normalization = Normalization {
        mean: three(&args.mean, "mean")?,
        std: three(&args.std, "std")?,
    };
    spec.tumor_class = args.tumor_class;

    spec.validate().context("model spec")?;
    let model = ResNetTumorModel::from_pytorch(&args.weights, spec.clone(), ComputeDevice::Cpu)?;
    if let (Some(patch), Some(expect)) = (&args.check_patch, &args.expect) {
        let name = patch.display();
        let image = image::open(patch)
            .with_context(|| format!("{name}: cannot read"))?
            .to_rgb8();
        if (image.width(), image.height()) != (spec.patch_size, spec.patch_size) {
            bail!(
                "{name}: {} x {} px, but the model takes {} x {} patches",
                image.width(),
                image.height(),
                spec.patch_size,
                spec.patch_size
            );
        }
        if expect.len() != spec.resnet.num_classes {
            bail!(
                "--expect gives {} probabilities for a model of {} classes",
                expect.len(),
                spec.resnet.num_classes
            );
        }
        let got = model
            .class_probabilities(&[image])?
            .into_iter()
            .next()
            .unwrap_or_default();
        let error = log_probability_error(&got, expect);
        if error.is_nan() || error > MAX_LOG_PROBABILITY_ERROR {
            bail!(
                "{weights}: the imported model gives {got:?} on {name}, the reference {expect:?} \
                 (log-probability error {error:.2e} > {MAX_LOG_PROBABILITY_ERROR:.0e}): wrong \
                 --arch, --width or normalisation?"
            );
        }
        println!("{name}: probabilities {got:?} match the reference (log error {error:.1e})");
    }
    // written beside the target, then renamed: a failed write leaves no checkpoint behind
    let mut partial = args.out.clone().into_os_string();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = save_checkpoint(model.network(), &spec, &partial)
        .map_err(anyhow::Error::from)
        .and_then(|()| std::fs::rename(&partial, &args.out).map_err(anyhow::Error::from));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        return Err(e.context(format!("{weights} -> {}", args.out.display())));
    }
    println!(
        "{weights}: {} (width {}, {} classes, tumour class {}, {} px at {} um/px) -> {}",
        spec.resnet.arch.name(),
        spec.resnet.width,
        spec.resnet.num_classes,
        spec.tumor_class,
        spec.patch_size,
        spec.mpp,
        args.out.display()
    );
    Ok(())
}

/// Largest |ln p - ln q| over the classes (infinite when a probability is not positive).
fn log_probability_error(got: &[f32], expect: &[f64]) -> f64 {
    if got.len() != expect.len() {
        return f64::INFINITY;
    }
    got.iter()
        .zip(expect)
        .map(|(&p, &q)| {
            let p = f64::from(p);
            if p > 0.0 && q > 0.0 {
                (p.ln() - q.ln()).abs()
            } else {
                f64::INFINITY
            }
        })
        .fold(0.0, f64::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_probability_error_is_the_worst_class() {
        let e = log_probability_error(&[0.25, 0.75], &[0.25, 0.75]);
        assert!(e < 1e-7, "{e}");
        let e = log_probability_error(&[0.5, 0.5], &[0.25, 0.75]);
        assert!((e - 2f64.ln()).abs() < 1e-9, "{e}");
        assert!(log_probability_error(&[0.0, 1.0], &[0.1, 0.9]).is_infinite());
        assert!(log_probability_error(&[1.0], &[0.5, 0.5]).is_infinite());
    }
}
