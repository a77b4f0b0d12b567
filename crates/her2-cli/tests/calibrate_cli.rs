//! `her2 calibrate` end to end: real files in, a config `score` accepts out; bad input gives a
//! clear error, a non-zero exit and no output.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

use her2_score::{
    Guideline, RuleKind, Scorer, ScoringConfig, SlideFeatures, SlideRecord, write_features_csv,
};

/// Writes `n` synthetic slides labelled by a guideline rule with a 20% 3+ cut; returns the
/// paths of the features and labels CSVs.
fn write_cohort(dir: &Path, n: usize) -> (std::path::PathBuf, std::path::PathBuf) {
    let truth = Guideline {
        three_plus_percent: 20.0,
        ..Guideline::default()
    };
    let mut records = Vec::new();
    let mut labels = String::from("slide_id,label\n");
    for i in 0..n {
        let t = (i as f64 + 0.5) / n as f64;
        let mut features = SlideFeatures {
            cells: 5_000,
            patches: 30,
            ..SlideFeatures::default()
        };
        // a walk through the classes: faint staining grows first, then moderate, then intense
        features.percent_incomplete[1] = 40.0 * t;
        features.percent_complete[2] = (60.0 * t - 20.0).max(0.0);
        features.percent_complete[3] = (80.0 * t - 40.0).max(0.0);
        let slide = format!("slide-{i:03}");
        labels.push_str(&format!("{slide},{}\n", truth.score(&features).score));
        records.push(SlideRecord { slide, features });
    }
    let features_path = dir.join("features.csv");
    write_features_csv(&features_path, &records).unwrap();
    let labels_path = dir.join("labels.csv");
    std::fs::write(&labels_path, labels).unwrap();
    (features_path, labels_path)
}

fn her2() -> Command {
    Command::new(env!("CARGO_BIN_EXE_her2"))
}

#[test]
fn calibrate_writes_a_config_report_and_figure() {
    let dir = tempfile::tempdir().unwrap();
    let (features, labels) = write_cohort(dir.path(), 120);
    let out = dir.path().join("lab.toml");
    let report = dir.path().join("calibration.json");
    let png = dir.path().join("cv.png");
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .args([
            "--rule",
            "guideline",
            "--folds",
            "4",
            "--objective",
            "kappa",
        ])
        .arg("--out")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .arg("--png")
        .arg(&png)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("4-fold cross-validated accuracy"),
        "{stdout}"
    );
    assert!(stdout.contains("guideline.three_plus_percent"), "{stdout}");

    let config = ScoringConfig::load(&out).unwrap();
    assert_eq!(config.rule, RuleKind::Guideline);
    assert!(
        (config.guideline.three_plus_percent - 20.0).abs() < 1.5,
        "{:?}",
        config.guideline
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["slides"], 120);
    assert_eq!(json["cross_validation"]["folds"], 4);
    assert_eq!(json["training"]["accuracy"], 1.0);
    let png_bytes = std::fs::read(&png).unwrap();
    assert_eq!(&png_bytes[..8], b"\x89PNG\r\n\x1a\n");
}

#[test]
fn bad_input_names_the_problem_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (features, labels) = write_cohort(dir.path(), 20);
    let out = dir.path().join("lab.toml");

    // a labelled slide that has no features
    let mut text = std::fs::read_to_string(&labels).unwrap();
    text.push_str("slide-999,2+\n");
    std::fs::write(&labels, text).unwrap();
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("slide-999") && stderr.contains("features.csv"),
        "{stderr}"
    );
    assert!(!out.exists());

    // a missing features file and a bad rule name
    let run = her2()
        .arg("calibrate")
        .arg(dir.path().join("absent.csv"))
        .arg(&labels)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("absent.csv"));
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .arg("--out")
        .arg(&out)
        .args(["--rule", "magic"])
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(String::from_utf8_lossy(&run.stderr).contains("magic"));
    assert!(!out.exists());
}

/// Writes 40 slides whose 2+ and 3+ share one staining range and differ only in the
/// circumferential ratio (dark incomplete 2+ against dark complete 3+).
fn write_dark_two_plus_cohort(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut records = Vec::new();
    let mut labels = String::from("slide_id,label\n");
    for (class, label) in ["0", "1+", "2+", "3+"].into_iter().enumerate() {
        for i in 0..10 {
            let t = (i as f64 + 0.5) / 10.0;
            let (staining, circumferential) = match class {
                0 => (0.02 * t, 0.0),
                1 => (0.1 + 0.1 * t, 0.05 + 0.1 * t),
                2 => (0.6 - 0.15 * t, 0.1 + 0.2 * t),
                _ => (0.45 + 0.15 * t, 0.45 + 0.3 * t),
            };
            let slide = format!("c{class}-{i}");
            labels.push_str(&format!("{slide},{label}\n"));
            records.push(SlideRecord {
                slide,
                features: SlideFeatures {
                    cells: 5_000,
                    patches: 30,
                    staining_average: staining,
                    positive_cell_ratio: staining,
                    circumferential_ratio: circumferential,
                    ..SlideFeatures::default()
                },
            });
        }
    }
    let features_path = dir.join("features.csv");
    write_features_csv(&features_path, &records).unwrap();
    let labels_path = dir.join("labels.csv");
    std::fs::write(&labels_path, labels).unwrap();
    (features_path, labels_path)
}

#[test]
fn select_voters_adds_completeness_at_two_three_for_the_paper_rule_only() {
    let dir = tempfile::tempdir().unwrap();
    let (features, labels) = write_dark_two_plus_cohort(dir.path());
    let out = dir.path().join("paper.toml");
    let report = dir.path().join("calibration.json");
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .args(["--rule", "paper", "--folds", "4", "--select-voters"])
        .arg("--out")
        .arg(&out)
        .arg("--report")
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("voters at two_three"), "{stdout}");
    let config = ScoringConfig::load(&out).unwrap();
    assert_eq!(config.rule, RuleKind::Paper);
    assert!(
        config.paper.two_three.circumferential_ratio.is_some(),
        "{:?}",
        config.paper.two_three
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(json["training"]["accuracy"], 1.0);
    assert_eq!(json["voters"]["before"][0]["voters"][0], "staining");
    assert!(json["voters"]["held_out_after"].as_f64() > json["voters"]["held_out_before"].as_f64());

    // voter selection is the paper rule's; asked of another rule, it is refused
    let refused = dir.path().join("guideline.toml");
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .args(["--rule", "guideline", "--select-voters"])
        .arg("--out")
        .arg(&refused)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("voter selection applies to the paper rule"),
        "{stderr}"
    );
    assert!(!refused.exists());
}
