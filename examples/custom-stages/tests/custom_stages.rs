//! The example's pipeline, every stage user-written, on synthetic slides held in memory: each
//! stage's mark is in the report, the scores follow the slides' classes, and a segmenter that
//! miscounts its cells is an error, not a panic.

use std::sync::Arc;

use custom_stages::{HematoxylinBlobs, MPP, custom_pipeline, run, synthetic_slide};
use her2::ihc_synth::Her2Class;
use her2::stain_features::{CellSegmenter, Segmentation, StainError, StainPlanes};
use her2::tissue_mask::MaskSource;
use her2::tumor_classifier::AllTissueTumor;
use her2::{Her2Error, PipelineBuilder, PipelineConfig, SlideRequest};

#[test]
fn every_custom_stage_runs_and_scores_follow_the_class() {
    let positive = run(Her2Class::Positive3, 2048, 7).unwrap();
    let report = &positive.report;
    // the scorer
    assert_eq!(report.assessment.rule, "stained-percent");
    assert_eq!(report.assessment.score.to_string(), "3+");
    assert_eq!(
        report.assessment.checks.len(),
        1,
        "3+ decided by the first cut"
    );
    assert_eq!(report.all_rules.len(), 3, "built-in rules still compared");
    // the tumour model
    assert!(report.tumor.model_id.starts_with("stained-share"));
    assert!(report.tumor.tumor_patches > 0);
    // the tissue detector
    assert_eq!(
        positive.tissue.source(),
        &MaskSource::External("mean RGB below 225".into())
    );
    // the segmenter found the synthetic nuclei
    assert!(report.features.cells > 100, "{}", report.features.cells);
    // held in memory: no file, so no hash
    assert_eq!(report.input.sha256, None);
    assert_eq!(report.input.bytes, None);
    assert_eq!(report.input.mpp, MPP);

    let null = run(Her2Class::Null, 2048, 7).unwrap();
    assert_eq!(null.report.assessment.score.to_string(), "0");
    assert!(
        null.report.features.stained_percent() < report.features.stained_percent(),
        "null {} vs 3+ {}",
        null.report.features.stained_percent(),
        report.features.stained_percent()
    );
}

/// A user's segmenter with an off-by-one: it claims one cell fewer than it labelled (the
/// analysis indexes by label, so before `Segmentation::new` checked, this panicked in a rayon
/// thread).
#[derive(Debug)]
struct Miscounting(HematoxylinBlobs);

impl CellSegmenter for Miscounting {
    fn segment(
        &self,
        image: &image::RgbImage,
        planes: &StainPlanes,
        mpp: f64,
    ) -> her2::stain_features::Result<Segmentation> {
        let found = self.0.segment(image, planes, mpp)?;
        Segmentation::new(
            found.width(),
            found.height(),
            found.labels().to_vec(),
            found.count().saturating_sub(1),
        )
    }
}

#[test]
fn a_segmenter_that_miscounts_is_an_error_not_a_panic() {
    let slide = synthetic_slide(Her2Class::Positive3, 2048, 3).unwrap();
    let pipeline = PipelineBuilder::new(PipelineConfig::default())
        .tumor_model(Arc::new(AllTissueTumor::default()))
        .cell_segmenter(Arc::new(Miscounting(HematoxylinBlobs {
            min_od: 0.25,
            min_pixels: 12,
        })))
        .build()
        .unwrap();
    let Err(err) = pipeline.run_slide(&slide, &SlideRequest::default()) else {
        panic!("a segmenter that miscounts its cells was accepted");
    };
    assert!(
        matches!(
            err,
            Her2Error::Stain(StainError::InvalidSegmentation { .. })
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("above the cell count"), "{err}");
}

#[test]
fn the_custom_pipeline_is_shareable_across_threads() {
    fn shareable<T: Send + Sync>(_: &T) {}
    shareable(&custom_pipeline().unwrap());
}
