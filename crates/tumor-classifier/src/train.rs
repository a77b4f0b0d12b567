//! Training on labelled patch folders with the paper's recipe (SGD lr 0.01 momentum 0.9,
//! cross-entropy, batch 64, 50 epochs, 9:1 split with a fixed seed, random rotation and
//! flips): per-epoch metrics CSV, a checkpoint every epoch (`last.bpk` and the optimizer
//! state), the best model on validation kept (`best.bpk` with its curves), and resume.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{GradientsParams, SgdConfig, decay::WeightDecayConfig};
use burn::prelude::*;
use burn::tensor::TensorData;
use image::RgbImage;
use image::imageops::FilterType;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::atomic::write_atomic;
use crate::augment::random_dihedral;
use crate::config_text::parse_json;
use crate::curves::{plot_pr_png, plot_roc_png, write_pr_csv, write_roc_csv};
use crate::dataset::{PatchDataset, PatchReader, PatchSample, PatchSource};
use crate::device::ComputeDevice;
use crate::error::{ClassifierError, Result};
use crate::metrics::{PatchMetrics, patch_metrics, pr_curve, roc_curve};
use crate::preprocess::images_to_tensor;
use crate::spec::ModelSpec;
use crate::tumor_model::ResNetTumorModel;
use crate::weights::{load_checkpoint, save_checkpoint};

/// Training settings; `Default` is the paper's recipe on a full-width ResNet-34.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainConfig {
    /// Architecture, input scaling, patch size and resolution of the model to train.
    /// Patches of another size are resized to `model.patch_size`.
    pub model: ModelSpec,
    /// Passes over the training set. Paper: 50.
    pub epochs: usize,
    /// Patches per step. Paper: 64.
    pub batch_size: usize,
    /// SGD learning rate. Paper: 0.01.
    pub learning_rate: f64,
    /// SGD momentum (PyTorch semantics, no dampening). Paper: 0.9.
    pub momentum: f64,
    /// L2 weight decay. Paper: none stated, 0.
    pub weight_decay: f64,
    /// Fraction of each class held out for validation. Paper: 0.1 (9:1).
    pub validation_fraction: f64,
    /// Seed of the split, the shuffles, the augmentation and the initial weights.
    pub seed: u64,
    /// Random rotation (multiples of 90 degrees) and flips. Paper: on.
    pub augment: bool,
    /// Threshold for the validation metrics.
    pub threshold: f32,
    /// Where to train.
    pub device: ComputeDevice,
    /// Progress bars on stderr. Not saved with the run (`state.json`): how a run is watched
    /// is no setting of the run (an older file that holds it still reads).
    #[serde(skip_serializing)]
    pub show_progress: bool,
    /// Decoded slide patches kept in memory between epochs, in MiB (patch folders are
    /// always read from disk). Does not change results.
    pub patch_cache_mib: usize,
    /// Slides held open at once while reading slide patches. Does not change results.
    pub max_open_slides: usize,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            model: ModelSpec::default(),
            epochs: 50,
            batch_size: 64,
            learning_rate: 0.01,
            momentum: 0.9,
            weight_decay: 0.0,
            validation_fraction: 0.1,
            seed: 20230119,
            augment: true,
            threshold: 0.5,
            device: ComputeDevice::Cpu,
            show_progress: false,
            patch_cache_mib: 1024,
            max_open_slides: 16,
        }
    }
}

impl TrainConfig {
    /// Reads a config from JSON (missing fields take their defaults; an unknown field, at any
    /// depth, is an error that names its dotted path, e.g. `model.resnet.widht`). The values
    /// are not checked: call [`validate`](Self::validate).
    pub fn from_json(text: &str) -> Result<Self> {
        parse_json(text, None)
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        let bad = |what: String| Err(ClassifierError::InvalidConfig(what));
        if self.epochs == 0 {
            return bad("epochs must be at least 1".into());
        }
        if self.batch_size < 2 {
            return bad(format!(
                "batch_size must be at least 2 (batch norm), got {}",
                self.batch_size
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad(format!(
                "learning rate must be positive, got {}",
                self.learning_rate
            ));
        }
        if !(0.0..1.0).contains(&self.momentum) {
            return bad(format!("momentum must be in [0, 1), got {}", self.momentum));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return bad(format!(
                "weight decay must be >= 0, got {}",
                self.weight_decay
            ));
        }
        Ok(())
    }
}

/// One row of `metrics.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean training cross-entropy.
    pub train_loss: f64,
    /// Training accuracy (on augmented patches, during the epoch).
    pub train_accuracy: f64,
    /// Mean validation cross-entropy.
    pub val_loss: f64,
    /// Validation metrics at the configured threshold.
    pub val: PatchMetrics,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
}

/// What a finished run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainSummary {
    /// Epochs completed in total (including resumed ones).
    pub epochs_completed: usize,
    /// Epoch of the best validation ROC AUC (accuracy breaks ties).
    pub best_epoch: usize,
    /// Its validation record.
    pub best: EpochRecord,
    /// Path of the best checkpoint.
    pub best_checkpoint: PathBuf,
    /// Path of the last checkpoint.
    pub last_checkpoint: PathBuf,
    /// Training / validation sizes.
    pub train_patches: usize,
    /// Validation patches.
    pub val_patches: usize,
}

/// Resume state kept in `state.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct RunState {
    config: TrainConfig,
    epochs_completed: usize,
    best: Option<EpochRecord>,
}

/// File names inside the output folder.
pub mod files {
    /// Last epoch's weights.
    pub const LAST: &str = "last.bpk";
    /// Best validation weights.
    pub const BEST: &str = "best.bpk";
    /// Optimizer state of the last epoch.
    pub const OPTIMIZER: &str = "optimizer.bpk";
    /// Per-epoch metrics.
    pub const METRICS: &str = "metrics.csv";
    /// Resume state.
    pub const STATE: &str = "state.json";
    /// The best epoch's validation record.
    pub const BEST_METRICS: &str = "best-metrics.json";
    /// Every patch of the run: where it is, its label and its split.
    pub const PATCHES: &str = "patches.csv";
}

/// Trains on `dataset` into `out_dir` (created if needed). With `resume`, continues from the
/// state a previous run left in `out_dir` (the configs must agree except for `epochs`,
/// `device`, `show_progress`, `patch_cache_mib` and `max_open_slides`). Writes
/// [`files::PATCHES`] first: every patch with its label and split.
pub fn train(
    dataset: &PatchDataset,
    config: &TrainConfig,
    out_dir: &Path,
    resume: bool,
) -> Result<TrainSummary> {
    config.validate()?;
    std::fs::create_dir_all(out_dir).map_err(|e| ClassifierError::io(out_dir, e))?;
    let (train_set, val_set) = dataset.split(config.validation_fraction, config.seed)?;
    if val_set.is_empty() {
        return Err(ClassifierError::dataset(
            &dataset.root,
            "validation split is empty: need a validation fraction > 0 and 2+ patches per class",
        ));
    }
    write_patch_list(&out_dir.join(files::PATCHES), dataset, &train_set, &val_set)?;
    let reader = PatchReader::new(
        dataset,
        config.max_open_slides,
        config.patch_cache_mib.saturating_mul(1 << 20),
    );
    let device = config.device.to_burn()?.autodiff();
    let inference_device = device.clone().without_autodiff();
    let state_path = out_dir.join(files::STATE);

    let (mut model, mut optim, mut state) = if resume && state_path.is_file() {
        let text = std::fs::read_to_string(&state_path)
            .map_err(|e| ClassifierError::io(&state_path, e))?;
        let state: RunState = parse_json(&text, Some(&state_path))?;
        check_resumable(&state.config, config, &state_path)?;
        let (model, _) = load_checkpoint(&out_dir.join(files::LAST), &device)?;
        let optim_path = out_dir.join(files::OPTIMIZER);
        let optim = sgd(config).load(&optim_path).map_err(|e| {
            ClassifierError::weights(&optim_path, format!("cannot read optimizer state: {e}"))
        })?;
        (model, optim, state)
    } else {
        device.seed(config.seed);
        let model = config.model.resnet.build(&device)?;
        let state = RunState {
            config: config.clone(),
            epochs_completed: 0,
            best: None,
        };
        write_metrics_header(&out_dir.join(files::METRICS))?;
        (model, sgd(config), state)
    };
    state.config = config.clone();

    let loss_fn = CrossEntropyLossConfig::new().init(&device);
    for epoch in state.epochs_completed + 1..=config.epochs {
        let started = Instant::now();
        let progress = bar(config.show_progress, train_set.len(), epoch, config.epochs);
        let mut order: Vec<usize> = (0..train_set.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(mix(
            config.seed,
            epoch as u64,
            0,
        )));
        let (mut loss_sum, mut correct, mut seen) = (0.0f64, 0usize, 0usize);
        for chunk in order.chunks(config.batch_size) {
            if chunk.len() < 2 {
                continue; // batch norm cannot train on a single patch
            }
            let batch: Vec<&PatchSample> = chunk.iter().map(|&i| &train_set[i]).collect();
            let images = load_batch(&reader, &batch, config, Some((epoch, chunk)))?;
            let x = images_to_tensor(&images, &config.model.normalization, &device)?;
            let labels: Vec<i64> = batch
                .iter()
                .map(|s| config.model.class_of(s.tumor) as i64)
                .collect();
            let y = Tensor::<1, Int>::from_data(
                TensorData::new(labels.clone(), [labels.len()]),
                &device,
            );
            let logits = model.forward(x);
            let predicted = logits.clone().argmax(1).into_data();
            let loss = loss_fn.forward(logits, y);
            let loss_value = f64::from(loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(config.learning_rate, model, grads);

            loss_sum += loss_value * batch.len() as f64;
            seen += batch.len();
            correct += predicted
                .iter::<i64>()
                .zip(&labels)
                .filter(|(p, l)| p == *l)
                .count();
            progress.inc(batch.len() as u64);
            progress.set_message(format!("loss {:.4}", loss_sum / seen as f64));
        }
        progress.finish_and_clear();

        let evaluator = ResNetTumorModel::new(
            model.valid(),
            config.model.clone(),
            inference_device.clone(),
            "validation",
        );
        let (scores, labels, val_loss) = evaluate(&evaluator, &reader, &val_set, config)?;
        let val = patch_metrics(&scores, &labels, config.threshold)?;
        let record = EpochRecord {
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            val_loss,
            val,
            seconds: started.elapsed().as_secs_f64(),
        };
        save_checkpoint(&model, &config.model, &out_dir.join(files::LAST))?;
        let optim_path = out_dir.join(files::OPTIMIZER);
        optim.save(&optim_path).map_err(|e| {
            ClassifierError::weights(&optim_path, format!("cannot write optimizer state: {e}"))
        })?;
        append_metrics(&out_dir.join(files::METRICS), &record)?;
        if state
            .best
            .as_ref()
            .is_none_or(|best| is_better(&record, best))
        {
            save_checkpoint(&model, &config.model, &out_dir.join(files::BEST))?;
            write_best(out_dir, &record, &scores, &labels)?;
            state.best = Some(record.clone());
        }
        state.epochs_completed = epoch;
        let json = serde_json::to_string_pretty(&state)
            .map_err(|e| ClassifierError::Input(format!("cannot encode run state: {e}")))?;
        write_atomic(&state_path, |w| w.write_all(json.as_bytes()))?;
        if config.show_progress {
            eprintln!(
                "epoch {epoch}/{}: train loss {:.4} acc {:.3} | val loss {:.4} acc {:.3} F1 {:.3} AUC {:.3} | {:.0}s",
                config.epochs,
                record.train_loss,
                record.train_accuracy,
                record.val_loss,
                record.val.accuracy,
                record.val.f1,
                record.val.roc_auc,
                record.seconds
            );
        }
    }
    let best = state.best.ok_or_else(|| {
        ClassifierError::InvalidConfig(format!(
            "nothing to do: {} epochs already completed in {}",
            state.epochs_completed,
            out_dir.display()
        ))
    })?;
    Ok(TrainSummary {
        epochs_completed: state.epochs_completed,
        best_epoch: best.epoch,
        best,
        best_checkpoint: out_dir.join(files::BEST),
        last_checkpoint: out_dir.join(files::LAST),
        train_patches: train_set.len(),
        val_patches: val_set.len(),
    })
}

/// Tumour probabilities, truths and mean cross-entropy of `model` over `samples`, read
/// through `reader`.
pub fn evaluate(
    model: &ResNetTumorModel,
    reader: &PatchReader<'_>,
    samples: &[PatchSample],
    config: &TrainConfig,
) -> Result<(Vec<f32>, Vec<bool>, f64)> {
    let spec = model.spec();
    let tumor = spec.tumor_class;
    let mut scores = Vec::with_capacity(samples.len());
    let mut loss = 0.0f64;
    for chunk in samples.chunks(config.batch_size.max(1)) {
        let refs: Vec<&PatchSample> = chunk.iter().collect();
        let images = load_batch(reader, &refs, config, None)?;
        for (probs, sample) in model.class_probabilities(&images)?.into_iter().zip(chunk) {
            let truth = spec.class_of(sample.tumor);
            loss -= f64::from(probs[truth].max(1e-7)).ln();
            scores.push(probs[tumor]);
        }
    }
    let labels = samples.iter().map(|s| s.tumor).collect();
    Ok((scores, labels, loss / samples.len().max(1) as f64))
}

fn sgd(config: &TrainConfig) -> burn::optim::ModuleOptimizer {
    let momentum = MomentumConfig::new()
        .with_momentum(config.momentum)
        .with_dampening(0.0);
    SgdConfig::new()
        .with_momentum((config.momentum > 0.0).then_some(momentum))
        .with_weight_decay(
            (config.weight_decay > 0.0).then(|| WeightDecayConfig::new(config.weight_decay as f32)),
        )
        .init()
}

/// Loads (and, for training, augments) a batch in parallel; each patch's augmentation is
/// seeded from (seed, epoch, index) so results do not depend on the thread count.
fn load_batch(
    reader: &PatchReader<'_>,
    batch: &[&PatchSample],
    config: &TrainConfig,
    augment: Option<(usize, &[usize])>,
) -> Result<Vec<RgbImage>> {
    let size = config.model.patch_size;
    batch
        .par_iter()
        .enumerate()
        .map(|(k, sample)| {
            let mut img = reader.load(sample)?;
            if img.dimensions() != (size, size) {
                img = image::imageops::resize(&img, size, size, FilterType::Triangle);
            }
            if let (true, Some((epoch, indices))) = (config.augment, augment) {
                let mut rng = ChaCha8Rng::seed_from_u64(mix(
                    config.seed,
                    epoch as u64,
                    indices[k] as u64 + 1,
                ));
                img = random_dihedral(&img, &mut rng);
            }
            Ok(img)
        })
        .collect()
}

fn mix(seed: u64, epoch: u64, item: u64) -> u64 {
    seed ^ epoch.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ item.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
}

fn is_better(candidate: &EpochRecord, best: &EpochRecord) -> bool {
    let key = |r: &EpochRecord| {
        let auc = if r.val.roc_auc.is_nan() {
            -1.0
        } else {
            r.val.roc_auc
        };
        (auc, r.val.accuracy)
    };
    key(candidate) > key(best)
}

fn check_resumable(saved: &TrainConfig, asked: &TrainConfig, path: &Path) -> Result<()> {
    let comparable = |c: &TrainConfig| TrainConfig {
        epochs: 0,
        device: ComputeDevice::Cpu,
        show_progress: false,
        patch_cache_mib: 0,
        max_open_slides: 0,
        ..c.clone()
    };
    if comparable(saved) != comparable(asked) {
        return Err(ClassifierError::InvalidConfig(format!(
            "{}: the run there used other settings; resume with the same ones (only epochs, device, progress, patch cache and open slides may change)",
            path.display()
        )));
    }
    Ok(())
}

fn bar(show: bool, len: usize, epoch: usize, epochs: usize) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    ProgressBar::new(len as u64).with_style(
        ProgressStyle::with_template(&format!(
            "epoch {epoch}/{epochs} {{bar:30}} {{pos}}/{{len}} {{per_sec}} {{msg}} eta {{eta}}"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    )
}

const METRICS_HEADER: &str = "epoch,train_loss,train_accuracy,val_loss,val_accuracy,val_precision,val_recall,val_f1,val_roc_auc,val_average_precision,val_tp,val_fp,val_tn,val_fn,seconds";

fn write_metrics_header(path: &Path) -> Result<()> {
    write_atomic(path, |w| writeln!(w, "{METRICS_HEADER}"))
}

fn append_metrics(path: &Path, r: &EpochRecord) -> Result<()> {
    let mut text = std::fs::read_to_string(path).map_err(|e| ClassifierError::io(path, e))?;
    let v = &r.val;
    text.push_str(&format!(
        "{},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{:.6},{},{},{},{},{:.1}\n",
        r.epoch,
        r.train_loss,
        r.train_accuracy,
        r.val_loss,
        v.accuracy,
        v.precision,
        v.recall,
        v.f1,
        v.roc_auc,
        v.average_precision,
        v.confusion.tp,
        v.confusion.fp,
        v.confusion.tn,
        v.confusion.fn_,
        r.seconds
    ));
    write_atomic(path, |w| w.write_all(text.as_bytes()))
}

/// Writes `patches.csv`: `source,x,y,size,label,split,tumor_fraction,tissue_fraction` (x, y,
/// size in level-0 pixels and the fractions for slide patches; empty for image files).
fn write_patch_list(
    path: &Path,
    dataset: &PatchDataset,
    train_set: &[PatchSample],
    val_set: &[PatchSample],
) -> Result<()> {
    let csv_error =
        |e: csv::Error| ClassifierError::Input(format!("cannot encode {}: {e}", path.display()));
    let mut csv = csv::Writer::from_writer(Vec::new());
    csv.write_record([
        "source",
        "x",
        "y",
        "size",
        "label",
        "split",
        "tumor_fraction",
        "tissue_fraction",
    ])
    .map_err(csv_error)?;
    let sets = [(train_set, "train"), (val_set, "validation")];
    for (sample, split) in sets
        .iter()
        .flat_map(|(s, n)| s.iter().map(move |x| (x, *n)))
    {
        let label = if sample.tumor { "tumor" } else { "normal" };
        let row: [String; 8] = match &sample.source {
            PatchSource::File(file) => [
                file.display().to_string(),
                String::new(),
                String::new(),
                String::new(),
                label.into(),
                split.into(),
                String::new(),
                String::new(),
            ],
            &PatchSource::Slide {
                slide,
                x,
                y,
                tumor_fraction,
                tissue_fraction,
            } => {
                let (name, size) = dataset.slides.get(slide).map_or_else(
                    || (format!("slide {slide}"), 0),
                    |s| (s.path.display().to_string(), s.level0_px),
                );
                [
                    name,
                    x.to_string(),
                    y.to_string(),
                    size.to_string(),
                    label.into(),
                    split.into(),
                    format!("{tumor_fraction:.4}"),
                    format!("{tissue_fraction:.4}"),
                ]
            }
        };
        csv.write_record(&row).map_err(csv_error)?;
    }
    let bytes = csv
        .into_inner()
        .map_err(|e| ClassifierError::Input(format!("cannot encode {}: {e}", path.display())))?;
    write_atomic(path, |w| w.write_all(&bytes))
}

fn write_best(out_dir: &Path, record: &EpochRecord, scores: &[f32], labels: &[bool]) -> Result<()> {
    let json = serde_json::to_string_pretty(record)
        .map_err(|e| ClassifierError::Input(format!("cannot encode metrics: {e}")))?;
    write_atomic(&out_dir.join(files::BEST_METRICS), |w| {
        w.write_all(json.as_bytes())
    })?;
    let roc = roc_curve(scores, labels)?;
    write_roc_csv(&roc, &out_dir.join("roc.csv"))?;
    plot_roc_png(&roc, record.val.roc_auc, &out_dir.join("roc.png"))?;
    let pr = pr_curve(scores, labels)?;
    write_pr_csv(&pr, &out_dir.join("pr.csv"))?;
    plot_pr_png(&pr, record.val.average_precision, &out_dir.join("pr.png"))
}

#[cfg(test)]
mod config_tests {
    use super::*;

    #[test]
    fn unknown_fields_are_rejected_with_their_path() {
        for (json, field) in [
            (r#"{"epocs": 3}"#, "`epocs`"),
            (r#"{"model": {"patch_sise": 64}}"#, "`model.patch_sise`"),
            (
                r#"{"model": {"resnet": {"widht": 0.5}}}"#,
                "`model.resnet.widht`",
            ),
        ] {
            let err = TrainConfig::from_json(json).unwrap_err();
            let message = err.to_string();
            assert!(
                message.starts_with(&format!("{field}: unknown field")),
                "{message}"
            );
            assert!(matches!(err, ClassifierError::ConfigText { .. }), "{err:?}");
        }
        let config =
            TrainConfig::from_json(r#"{"epochs": 3, "model": {"patch_size": 64}}"#).unwrap();
        assert_eq!((config.epochs, config.model.patch_size), (3, 64));
    }

    #[test]
    fn progress_is_not_saved_but_an_older_file_with_it_still_reads() {
        let config = TrainConfig {
            show_progress: true,
            ..TrainConfig::default()
        };
        let json = serde_json::to_string(&config).unwrap();
        assert!(!json.contains("show_progress"), "{json}");
        let back = TrainConfig::from_json(&json).unwrap();
        assert_eq!(back, TrainConfig::default());
        assert!(
            TrainConfig::from_json(r#"{"show_progress": true}"#)
                .unwrap()
                .show_progress
        );
    }
}
