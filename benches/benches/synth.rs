//! ihc-synth: rendering a 2048 x 2048 level-0 region of a synthetic HER2 slide (Beer-Lambert
//! colour, blur, sensor noise; tiles rendered in parallel), building a slide's layout and cells,
//! and generating a whole 4096 x 4096 slide to SVS with its truth files. Figures in
//! `docs/benchmarks.md`, section ihc-synth.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ihc_synth::{Her2Class, SlideFiles, SynthConfig, SyntheticSlide, generate_slide_files};

/// A 2+ slide of `side` x `side` px at 0.5 um/px, with the control piece.
fn config(side: u32) -> SynthConfig {
    SynthConfig::new(side, side, Her2Class::Equivocal2WeakComplete, 3)
}

fn render_region(c: &mut Criterion) {
    let slide = SyntheticSlide::new(&config(8192)).unwrap();
    let mut group = c.benchmark_group("synth");
    group.throughput(Throughput::Elements(2048 * 2048));
    // A region over tumour, stroma and glass near the slide centre.
    group.bench_function("render_region_2048", |b| {
        b.iter(|| slide.render_region(3072, 3072, 2048, 2048))
    });
    group.finish();
}

fn layout(c: &mut Criterion) {
    let mut group = c.benchmark_group("synth");
    group.bench_function("new_slide_8192", |b| {
        b.iter(|| SyntheticSlide::new(&config(8192)).unwrap())
    });
    group.finish();
}

fn slide_to_svs(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let files = SlideFiles::new(dir.path(), "bench");
    let cfg = config(4096);
    let mut group = c.benchmark_group("synth");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    group.throughput(Throughput::Elements(4096 * 4096));
    group.bench_function("slide_4096_to_svs", |b| {
        b.iter(|| generate_slide_files(&cfg, &files).unwrap())
    });
    group.finish();
}

criterion_group!(benches, render_region, layout, slide_to_svs);
criterion_main!(benches);
