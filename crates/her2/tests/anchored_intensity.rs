//! Intensity anchored to the slide's control: a stain run that reads DAB at 0.6x moves the
//! cuts with it, and the report says what set them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use her2::her2_score::{Her2Score, IntensitySource, RuleKind};
use her2::ihc_synth::{Her2Class, SynthConfig, generate_slide};
use her2::tumor_classifier::AllTissueTumor;
use her2::{Her2Report, PipelineBuilder, PipelineConfig, SlideRequest};

/// A 3+ slide with its 3+ control piece, every DAB concentration times `dab_scale`.
fn slide(dir: &std::path::Path, dab_scale: f64) -> std::path::PathBuf {
    let mut config = SynthConfig::new(3072, 3072, Her2Class::Positive3, 23);
    config.control = true;
    let stain = &mut config.stain;
    for range in [
        &mut stain.dab_faint,
        &mut stain.dab_weak_moderate,
        &mut stain.dab_intense,
    ] {
        *range = range.map(|c| c * dab_scale);
    }
    generate_slide(&config, dir).unwrap();
    dir.join("3plus-s23.svs")
}

fn report(slide: &std::path::Path, use_control: bool) -> Her2Report {
    let mut config = PipelineConfig::default();
    config.scoring.rule = RuleKind::Guideline;
    config.scoring.intensity.use_control = use_control;
    // a small slide's control: fewer complete membranes than a real control piece
    config.scoring.intensity.min_control_cells = 20;
    let pipeline = PipelineBuilder::new(config)
        .tumor_model(Arc::new(AllTissueTumor::default()))
        .build()
        .unwrap();
    let handle = her2::wsi_io::open(slide).unwrap();
    pipeline
        .run_slide(handle.as_ref(), &SlideRequest::default())
        .unwrap()
        .report
}

#[test]
fn a_weak_stain_run_is_read_against_its_control() {
    let dir = tempfile::tempdir().unwrap();
    let weak = slide(dir.path(), 0.6);

    let anchored = report(&weak, true);
    let reference = &anchored.intensity_reference;
    assert_eq!(reference.source, IntensitySource::Control, "{reference:?}");
    assert!(
        (reference.scale - 0.6).abs() < 0.1,
        "the control reads the stain's 0.6x: {reference:?}"
    );
    let configured = &anchored.config.features.stain.classes;
    assert!((reference.cuts.intense / configured.intense - reference.scale).abs() < 1e-9);

    let plain = report(&weak, false);
    assert_eq!(
        plain.intensity_reference.source,
        IntensitySource::Configured
    );
    assert_eq!(plain.intensity_reference.scale, 1.0);
    // the same cells, classed against the control: many more read intense
    let intense = |r: &Her2Report| r.features.intense_complete_percent();
    assert!(
        intense(&anchored) > 2.0 * intense(&plain).max(1.0),
        "anchored {} vs plain {}",
        intense(&anchored),
        intense(&plain)
    );
    assert_eq!(anchored.features.cells, plain.features.cells);
    assert_eq!(anchored.assessment.score, Her2Score::Three);
    assert_ne!(plain.assessment.score, Her2Score::Three);

    let json = serde_json::to_value(&anchored).unwrap();
    assert_eq!(json["intensity_reference"]["source"], "control");
    assert!(json["features"]["membrane_od"].as_array().unwrap().len() > 10);
}
