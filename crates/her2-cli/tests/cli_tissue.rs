//! `her2 tissue` run as a user would, on the bundled synthetic slide (patient piece + 3+ control)
//! and on bad input (a blank slide is a "no tissue" finding, not a crash).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{assert_success, files_in, her2};

fn demo_slide() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/synth/2plus-weak-s7.svs")
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("tissue.json")).unwrap()).unwrap()
}

#[test]
fn finds_the_patient_piece_and_the_control_and_honours_exclusion() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tissue");
    let slide = demo_slide();
    let run = her2(&[
        "tissue",
        slide.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_success(&run);
    let mut files = files_in(&out);
    files.sort();
    assert_eq!(files, ["tissue.geojson", "tissue.json", "tissue.png"]);

    let s = summary(&out);
    let pieces = s["summary"]["pieces"].as_array().unwrap();
    assert_eq!(pieces.len(), 2, "{pieces:?}");
    let control: Vec<u64> = s["summary"]["control_pieces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(control.len(), 1, "the 3+ control is flagged");
    let scored = s["summary"]["scored_pieces"].as_array().unwrap();
    assert_eq!(scored.len(), 1);
    assert_ne!(
        scored[0].as_u64().unwrap(),
        control[0],
        "the control is not scored"
    );
    let fraction = s["summary"]["tissue_fraction"].as_f64().unwrap();
    assert!(
        (0.10..0.35).contains(&fraction),
        "tissue fraction {fraction}"
    );

    let geojson: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("tissue.geojson")).unwrap())
            .unwrap();
    assert_eq!(geojson["type"], "FeatureCollection");
    assert_eq!(geojson["features"].as_array().unwrap().len(), 2);
    assert_eq!(
        her2::qupath_geojson::conformance::violations(&geojson),
        Vec::<String>::new(),
        "QuPath reads every piece"
    );

    // Excluding the patient piece leaves nothing to score: said clearly, still a result.
    let patient = scored[0].as_u64().unwrap().to_string();
    let out2 = dir.path().join("excluded");
    let run = her2(&[
        "tissue",
        slide.to_str().unwrap(),
        "--exclude-piece",
        &patient,
        "--out",
        out2.to_str().unwrap(),
    ]);
    let s2 = if run.status.success() {
        summary(&out2)
    } else {
        serde_json::Value::Null
    };
    if run.status.success() {
        assert_eq!(
            s2["summary"]["excluded_pieces"][0]
                .as_u64()
                .unwrap()
                .to_string(),
            patient
        );
        assert!(
            s2["summary"]["scored_pieces"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    } else {
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains("2plus-weak-s7.svs"), "{err}");
    }
}

#[test]
fn bad_input_is_one_line_non_zero_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.svs");
    std::fs::write(&text, "not a slide").unwrap();
    let blank = dir.path().join("blank.png");
    image::RgbImage::from_pixel(400, 300, image::Rgb([242, 242, 242]))
        .save(&blank)
        .unwrap();
    for (input, expected) in [
        (dir.path().join("missing.svs"), "no such file"),
        (text, "not a slide"),
        (blank, "no tissue"),
    ] {
        let out = dir.path().join("out");
        let run = her2(&[
            "tissue",
            input.to_str().unwrap(),
            "--mpp",
            "0.5",
            "--out",
            out.to_str().unwrap(),
        ]);
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(!run.status.success(), "{}", input.display());
        assert!(err.contains(expected), "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        if expected == "no tissue" {
            // "No tissue" is a finding: a complete tissue.json that says so, and a non-zero exit.
            assert_eq!(files_in(&out), ["tissue.json"]);
            assert_eq!(summary(&out)["status"], "no_tissue");
            std::fs::remove_dir_all(&out).unwrap();
        } else {
            assert!(
                files_in(&out).is_empty(),
                "no output for {}",
                input.display()
            );
        }
    }
}
