//! Every file the `her2` commands write gets the permissions a plain `File::create` would give
//! it (0o666 minus the process umask), not the private 0o600 of a temporary file nor a fixed
//! 0o644: the commands run under the umask 0o002, so every output must be 0o664 (group
//! writable, which neither of the wrong answers gives).

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use common::{assert_success, files_under, her2_with_umask, repo};
use her2::her2_score::{SlideFeatures, SlideRecord, write_features_csv};

const UMASK: u32 = 0o002;
const EXPECTED: u32 = 0o666 & !UMASK;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs one command under [`UMASK`] and checks every file under `out` (at least `expect`,
/// by name) has mode [`EXPECTED`] and no temporary file is left.
#[track_caller]
fn check(args: &[&str], out: &Path, expect: &[&str]) {
    let run = her2_with_umask(UMASK, args);
    assert_success(&run);
    let files = files_under(out);
    for name in expect {
        assert!(
            files.iter().any(|f| f.to_string_lossy().ends_with(name)),
            "`her2 {}` wrote no {name}: {files:?}",
            args.join(" ")
        );
    }
    for file in &files {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(
            mode,
            EXPECTED,
            "`her2 {}` wrote {} with mode {mode:o}, not {EXPECTED:o}",
            args.join(" "),
            file.display()
        );
        let name = file.file_name().unwrap().to_string_lossy();
        assert!(
            !name.starts_with('.'),
            "temporary file left: {}",
            file.display()
        );
    }
}

/// A labelled cohort of feature rows for `her2 calibrate` (3+ above 20% complete intense).
fn calibration_inputs(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut records = Vec::new();
    let mut labels = String::from("slide_id,label\n");
    for i in 0..24 {
        let t = (i as f64 + 0.5) / 24.0;
        let mut features = SlideFeatures {
            cells: 5_000,
            patches: 30,
            ..SlideFeatures::default()
        };
        features.percent_complete[3] = 40.0 * t;
        let slide = format!("slide-{i:02}");
        let label = if features.percent_complete[3] > 20.0 {
            "3+"
        } else {
            "0"
        };
        labels.push_str(&format!("{slide},{label}\n"));
        records.push(SlideRecord { slide, features });
    }
    let features = dir.join("features.csv");
    write_features_csv(&features, &records).unwrap();
    let labels_path = dir.join("labels.csv");
    std::fs::write(&labels_path, labels).unwrap();
    (features, labels_path)
}

#[test]
fn every_command_writes_files_with_the_permissions_of_file_create() {
    let fixtures = repo().join("fixtures");
    let slide = fixtures.join("synth/2plus-weak-s7.svs");
    let other = fixtures.join("synth/3plus-s10.svs");
    let truth = fixtures.join("synth/2plus-weak-s7.cells.csv");
    let model = fixtures.join("models/demo-resnet34.bpk");
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| dir.path().join(name);

    let synth = out("synth");
    check(
        &[
            "synth",
            "slide",
            "--class",
            "3plus",
            "--width",
            "1024",
            "--height",
            "1024",
            "--seed",
            "3",
            "--out",
            s(&synth),
        ],
        &synth,
        &[
            "3plus-s3.svs",
            "3plus-s3.truth.json",
            "3plus-s3.tissue.png",
            "3plus-s3.tumor.png",
            "3plus-s3.outlines.geojson",
            "3plus-s3.cells.csv",
        ],
    );
    let patches = out("patches");
    check(
        &[
            "synth",
            "patches",
            "--n",
            "4",
            "--slides",
            "1",
            "--patch-size",
            "32",
            "--out",
            s(&patches),
        ],
        &patches,
        &["index.csv", ".png"],
    );
    let cohort = out("cohort");
    check(
        &[
            "synth",
            "cohort",
            "--per-class",
            "1",
            "--width",
            "2048",
            "--height",
            "2048",
            "--out",
            s(&cohort),
        ],
        &cohort,
        &["manifest.csv", ".svs"],
    );

    let tissue = out("tissue");
    check(
        &["tissue", s(&slide), "--out", s(&tissue)],
        &tissue,
        &["tissue.json", "tissue.png", "tissue.geojson"],
    );
    let score = out("score");
    check(
        &[
            "score",
            s(&slide),
            "--model",
            s(&model),
            "--gzip",
            "--out",
            s(&score),
        ],
        &score,
        &[
            "report.json",
            "report.html",
            "patches.csv",
            "heatmap.png",
            "overlay.png",
            "tumor.geojson.gz",
            "cells.geojson.gz",
        ],
    );
    let tumor_map = out("tumor-map");
    check(
        &[
            "tumor-map",
            s(&slide),
            "--model",
            s(&model),
            "--out",
            s(&tumor_map),
        ],
        &tumor_map,
        &[
            "heatmap.png",
            "tumor-probabilities.csv",
            "tumor-mask.png",
            "tumor.geojson",
        ],
    );
    let cells = out("cells");
    check(
        &[
            "cells",
            s(&slide),
            "--region",
            "1024,1024,512,512",
            "--out",
            s(&cells),
        ],
        &cells,
        &["cells.geojson", "cells.png", "features.json"],
    );
    let nuclei = out("eval-nuclei");
    check(
        &[
            "eval-nuclei",
            s(&slide),
            "--truth",
            s(&truth),
            "--region",
            "1024,1024,512,512",
            "--out",
            s(&nuclei),
        ],
        &nuclei,
        &["nuclei-eval.json", "nuclei-eval.png"],
    );

    let manifest = dir.path().join("cohort.csv");
    std::fs::write(
        &manifest,
        format!("path,label\n{},2+\n{},3+\n", s(&slide), s(&other)),
    )
    .unwrap();
    let batch = out("batch");
    check(
        &[
            "batch",
            s(&manifest),
            "--all-tissue",
            "--no-cells",
            "--out",
            s(&batch),
        ],
        &batch,
        &["summary.csv", "features.csv", "2plus-weak-s7/report.json"],
    );
    let eval = out("eval");
    check(
        &[
            "eval",
            s(&manifest),
            "--all-tissue",
            "--no-cells",
            "--out",
            s(&eval),
        ],
        &eval,
        &["eval.json", "confusion-guideline.png"],
    );

    let calibrate = out("calibrate");
    std::fs::create_dir_all(&calibrate).unwrap();
    let inputs = out("calibration-inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let (features, labels) = calibration_inputs(&inputs);
    let (config, report, png) = (
        calibrate.join("lab.toml"),
        calibrate.join("calibration.json"),
        calibrate.join("cv.png"),
    );
    check(
        &[
            "calibrate",
            s(&features),
            s(&labels),
            "--folds",
            "3",
            "--out",
            s(&config),
            "--report",
            s(&report),
            "--png",
            s(&png),
        ],
        &calibrate,
        &["lab.toml", "calibration.json", "cv.png"],
    );

    let train = out("train");
    check(
        &[
            "train",
            "--slides",
            s(&synth.join("3plus-s3.svs")),
            "--out",
            s(&train),
            "--quiet",
            "--arch",
            "resnet18",
            "--width",
            "0.0625",
            "--patch-size",
            "32",
            "--mpp",
            "2",
            "--epochs",
            "1",
            "--batch-size",
            "8",
            "--patches-per-slide",
            "24",
            "--val-fraction",
            "0.25",
        ],
        &train,
        &[
            "best.bpk",
            "last.bpk",
            "optimizer.bpk",
            "best-metrics.json",
            "metrics.csv",
            "state.json",
            "patches.csv",
            "roc.csv",
            "roc.png",
            "pr.csv",
            "pr.png",
        ],
    );
}
