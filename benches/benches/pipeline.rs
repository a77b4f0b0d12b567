//! End to end: `her2::Pipeline` on a synthetic 4096 x 4096 slide (Aperio SVS, 0.5 um/px)
//! with "all tissue is tumour", so that the figure measures tissue + reading + stain
//! features + scoring without the classifier (benched alone in `classifier.rs`).

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use her2::ihc_synth::{Her2Class, SynthConfig, generate_slide};
use her2::tumor_classifier::AllTissueTumor;
use her2::{PipelineBuilder, PipelineConfig, SlideRequest};

fn pipeline(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = SynthConfig::new(4096, 4096, Her2Class::Equivocal2WeakComplete, 5);
    generate_slide(&config, dir.path()).expect("synthetic slide");
    let svs = std::fs::read_dir(dir.path())
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|e| e == "svs"))
        .expect("svs");
    let pipeline = PipelineBuilder::new(PipelineConfig::default())
        .tumor_model(Arc::new(AllTissueTumor::default()))
        .build()
        .expect("pipeline");
    let slide = her2::wsi_io::open(&svs).expect("open");
    let request = SlideRequest::default();
    let mut group = c.benchmark_group("pipeline");
    group.sample_size(10);
    group.bench_function("score_4096_all_tissue", |b| {
        b.iter(|| pipeline.run_slide(slide.as_ref(), &request).expect("score"))
    });
    group.finish();
}

criterion_group!(benches, pipeline);
criterion_main!(benches);
