//! Throughput of `FoldedResNet` (full-width ResNet-34, 2 classes, random weights: speed does
//! not depend on them) on 256 x 256 inputs, with Winograd F(2x2, 3x3) (the default) and
//! without it (im2col only), measured alternately in one run so that the ratio is fair on a
//! shared machine. Usage: `cargo run --release -p tumor-classifier --example
//! folded_throughput -- [repeats] [batch ...]` (default 7 repeats, batches 1 and 8); prints
//! the median patches/s of each. Figures go to docs/benchmarks.md ("tumor-classifier").
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Instant;

use burn::prelude::Device;
use tumor_classifier::{Arch, FoldedResNet, ResNetConfig};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse().expect("numbers: repeats, then batch sizes"))
        .collect();
    let repeats = args.first().copied().unwrap_or(7);
    let batches = if args.len() > 1 {
        args[1..].to_vec()
    } else {
        vec![1, 8]
    };
    let device = Device::flex();
    let network = ResNetConfig::new(Arch::ResNet34, 1.0)
        .init(&device)
        .unwrap();
    let winograd = FoldedResNet::new(&network).unwrap();
    let im2col = FoldedResNet::new_without_winograd(&network).unwrap();
    drop(network);
    let side = 256;
    println!(
        "ResNet-34 full width, {side} px, {} rayon threads, median of {repeats}",
        rayon::current_num_threads()
    );
    for batch in batches {
        let shape = [batch, 3, side, side];
        let input: Vec<f32> = (0..shape.iter().product::<usize>())
            .map(|i| ((i * 7919) % 2000) as f32 * 1e-3 - 1.0)
            .collect();
        // Each sample runs at least 8 patches, so that batch 1 is not timed one call at a time.
        let calls = 8usize.div_ceil(batch);
        let sample = |model: &FoldedResNet| {
            let start = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(model.forward(&input, shape).unwrap());
            }
            (calls * batch) as f64 / start.elapsed().as_secs_f64()
        };
        let (mut before, mut after) = (Vec::new(), Vec::new());
        sample(&im2col);
        sample(&winograd);
        for _ in 0..repeats {
            before.push(sample(&im2col));
            after.push(sample(&winograd));
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (b, a) = (median(&mut before), median(&mut after));
        println!(
            "batch {batch:2}: im2col only {b:6.2} patches/s, winograd {a:6.2} patches/s, \
             ratio {:.2}",
            a / b
        );
    }
}
