//! The demo classifier (`fixtures/models/demo-resnet34.bpk`) gives the same probabilities on
//! the device named by `HER2_TEST_DEVICE` (`cpu` by default, where burn's `flex` backend runs
//! it; `cuda` or `cuda:N` with the `cuda` feature, as `scripts/gpu-check` does) as on the
//! CPU's folded path, the default for inference.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use image::{Rgb, RgbImage};
use tumor_classifier::{ComputeDevice, CpuKernel, ResNetTumorModel};

fn demo_model() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/models/demo-resnet34.bpk")
}

/// Patches with tissue-like colours and structure, different from each other.
fn patches(n: usize, side: u32) -> Vec<RgbImage> {
    (0..n as u32)
        .map(|k| {
            RgbImage::from_fn(side, side, |x, y| {
                let v = ((x * (3 + k) + y * 5) % 97) as u8;
                Rgb([150 + v, 110 + v / 2, 170 + (v / 3) * (k as u8 % 3)])
            })
        })
        .collect()
}

#[test]
fn the_chosen_device_agrees_with_the_cpu_folded_path() {
    let name = std::env::var("HER2_TEST_DEVICE").unwrap_or_else(|_| "cpu".into());
    let device: ComputeDevice = name.parse().expect("HER2_TEST_DEVICE: cpu, cuda or cuda:N");
    let reference = ResNetTumorModel::from_checkpoint(&demo_model(), ComputeDevice::Cpu).unwrap();
    assert_eq!(reference.cpu_kernel(), CpuKernel::Folded);
    let mut other = ResNetTumorModel::from_checkpoint(&demo_model(), device).unwrap();
    if device == ComputeDevice::Cpu {
        other = other.with_cpu_kernel(CpuKernel::Burn).unwrap();
    }
    let side = reference.spec().patch_size;
    let batch = patches(8, side);
    let want = reference.class_probabilities(&batch).unwrap();
    let got = other.class_probabilities(&batch).unwrap();
    // compared in log-probability, which is the logit up to a constant: saturated
    // probabilities (0.99999 against 0.99998) would hide a wrong layer; float rounding differs
    // between kernels, and more on a GPU's reduced-precision paths
    let tolerance = if device == ComputeDevice::Cpu {
        1e-3
    } else {
        1e-2
    };
    for (a, b) in want.iter().zip(&got) {
        for (&p, &q) in a.iter().zip(b) {
            let error = (f64::from(p).max(1e-30).ln() - f64::from(q).max(1e-30).ln()).abs();
            assert!(
                error <= tolerance,
                "{name}: {got:?} against the folded path's {want:?} (log error {error:e})"
            );
        }
    }
    println!("{name}: {} patches agree to {tolerance:e}", batch.len());
}
