//! `her2 import-model`: the PyTorch fixture (a torchvision-style ResNet-18 at width 1/8) becomes
//! a checkpoint that loads with the spec given on the command line and classifies exactly as
//! the imported weights do; a reference check passes when the probabilities agree and fails,
//! with nothing written, when they do not; a wrong architecture is a clear error.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{assert_success, her2, repo};
use image::{Rgb, RgbImage};
use tumor_classifier::{ComputeDevice, ResNetTumorModel};

fn fixture() -> PathBuf {
    repo().join("fixtures/tumor-classifier/resnet18_w0125.safetensors")
}

/// A 64 x 64 patch with some structure, written to `dir`.
fn patch(dir: &Path) -> (PathBuf, RgbImage) {
    let image = RgbImage::from_fn(64, 64, |x, y| {
        Rgb([
            (150 + (x * 3) % 90) as u8,
            (90 + (y * 5) % 120) as u8,
            (170 + ((x ^ y) * 7) % 80) as u8,
        ])
    });
    let path = dir.join("patch.png");
    image.save(&path).unwrap();
    (path, image)
}

fn import(out: &Path, extra: &[&str]) -> std::process::Output {
    let fixture = fixture();
    let mut args = vec![
        "import-model",
        fixture.to_str().unwrap(),
        "--arch",
        "resnet18",
        "--width",
        "0.125",
        "--patch-size",
        "64",
        "--mpp",
        "1.0",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    her2(&args)
}

#[test]
fn imported_weights_become_a_checkpoint_that_classifies_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let (patch_path, patch) = patch(dir.path());
    let out = dir.path().join("model.bpk");
    let run = import(&out, &[]);
    assert_success(&run);
    let model = ResNetTumorModel::from_checkpoint(&out, ComputeDevice::Cpu).unwrap();
    let spec = model.spec();
    assert_eq!((spec.patch_size, spec.mpp, spec.tumor_class), (64, 1.0, 1));
    assert_eq!(spec.resnet.arch.name(), "resnet18");
    let probabilities = model
        .class_probabilities(std::slice::from_ref(&patch))
        .unwrap()[0]
        .clone();
    assert_eq!(probabilities.len(), 2);
    // the same weights imported in the library directly, with the checkpoint's spec
    let direct = ResNetTumorModel::from_pytorch(&fixture(), spec.clone(), ComputeDevice::Cpu)
        .unwrap()
        .class_probabilities(&[patch])
        .unwrap();
    for (a, b) in probabilities.iter().zip(&direct[0]) {
        assert!((a - b).abs() < 1e-6, "{probabilities:?} vs {direct:?}");
    }

    // The reference check: the same probabilities pass, others fail and write nothing.
    let expect = format!("{},{}", probabilities[0], probabilities[1]);
    let checked = dir.path().join("checked.bpk");
    let run = import(
        &checked,
        &[
            "--check-patch",
            patch_path.to_str().unwrap(),
            "--expect",
            &expect,
        ],
    );
    assert_success(&run);
    assert!(String::from_utf8_lossy(&run.stdout).contains("match the reference"));
    let (p0, p1) = (probabilities[0] * 0.9, 1.0 - probabilities[0] * 0.9);
    let wrong = format!("{p0},{p1}");
    let refused = dir.path().join("refused.bpk");
    let run = import(
        &refused,
        &[
            "--check-patch",
            patch_path.to_str().unwrap(),
            "--expect",
            &wrong,
        ],
    );
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("log-probability error"), "{stderr}");
    assert!(!refused.exists());
}

#[test]
fn a_wrong_architecture_names_the_file_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("model.bpk");
    let fixture = fixture();
    let run = her2(&[
        "import-model",
        fixture.to_str().unwrap(),
        "--arch",
        "resnet34",
        "--width",
        "0.125",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("resnet18_w0125.safetensors"), "{stderr}");
    assert!(!out.exists());
}
