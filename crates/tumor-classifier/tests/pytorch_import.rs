//! The architecture and the PyTorch import are right: a torchvision-layout ResNet-18 at
//! width 1/8 written by `scripts/make-tumor-classifier-fixture.py` gives PyTorch's logits
//! to 1e-4 after import, from the pickle and from safetensors, and survives a round trip
//! through our own checkpoint format; the folded CPU path gives the same logits.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::TensorData;
use tumor_classifier::{
    Arch, FoldedResNet, ModelSpec, ResNetConfig, import_pytorch, load_checkpoint, save_checkpoint,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/tumor-classifier")
        .join(name)
}

fn spec() -> ModelSpec {
    ModelSpec {
        resnet: ResNetConfig::new(Arch::ResNet18, 0.125),
        ..ModelSpec::default()
    }
}

/// The input the Python script used: (1 + n) sin(0.37 n + 1.3 c + 0.11 h - 0.07 w) + 0.1 c,
/// as NCHW values and their shape.
fn fixed_values() -> (Vec<f32>, [usize; 4]) {
    let (b, s) = (2usize, 64usize);
    let mut v = Vec::with_capacity(b * 3 * s * s);
    for n in 0..b {
        for c in 0..3 {
            for h in 0..s {
                for w in 0..s {
                    let (n, c, h, w) = (n as f64, c as f64, h as f64, w as f64);
                    let x = (1.0 + n) * (0.37 * n + 1.3 * c + 0.11 * h - 0.07 * w).sin() + 0.1 * c;
                    v.push(x as f32);
                }
            }
        }
    }
    (v, [b, 3, s, s])
}

fn fixed_input(device: &Device) -> Tensor<4> {
    let (values, shape) = fixed_values();
    Tensor::from_data(TensorData::new(values, shape), device)
}

fn expected_logits() -> Vec<f32> {
    let text = std::fs::read_to_string(fixture("resnet18_w0125_logits.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["logits"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            row.as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_f64().unwrap() as f32)
        })
        .collect()
}

fn assert_close_to_torch(got: &[f32], what: &str) {
    let want = expected_logits();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!((g - w).abs() < 1e-4, "{what} {got:?} vs torch {want:?}");
    }
}

fn assert_logits_match(model: &tumor_classifier::ResNet, device: &Device) {
    let got = model
        .forward(fixed_input(device))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    assert_close_to_torch(&got, "burn");
}

#[test]
fn pickle_import_matches_pytorch_logits() {
    let device = Device::flex();
    let model = import_pytorch(&fixture("resnet18_w0125.pt"), &spec(), &device).unwrap();
    assert_logits_match(&model, &device);
}

#[test]
fn safetensors_import_matches_pytorch_logits_and_round_trips() {
    let device = Device::flex();
    let model = import_pytorch(&fixture("resnet18_w0125.safetensors"), &spec(), &device).unwrap();
    assert_logits_match(&model, &device);
    // The folded CPU path on the imported weights (inference mode, as the tumour model runs).
    let (values, shape) = fixed_values();
    let folded = FoldedResNet::new(&model.clone().valid()).unwrap();
    assert_close_to_torch(&folded.forward(&values, shape).unwrap(), "folded");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.bpk");
    save_checkpoint(&model, &spec(), &path).unwrap();
    let (reloaded, reloaded_spec) = load_checkpoint(&path, &device).unwrap();
    assert_eq!(reloaded_spec, spec());
    assert_logits_match(&reloaded, &device);
}

#[test]
fn wrong_architecture_or_width_is_a_clear_error() {
    let device = Device::flex();
    let wider = ModelSpec {
        resnet: ResNetConfig::new(Arch::ResNet18, 0.25),
        ..ModelSpec::default()
    };
    let err = import_pytorch(&fixture("resnet18_w0125.pt"), &wider, &device).unwrap_err();
    assert!(err.to_string().contains("resnet18_w0125.pt"), "{err}");

    let deeper = ModelSpec {
        resnet: ResNetConfig::new(Arch::ResNet34, 0.125),
        ..ModelSpec::default()
    };
    let err = import_pytorch(&fixture("resnet18_w0125.pt"), &deeper, &device).unwrap_err();
    assert!(err.to_string().contains("missing"), "{err}");

    let err = import_pytorch(&fixture("nope.pt"), &spec(), &device).unwrap_err();
    assert!(err.to_string().contains("no such file"), "{err}");
    // A PyTorch file is not a Burn checkpoint.
    assert!(load_checkpoint(&fixture("resnet18_w0125.pt"), &device).is_err());
}
