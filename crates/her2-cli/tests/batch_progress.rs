//! `her2 batch` while it runs and after it is stopped: `summary.csv` lists the slides finished
//! so far, `report.json` is the last file of a slide to appear, and `--resume` re-scores a
//! slide whose report is missing (whatever else is there) and skips one whose report exists.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{assert_success, files_in, her2, repo};
use her2::tumor_classifier::AllTissueTumor;
use her2::{
    OutputOptions, PipelineBuilder, PipelineConfig, REPORT_FILE, SlideRequest, write_outputs,
};

/// `(slide_id, status)` of each row of a summary table.
fn summary(path: &Path) -> Vec<(String, String)> {
    let mut csv = csv::Reader::from_path(path).unwrap();
    csv.records()
        .map(|r| {
            let r = r.unwrap();
            (r[0].to_owned(), r[2].to_owned())
        })
        .collect()
}

/// A manifest of `n` slides (the two bundled ones in turn, under ids `s0`, `s1`, ...).
fn manifest(dir: &Path, n: usize) -> PathBuf {
    let slides = [
        repo().join("fixtures/synth/2plus-weak-s7.svs"),
        repo().join("fixtures/synth/3plus-s10.svs"),
    ];
    let mut text = String::from("slide_id,path\n");
    for i in 0..n {
        text.push_str(&format!("s{i},{}\n", slides[i % 2].display()));
    }
    let path = dir.join("cohort.csv");
    std::fs::write(&path, text).unwrap();
    path
}

fn batch_args<'a>(manifest: &'a Path, out: &'a Path, resume: bool) -> Vec<&'a str> {
    let mut args = vec![
        "batch",
        manifest.to_str().unwrap(),
        "--all-tissue",
        "--no-cells",
        "--out",
        out.to_str().unwrap(),
    ];
    if resume {
        args.push("--resume");
    }
    args
}

#[test]
fn resume_rescores_a_slide_without_its_report_and_skips_one_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = manifest(dir.path(), 2);
    let out = dir.path().join("out");
    assert_success(&her2(&batch_args(&cohort, &out, false)));
    let outputs = |id: &str| -> Vec<String> {
        let mut names = files_in(&out.join(id));
        names.sort();
        names
    };
    assert_eq!(
        outputs("s0"),
        [
            "heatmap.png",
            "overlay.png",
            "patches.csv",
            "report.html",
            "report.json",
            "tumor.geojson"
        ]
    );

    // A run stopped between files: s0 has every output but its report (written last).
    std::fs::remove_file(out.join("s0/report.json")).unwrap();
    let skipped_report = std::fs::read(out.join("s1/report.json")).unwrap();
    let run = her2(&batch_args(&cohort, &out, true));
    assert_success(&run);
    assert_eq!(
        summary(&out.join("summary.csv")),
        [
            ("s0".to_owned(), "scored".to_owned()),
            ("s1".to_owned(), "resumed".to_owned())
        ]
    );
    assert!(out.join("s0/report.json").is_file());
    assert_eq!(outputs("s0").len(), 6, "{:?}", outputs("s0"));
    assert_eq!(
        std::fs::read(out.join("s1/report.json")).unwrap(),
        skipped_report,
        "a resumed slide is not rewritten"
    );
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("[2/2] s1:"), "{stderr}");
}

#[test]
fn a_killed_batch_leaves_a_summary_of_its_finished_slides_and_resume_completes_it() {
    const SLIDES: usize = 8;
    let dir = tempfile::tempdir().unwrap();
    let cohort = manifest(dir.path(), SLIDES);
    let out = dir.path().join("out");
    let table = out.join("summary.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_her2"))
        .args(batch_args(&cohort, &out, false))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the first finished slide to reach the table, then kill the run (SIGKILL).
    let started = Instant::now();
    let has_rows = |table: &Path| table.is_file() && !summary(table).is_empty();
    while !has_rows(&table) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "her2 batch ended before writing a summary row"
        );
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "no summary row"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let finished_before_kill = child.try_wait().unwrap().is_none();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        finished_before_kill,
        "the whole cohort was done before the kill: nothing was tested"
    );

    // The table lists what was finished, each with its report.
    let listed = summary(&table);
    assert!(!listed.is_empty() && listed.len() < SLIDES, "{listed:?}");
    for (id, status) in &listed {
        assert_eq!(status, "scored", "{id}");
        assert!(out.join(id).join("report.json").is_file(), "{id}");
    }
    let with_report: Vec<String> = (0..SLIDES)
        .map(|i| format!("s{i}"))
        .filter(|id| out.join(id).join("report.json").is_file())
        .collect();
    // A slide may have finished after the last rewrite of the table, never before it.
    assert!(
        with_report.len() >= listed.len(),
        "{with_report:?} {listed:?}"
    );

    let run = her2(&batch_args(&cohort, &out, true));
    assert_success(&run);
    let rows = summary(&table);
    assert_eq!(rows.len(), SLIDES, "{rows:?}");
    for (id, status) in &rows {
        let expected = if with_report.contains(id) {
            "resumed"
        } else {
            "scored"
        };
        assert_eq!(status, expected, "{id}: {rows:?}");
        assert!(out.join(id).join("report.json").is_file(), "{id}");
    }
}

#[test]
fn report_json_is_renamed_into_place_after_every_other_output() {
    let pipeline = PipelineBuilder::new(PipelineConfig::default())
        .tumor_model(Arc::new(AllTissueTumor::default()))
        .build()
        .unwrap();
    let analysis = pipeline
        .run(
            &repo().join("fixtures/synth/3plus-s10.svs"),
            &SlideRequest::default(),
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = OutputOptions::default();
    let written = write_outputs(&analysis, &dir.path().join("slide"), options).unwrap();
    assert_eq!(written.len(), 6, "{written:?}");
    assert!(
        written.last().unwrap().ends_with(REPORT_FILE),
        "{written:?}"
    );
    assert!(
        written[written.len() - 2].ends_with("report.html"),
        "the page just before the report: {written:?}"
    );

    // Renaming fails half-way (overlay.png is taken by a folder): the outputs renamed before
    // it are in place, the report is not, and no temporary file is left behind.
    let blocked = dir.path().join("blocked");
    std::fs::create_dir_all(blocked.join("overlay.png")).unwrap();
    let err = write_outputs(&analysis, &blocked, options)
        .unwrap_err()
        .to_string();
    assert!(err.contains("overlay.png"), "{err}");
    let mut left = files_in(&blocked);
    left.sort();
    assert_eq!(left, ["heatmap.png", "overlay.png", "patches.csv"]);
}
