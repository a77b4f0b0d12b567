//! Stage 2 (tumour classifier): forward pass of the full-width ResNet-34 (2 classes) on
//! batches of 256 x 256 patches, end to end from RGB patches to tumour probabilities: on the
//! CPU on burn's `flex` path and on the folded path (`CpuKernel::Folded`, the default), or on
//! the GPU named by `HER2_BENCH_DEVICE` (`cuda`, with `--features cuda`). Compare with `../shared/peers/resnet34.py`
//! (onnxruntime / PyTorch); figures go to docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tumor_classifier::{
    Arch, ComputeDevice, CpuKernel, ModelSpec, PatchInput, Rect, ResNetConfig, ResNetTumorModel,
    TumorModel,
};

fn patches(n: usize) -> Vec<image::RgbImage> {
    (0..n)
        .map(|k| {
            image::RgbImage::from_fn(256, 256, |x, y| {
                image::Rgb([(x * 3 + k as u32) as u8, (y * 5) as u8, ((x ^ y) * 7) as u8])
            })
        })
        .collect()
}

/// The same batches through one model, as one criterion group.
fn bench_model(c: &mut Criterion, group_name: &str, model: &ResNetTumorModel) {
    let mut group = c.benchmark_group(group_name);
    group.sample_size(10);
    for batch in [1usize, 8, 32] {
        let images = patches(batch);
        let inputs: Vec<PatchInput<'_>> = images
            .iter()
            .map(|image| PatchInput::new(Rect::new(0, 0, 256, 256), image))
            .collect();
        group.throughput(Throughput::Elements(batch as u64));
        group.bench_with_input(BenchmarkId::new("batch", batch), &batch, |b, _| {
            b.iter(|| model.predict(&inputs).unwrap())
        });
    }
    group.finish();
}

fn resnet34_forward(c: &mut Criterion) {
    let spec = ModelSpec {
        resnet: ResNetConfig::new(Arch::ResNet34, 1.0),
        ..ModelSpec::default()
    };
    // `HER2_BENCH_DEVICE=cuda` (with `--features cuda`, as scripts/gpu-check does) times the
    // GPU instead of the CPU's two paths.
    let device: ComputeDevice = std::env::var("HER2_BENCH_DEVICE")
        .unwrap_or_else(|_| "cpu".into())
        .parse()
        .expect("HER2_BENCH_DEVICE: cpu, cuda or cuda:N");
    let untrained = ResNetTumorModel::untrained(spec, device).unwrap();
    if device != ComputeDevice::Cpu {
        let name = format!("classifier/resnet34_256px_{device}").replace(':', "_");
        bench_model(c, &name, &untrained);
        return;
    }
    // Burn's flex backend (the group's historical name) and the folded path beside it, with
    // the same weights.
    for (group_name, kernel) in [
        ("classifier/resnet34_256px_cpu", CpuKernel::Burn),
        ("classifier/resnet34_256px_cpu_folded", CpuKernel::Folded),
    ] {
        let model = untrained.clone().with_cpu_kernel(kernel).unwrap();
        bench_model(c, group_name, &model);
    }
}

criterion_group!(benches, resnet34_forward);
criterion_main!(benches);
