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

/// `n` slides spread over the four scores, every membrane read at `k` times the OD the
/// default cuts were set on, with their membrane OD histograms; returns the CSV paths.
fn write_pale_cohort(dir: &Path, n: usize, k: f64) -> (std::path::PathBuf, std::path::PathBuf) {
    use her2::stain_features::{IntensityThresholds, MembraneOdHistogram};
    let config = ScoringConfig::default();
    let scorer = config.scorer(RuleKind::Guideline);
    let mut records = Vec::new();
    let mut labels = String::from("slide_id,label\n");
    for i in 0..n {
        let t = (i as f64 + 0.5) / n as f64;
        // per 100 cells: faint incomplete, weak-moderate complete, intense complete
        let (faint, moderate, intense) = (
            (60.0 * t) as usize,
            (50.0 * t - 10.0).max(0.0) as usize,
            (60.0 * t - 35.0).max(0.0) as usize,
        );
        let cells = |scale: f64| {
            let mut h = MembraneOdHistogram::default();
            let mut record = |od: f64, complete: bool, count: usize| {
                for j in 0..count {
                    h.record(
                        scale * od * (0.95 + 0.1 * j as f64 / count as f64),
                        complete,
                    );
                }
            };
            record(0.15, false, faint);
            record(0.38, true, moderate);
            record(0.9, true, intense);
            SlideFeatures {
                cells: 100,
                patches: 4,
                positive_cells: (faint + moderate + intense) as u64,
                membrane_od: h,
                ..SlideFeatures::default()
            }
            .recounted(&IntensityThresholds::default())
        };
        let slide = format!("pale-{i:03}");
        labels.push_str(&format!("{slide},{}\n", scorer.score(&cells(1.0)).score));
        records.push(SlideRecord {
            slide,
            features: cells(k),
        });
    }
    let features_path = dir.join("pale.csv");
    write_features_csv(&features_path, &records).unwrap();
    let labels_path = dir.join("pale-labels.csv");
    std::fs::write(&labels_path, labels).unwrap();
    (features_path, labels_path)
}

#[test]
fn intensity_cuts_are_fitted_to_a_pale_lab() {
    let dir = tempfile::tempdir().unwrap();
    let (features, labels) = write_pale_cohort(dir.path(), 40, 0.6);
    let out = dir.path().join("lab.toml");
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .args(["--fit", "intensity", "--folds", "4", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(stdout.contains("intensity cuts x0."), "{stdout}");
    let config = ScoringConfig::load(&out).unwrap();
    let cuts = config.intensity.lab_cuts.clone().expect("lab cuts written");
    let defaults = her2::stain_features::IntensityThresholds::default();
    let scale = cuts.intense / defaults.intense;
    assert!((0.5..0.7).contains(&scale), "{cuts:?}");
    // the guideline thresholds are kept: only the cuts moved
    assert_eq!(config.guideline, ScoringConfig::default().guideline);
    let accuracy = |line: &str| {
        let at = stdout.find(line).unwrap() + line.len();
        stdout[at..]
            .trim_start()
            .split('%')
            .next()
            .unwrap()
            .parse::<f64>()
            .unwrap()
    };
    assert!(accuracy("accuracy before") < 80.0, "{stdout}");
    assert!(accuracy("cross-validated accuracy") >= 95.0, "{stdout}");

    // a features CSV without histograms (written before the column) cannot fit the cuts
    let table = std::fs::read_to_string(&features).unwrap();
    let without: String = table
        .lines()
        .map(|line| line.rsplit_once(',').unwrap().0.to_owned() + "\n")
        .collect();
    std::fs::write(&features, without).unwrap();
    let out = dir.path().join("lab2.toml");
    let run = her2()
        .arg("calibrate")
        .args([&features, &labels])
        .args(["--fit", "both", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("membrane_od") && stderr.contains("score them again"),
        "{stderr}"
    );
    assert!(!out.exists());
}

/// A `report.json` (the fields `--controls` reads) whose control's `n` complete membranes
/// read about `od`; no control when `n` is 0.
fn write_report(dir: &Path, n: usize, od: f64) {
    let mut h = her2::stain_features::MembraneOdHistogram::default();
    for i in 0..n {
        h.record(od * (0.9 + 0.2 * i as f64 / n as f64), true);
    }
    let control = if n == 0 {
        serde_json::Value::Null
    } else {
        serde_json::json!({ "pieces": [2], "features": { "membrane_od": h } })
    };
    std::fs::create_dir_all(dir).unwrap();
    let report = serde_json::json!({ "assessment": { "score": "3+" }, "control": control });
    std::fs::write(dir.join("report.json"), report.to_string()).unwrap();
}

#[test]
fn intensity_cuts_come_from_a_labs_controls_alone() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    write_report(&batch.join("a"), 200, 0.6);
    write_report(&batch.join("b"), 150, 0.66);
    write_report(&batch.join("c"), 0, 0.0);
    let single = dir.path().join("single");
    write_report(&single, 300, 0.62);
    let out = dir.path().join("lab.toml");
    let run = her2()
        .args(["calibrate", "--controls"])
        .args([&batch, &single])
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("0 complete-membrane control cells (not used)"),
        "{stdout}"
    );
    let config = ScoringConfig::load(&out).unwrap();
    let cuts = config.intensity.lab_cuts.expect("lab cuts written");
    let scale = cuts.intense / her2::stain_features::IntensityThresholds::default().intense;
    assert!((scale - 0.62).abs() < 0.03, "{scale}");

    // not a report: named, nothing written
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "{\"slides\": 3}").unwrap();
    let out = dir.path().join("lab2.toml");
    let run = her2()
        .args(["calibrate", "--controls"])
        .arg(&bogus)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("bogus.json") && stderr.contains("not a her2 report"),
        "{stderr}"
    );
    assert!(!out.exists());
}
