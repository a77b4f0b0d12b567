//! `her2 batch`: failures recorded and the run going on, resume, shards; `her2 eval`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_success, her2, synthetic_slide};
use her2::ihc_synth::Her2Class;

fn summary_rows(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

#[test]
fn batch_goes_on_after_a_failure_resumes_and_shards() {
    let dir = tempfile::tempdir().unwrap();
    let slides = dir.path().join("slides");
    std::fs::create_dir_all(&slides).unwrap();
    let generated = dir.path().join("generated");
    for (class, seed) in [(Her2Class::Positive3, 41), (Her2Class::Null, 42)] {
        let svs = synthetic_slide(&generated, class, seed, false);
        std::fs::copy(&svs, slides.join(svs.file_name().unwrap())).unwrap();
    }
    std::fs::write(slides.join("broken.svs"), b"not a slide").unwrap();
    let out = dir.path().join("out");
    let (s, o) = (slides.to_str().unwrap(), out.to_str().unwrap());

    let run = her2(&["batch", s, "--all-tissue", "--no-cells", "--out", o]);
    assert_success(&run);
    let rows = summary_rows(&out.join("summary.csv"));
    assert_eq!(rows.len(), 3, "{rows:?}");
    let broken = rows.iter().find(|r| r.starts_with("broken,")).unwrap();
    assert!(
        broken.contains(",failed,") && broken.contains("broken.svs"),
        "{broken}"
    );
    assert_eq!(rows.iter().filter(|r| r.contains(",scored,")).count(), 2);
    assert!(out.join("3plus-s41/report.json").exists());
    assert!(out.join("3plus-s41/report.html").exists());
    assert!(!out.join("broken").join("report.json").exists());
    // The cohort's index links each scored slide's report and names the failure.
    let index = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(
        index.contains("<a href=\"3plus-s41/report.html\">3plus-s41</a>"),
        "{index}"
    );
    assert!(!index.contains("broken/report.html"));
    assert!(
        index.contains("broken.svs"),
        "the failure's error is listed"
    );
    assert_eq!(index.matches("<tr>").count(), 4, "header and three slides");
    let features = std::fs::read_to_string(out.join("features.csv")).unwrap();
    assert_eq!(features.lines().count(), 3, "header + two scored slides");

    let again = her2(&[
        "batch",
        s,
        "--all-tissue",
        "--no-cells",
        "--resume",
        "--out",
        o,
    ]);
    assert_success(&again);
    let rows = summary_rows(&out.join("summary.csv"));
    assert_eq!(
        rows.iter().filter(|r| r.contains(",resumed,")).count(),
        2,
        "{rows:?}"
    );

    let mut sharded = Vec::new();
    for shard in ["0/2", "1/2"] {
        let run = her2(&[
            "batch",
            s,
            "--all-tissue",
            "--no-cells",
            "--resume",
            "--shard",
            shard,
            "--out",
            o,
        ]);
        let index = &shard[..1];
        let rows = summary_rows(&out.join(format!("summary-shard-{index}-of-2.csv")));
        let all_failed = rows.iter().all(|r| r.contains(",failed,"));
        assert_eq!(
            run.status.success(),
            !all_failed,
            "a shard exits non-zero exactly when all its slides failed: {rows:?}"
        );
        sharded.extend(rows);
    }
    assert_eq!(
        sharded.len(),
        3,
        "the shards cover the cohort once: {sharded:?}"
    );
}

#[test]
fn eval_writes_confusion_matrices_for_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let a = synthetic_slide(dir.path(), Her2Class::Positive3, 51, false);
    let b = synthetic_slide(dir.path(), Her2Class::Null, 52, false);
    let manifest = dir.path().join("cohort.csv");
    std::fs::write(
        &manifest,
        format!("path,label\n{},3+\n{},0-null\n", a.display(), b.display()),
    )
    .unwrap();
    let out = dir.path().join("eval");
    let run = her2(&[
        "eval",
        manifest.to_str().unwrap(),
        "--all-tissue",
        "--no-cells",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_success(&run);
    let eval: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("eval.json")).unwrap()).unwrap();
    for rule in ["guideline", "paper", "staining"] {
        assert!(eval["rules"][rule]["scores"].is_object(), "{rule}: {eval}");
        assert!(out.join(format!("confusion-{rule}.png")).exists());
    }
    assert_eq!(eval["slides"], 2);
    let page = std::fs::read_to_string(out.join("eval.html")).unwrap();
    for rule in ["guideline", "paper", "staining"] {
        assert!(page.contains(&format!("id=\"scores-{rule}\"")), "{rule}");
    }
    assert!(page.contains("kappa (quadratic)"));
}
