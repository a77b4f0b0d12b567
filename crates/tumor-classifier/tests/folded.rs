//! The folded CPU path computes what burn computes: [`FoldedResNet`] logits against
//! [`ResNet::forward`] in inference mode for ResNet-18, -34 and -50 at small widths, with
//! random batch-norm statistics (so that folding is really exercised), on square and odd
//! inputs, batches of 1 and 3.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use burn::module::{Param, RunningState};
use burn::nn::BatchNorm;
use burn::prelude::*;
use burn::tensor::TensorData;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tumor_classifier::internals::Block;
use tumor_classifier::{Arch, FoldedResNet, ResNet, ResNetConfig};

fn uniform(rng: &mut ChaCha8Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|_| rng.random_range(lo..hi)).collect()
}

fn vector(values: Vec<f32>, device: &Device) -> Tensor<1> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n]), device)
}

/// Random gamma, beta, running mean and variance (instead of the init's 1, 0, 0, 1).
fn randomise(bn: &mut BatchNorm, rng: &mut ChaCha8Rng, device: &Device) {
    let n = bn.gamma.val().dims()[0];
    bn.gamma = Param::from_tensor(vector(uniform(rng, n, 0.5, 1.5), device));
    bn.beta = Param::from_tensor(vector(uniform(rng, n, -0.3, 0.3), device));
    bn.running_mean = RunningState::new(vector(uniform(rng, n, -0.5, 0.5), device));
    bn.running_var = RunningState::new(vector(uniform(rng, n, 0.5, 2.0), device));
}

fn model(arch: Arch, width: f64, seed: u64, device: &Device) -> ResNet {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    device.seed(seed);
    let mut model = ResNetConfig::new(arch, width).init(device).unwrap();
    randomise(&mut model.bn1, &mut rng, device);
    for layer in [
        &mut model.layer1,
        &mut model.layer2,
        &mut model.layer3,
        &mut model.layer4,
    ] {
        for block in layer.iter_mut() {
            let (norms, downsample) = match block {
                Block::Basic(b) => (vec![&mut b.bn1, &mut b.bn2], b.downsample.as_mut()),
                Block::Bottleneck(b) => (
                    vec![&mut b.bn1, &mut b.bn2, &mut b.bn3],
                    b.downsample.as_mut(),
                ),
            };
            for bn in norms {
                randomise(bn, &mut rng, device);
            }
            if let Some(down) = downsample {
                randomise(&mut down.bn, &mut rng, device);
            }
        }
    }
    model.valid()
}

fn assert_same_logits(arch: Arch, width: f64, batch: usize, height: usize, width_px: usize) {
    let device = Device::flex();
    let model = model(arch, width, 11 + batch as u64, &device);
    let folded = FoldedResNet::new(&model).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let shape = [batch, 3, height, width_px];
    let input = uniform(&mut rng, shape.iter().product(), -2.0, 2.0);
    let want = model
        .forward(Tensor::from_data(
            TensorData::new(input.clone(), shape),
            &device,
        ))
        .into_data()
        .try_to_vec::<f32>()
        .unwrap();
    let got = folded.forward(&input, shape).unwrap();
    assert_eq!(got.len(), batch * folded.num_classes());
    let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
    let worst = got
        .iter()
        .zip(&want)
        .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
    assert!(
        worst <= 1e-4 * scale,
        "{arch:?} w{width} {shape:?}: off by {worst} (scale {scale})\nfolded {got:?}\nburn {want:?}"
    );
}

#[test]
fn resnet18_folded_matches_burn() {
    assert_same_logits(Arch::ResNet18, 0.25, 1, 64, 64);
    assert_same_logits(Arch::ResNet18, 0.125, 3, 72, 67);
}

#[test]
fn resnet34_folded_matches_burn() {
    assert_same_logits(Arch::ResNet34, 0.125, 3, 64, 64);
    assert_same_logits(Arch::ResNet34, 0.25, 1, 67, 72);
}

#[test]
fn resnet50_folded_matches_burn() {
    assert_same_logits(Arch::ResNet50, 0.125, 1, 72, 72);
    assert_same_logits(Arch::ResNet50, 0.125, 3, 64, 67);
}

#[test]
fn malformed_input_is_an_error() {
    let device = Device::flex();
    let folded = FoldedResNet::new(&model(Arch::ResNet18, 0.125, 1, &device)).unwrap();
    assert!(folded.forward(&[0.0; 10], [1, 3, 2, 2]).is_err());
    assert!(folded.forward(&[0.0; 16], [1, 4, 2, 2]).is_err());
    assert!(folded.forward(&[], [1, 3, 0, 5]).is_err());
    assert!(folded.forward(&[0.0; 3], [usize::MAX, 3, 1, 2]).is_err());
    assert!(folded.forward(&[0.0; 3], [1, 3, usize::MAX, 2]).is_err());
    // Debug prints a summary, not the weights.
    let debug = format!("{folded:?}");
    assert!(debug.contains("blocks: 8") && debug.len() < 200, "{debug}");
    // The smallest image works: every layer keeps at least one pixel.
    assert_eq!(folded.forward(&[0.5; 3], [1, 3, 1, 1]).unwrap().len(), 2);
}

/// Full width, so that `layer4` (512 channels) holds both kinds of weights and switches:
/// Winograd for one image over the threads, im2col for two stacks of one 2 x 2 plane. The
/// Winograd network must give the im2col-only network's logits.
#[test]
fn winograd_and_im2col_networks_agree_at_full_width() {
    let device = Device::flex();
    let model = model(Arch::ResNet34, 1.0, 3, &device);
    let winograd = FoldedResNet::new(&model).unwrap();
    let im2col = FoldedResNet::new_without_winograd(&model).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    for batch in [1, 2] {
        let shape = [batch, 3, 64, 61];
        let input = uniform(&mut rng, shape.iter().product(), -2.0, 2.0);
        let want = im2col.forward(&input, shape).unwrap();
        let got = winograd.forward(&input, shape).unwrap();
        let scale = want.iter().fold(1f32, |m, v| m.max(v.abs()));
        let worst = got
            .iter()
            .zip(&want)
            .fold(0f32, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            worst <= 1e-4 * scale,
            "batch {batch}: off by {worst} (scale {scale})"
        );
    }
}
