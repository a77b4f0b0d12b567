//! The library pipeline: deterministic whatever the thread count, and replaceable stages.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use her2::ihc_synth::{Her2Class, SynthConfig, generate_slide};
use her2::tumor_classifier::AllTissueTumor;
use her2::{Her2Report, PipelineBuilder, PipelineConfig, SlideRequest, StageTimings};

/// Writes a 3072 px synthetic slide of `class` into `dir` and returns its `.svs`.
fn synthetic_slide(dir: &Path, class: Her2Class, seed: u64, control: bool) -> PathBuf {
    let mut config = SynthConfig::new(3072, 3072, class, seed);
    config.control = control;
    generate_slide(&config, dir).expect("synthetic slide");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "svs"))
        .expect("the .svs the generator wrote")
}

fn report_on(threads: usize, slide: &std::path::Path) -> Her2Report {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        let pipeline = PipelineBuilder::new(PipelineConfig::default())
            .tumor_model(Arc::new(AllTissueTumor::default()))
            .build()
            .unwrap();
        let slide_handle = her2::wsi_io::open(slide).unwrap();
        let request = SlideRequest {
            keep_cells: true,
            ..SlideRequest::default()
        };
        let mut report = pipeline
            .run_slide(slide_handle.as_ref(), &request)
            .unwrap()
            .report;
        report.timings_ms = StageTimings::default();
        report
    })
}

#[test]
fn same_report_on_one_or_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let slide = synthetic_slide(dir.path(), Her2Class::Equivocal2WeakComplete, 31, true);
    let one = report_on(1, &slide);
    let two = report_on(2, &slide);
    assert_eq!(
        serde_json::to_string(&one).unwrap(),
        serde_json::to_string(&two).unwrap()
    );
}

#[test]
fn a_pipeline_without_a_tumour_model_is_refused() {
    let err = PipelineBuilder::new(PipelineConfig::default())
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("tumour model"), "{err}");
}

#[test]
fn per_slide_stain_estimation_is_used_and_reported() {
    let slide =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/synth/3plus-s10.svs");
    let mut config = PipelineConfig::default();
    config.features.stain.stain_estimation.enabled = true;
    let pipeline = PipelineBuilder::new(config)
        .tumor_model(Arc::new(AllTissueTumor::default()))
        .build()
        .unwrap();
    let handle = her2::wsi_io::open(&slide).unwrap();
    let report = pipeline
        .run_slide(handle.as_ref(), &SlideRequest::default())
        .unwrap()
        .report;
    let estimate = report.stain_estimate.expect("estimation enabled");
    assert!(estimate.pixels_used > 1000, "{}", estimate.pixels_used);
    assert!(
        estimate.any_estimated(),
        "a 3+ slide has enough of both stains: {estimate:?}"
    );
    let text = serde_json::to_string(&report.config).unwrap();
    assert!(text.contains("\"max_estimation_patches\":16"), "{text}");
    assert_eq!(report_on(1, &slide).stain_estimate, None, "off by default");
}
