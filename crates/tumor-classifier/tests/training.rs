//! Training end to end on a tiny, separable patch folder: the run writes its checkpoints,
//! metrics and curves, learns the task, and resumes where it stopped.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use image::{Rgb, RgbImage};
use rand::{Rng, SeedableRng};
use tumor_classifier::train_files as files;
use tumor_classifier::{
    Arch, ComputeDevice, ModelSpec, PatchDataset, PatchInput, ResNetConfig, ResNetTumorModel,
    TrainConfig, TumorModel, train,
};

/// 24 brown-ish "tumour" and 24 pale pink "normal" 32 x 32 patches with noise.
fn write_dataset(root: &Path) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for (class, base) in [("tumor", [120u8, 70, 50]), ("normal", [230u8, 190, 210])] {
        std::fs::create_dir_all(root.join(class)).unwrap();
        for i in 0..24 {
            let img = RgbImage::from_fn(32, 32, |_, _| {
                Rgb(base.map(|c| c.saturating_add(rng.random_range(0..20))))
            });
            img.save(root.join(class).join(format!("{i:02}.png")))
                .unwrap();
        }
    }
}

fn config(epochs: usize) -> TrainConfig {
    TrainConfig {
        model: ModelSpec {
            resnet: ResNetConfig::new(Arch::ResNet18, 0.0625),
            patch_size: 32,
            ..ModelSpec::default()
        },
        epochs,
        batch_size: 8,
        learning_rate: 0.05,
        validation_fraction: 0.25,
        ..TrainConfig::default()
    }
}

#[test]
fn trains_writes_outputs_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("patches");
    write_dataset(&data);
    let dataset = PatchDataset::from_folder(&data).unwrap();
    let out = dir.path().join("run");

    let summary = train(&dataset, &config(2), &out, false).unwrap();
    assert_eq!((summary.train_patches, summary.val_patches), (36, 12));
    assert_eq!(summary.epochs_completed, 2);
    for name in [
        files::LAST,
        files::BEST,
        files::OPTIMIZER,
        files::METRICS,
        files::STATE,
        files::PATCHES,
        "roc.png",
        "pr.csv",
    ] {
        assert!(out.join(name).is_file(), "{name} missing");
    }
    let rows = |p: &Path| {
        std::fs::read_to_string(p.join(files::METRICS))
            .unwrap()
            .lines()
            .count()
    };
    assert_eq!(rows(&out), 3, "header + 2 epochs");

    // Resume to 12 epochs: ten more rows, and the same settings are required.
    let summary = train(&dataset, &config(12), &out, true).unwrap();
    assert_eq!(summary.epochs_completed, 12);
    assert_eq!(rows(&out), 13);
    let other = TrainConfig {
        learning_rate: 0.1,
        ..config(13)
    };
    assert!(train(&dataset, &other, &out, true).is_err());

    // Colours this different are learnt in a few epochs.
    let csv = std::fs::read_to_string(out.join(files::METRICS)).unwrap();
    assert!(summary.best.val.roc_auc > 0.9, "{csv}");
    let model =
        ResNetTumorModel::from_checkpoint(&summary.best_checkpoint, ComputeDevice::Cpu).unwrap();
    let tumour = image::open(data.join("tumor/00.png")).unwrap().into_rgb8();
    let normal = image::open(data.join("normal/00.png")).unwrap().into_rgb8();
    let r = tumor_classifier::Rect::new(0, 0, 32, 32);
    let p = model
        .predict(&[PatchInput::new(r, &tumour), PatchInput::new(r, &normal)])
        .unwrap();
    assert!(p[0] > p[1], "{p:?}");
}

#[test]
fn bad_settings_are_rejected_before_training() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(dir.path());
    let dataset = PatchDataset::from_folder(dir.path()).unwrap();
    let bad = TrainConfig {
        batch_size: 1,
        ..config(1)
    };
    assert!(train(&dataset, &bad, &dir.path().join("o"), false).is_err());
    let bad = TrainConfig {
        learning_rate: -1.0,
        ..config(1)
    };
    assert!(train(&dataset, &bad, &dir.path().join("o"), false).is_err());
}
