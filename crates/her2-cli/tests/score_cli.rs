//! `her2 score` end to end on synthetic slides, and its behaviour on bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_success, files_in, her2, synthetic_slide};
use her2::Her2Report;
use her2::her2_score::Her2Score;
use her2::ihc_synth::Her2Class;

#[test]
fn score_writes_the_report_and_evidence_and_leaves_the_control_out() {
    let dir = tempfile::tempdir().unwrap();
    let slide = synthetic_slide(dir.path(), Her2Class::Positive3, 21, true);
    let out = dir.path().join("out");
    let run = her2(&[
        "score",
        slide.to_str().unwrap(),
        "--all-tissue",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(stdout.lines().count(), 1, "one-line summary: {stdout}");
    assert!(stdout.contains("HER2"), "{stdout}");

    let mut files = files_in(&out);
    files.sort();
    assert_eq!(
        files,
        [
            "cells.geojson",
            "heatmap.png",
            "overlay.png",
            "patches.csv",
            "report.html",
            "report.json",
            "tumor.geojson"
        ]
    );
    let report: Her2Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report.input.sha256.as_ref().map(String::len), Some(64));
    assert_eq!(report.input.mpp, 0.5);
    assert_eq!(report.all_rules.len(), 3);
    assert!(
        report.features.cells > 100,
        "{} cells",
        report.features.cells
    );
    assert!(
        !report.tissue.control_pieces.is_empty(),
        "the 3+ control piece is flagged"
    );
    assert!(report.control.is_some(), "the control piece is checked");
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let cuts = &report.intensity_reference.cuts;
    assert!(
        html.contains("id=\"intensity-reference\"")
            && html.contains(&format!("intense {:.3}", cuts.intense)),
        "report.html states the intensity cuts and their source"
    );
    for piece in &report.tissue.control_pieces {
        assert!(
            !report.tissue.scored_pieces.contains(piece),
            "control piece {piece} scored"
        );
    }
    let patches = std::fs::read_to_string(out.join("patches.csv")).unwrap();
    assert_eq!(
        patches.lines().count() as usize,
        report.tumor.feature_patches + 1
    );
    let cells: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("cells.geojson")).unwrap()).unwrap();
    assert!(!cells["features"].as_array().unwrap().is_empty());
    assert!(
        report.assessment.score >= Her2Score::Two,
        "{}",
        report.assessment.summary()
    );
}

#[test]
fn a_null_slide_scores_below_a_positive_one() {
    let dir = tempfile::tempdir().unwrap();
    let slide = synthetic_slide(dir.path(), Her2Class::Null, 22, false);
    let out = dir.path().join("out");
    let run = her2(&[
        "score",
        slide.to_str().unwrap(),
        "--all-tissue",
        "--no-cells",
        "--gzip",
        "--json",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_success(&run);
    let report: Her2Report = serde_json::from_slice(&run.stdout).unwrap();
    assert!(
        report.assessment.score <= Her2Score::One,
        "{}",
        report.assessment.summary()
    );
    assert!(out.join("tumor.geojson.gz").exists());
    assert!(!out.join("cells.geojson.gz").exists());
}

/// Runs `score` expecting failure: non-zero exit, a one-line message containing `expect`,
/// and no output files.
fn fails_cleanly(slide: &std::path::Path, extra: &[&str], expect: &str) {
    let out = slide.with_extension("out");
    let mut args = vec![
        "score",
        slide.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let run = her2(&args);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        !run.status.success(),
        "expected failure for {}",
        slide.display()
    );
    assert!(stderr.contains(expect), "`{expect}` not in: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        files_in(&out).is_empty(),
        "partial outputs: {:?}",
        files_in(&out)
    );
}

#[test]
fn bad_inputs_fail_with_a_clear_message_and_no_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fails_cleanly(&d.join("missing.svs"), &["--all-tissue"], "missing.svs");

    let corrupt = d.join("corrupt.svs");
    std::fs::write(&corrupt, b"II*\0 this is not a slide").unwrap();
    fails_cleanly(&corrupt, &["--all-tissue"], "corrupt.svs");

    let blank = d.join("blank.png");
    image::RgbImage::from_pixel(600, 400, image::Rgb([245, 245, 245]))
        .save(&blank)
        .unwrap();
    fails_cleanly(&blank, &["--all-tissue", "--mpp", "0.5"], "no tissue");
    fails_cleanly(&blank, &["--all-tissue"], "--mpp");

    let slide = synthetic_slide(d, Her2Class::Low1, 23, false);
    let elsewhere = d.join("elsewhere.geojson");
    std::fs::write(
        &elsewhere,
        r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},
        "geometry":{"type":"Polygon","coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]}}]}"#,
    )
    .unwrap();
    fails_cleanly(
        &slide,
        &["--tumor-geojson", elsewhere.to_str().unwrap()],
        "covers no scored tissue",
    );
    let run = her2(&[
        "score",
        slide.to_str().unwrap(),
        "--out",
        d.join("m").to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("--model"));
    assert!(files_in(&d.join("m")).is_empty());

    let run = her2(&[
        "score",
        slide.to_str().unwrap(),
        "--model",
        "fixtures/models/demo-resnet34.bpk",
        "--cpu-kernel",
        "magic",
        "--out",
        d.join("k").to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("folded or burn"), "{stderr}");
    assert!(files_in(&d.join("k")).is_empty());
}
