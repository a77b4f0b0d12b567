//! The bundled synthetic slides (`fixtures/synth/`): regenerating them with the commands their
//! README names gives the same bytes, and the README's demo job scores the demo slide as its
//! truth says.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{assert_success, her2, repo, score_demo};
use her2::Her2Report;
use her2::her2_score::Her2Score;

/// The `her2 synth slide ...` commands listed in fixtures/synth/README.md, as argument lists
/// without the program name.
fn readme_commands() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("fixtures/synth/README.md")).unwrap();
    readme
        .lines()
        .filter_map(|l| l.strip_prefix("target/debug/her2 "))
        .map(|l| l.split_whitespace().map(str::to_owned).collect())
        .collect()
}

#[test]
fn regenerating_the_bundled_slides_gives_the_same_bytes() {
    let commands = readme_commands();
    assert_eq!(commands.len(), 2, "{commands:?}");
    let fixtures = repo().join("fixtures/synth");
    let dir = tempfile::tempdir().unwrap();
    for mut args in commands {
        let out = args.iter().position(|a| a == "--out").unwrap() + 1;
        assert_eq!(args[out], "fixtures/synth");
        args[out] = dir.path().to_str().unwrap().to_owned();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = her2(&refs);
        assert_success(&run);
    }
    let mut made: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    made.sort();
    assert_eq!(made.len(), 12, "{made:?}");
    for name in made {
        let fresh = std::fs::read(dir.path().join(&name)).unwrap();
        let bundled = std::fs::read(fixtures.join(&name))
            .unwrap_or_else(|e| panic!("{}: {e}", name.to_string_lossy()));
        assert!(
            fresh == bundled,
            "{} differs from its regenerated copy: rerun the commands in fixtures/synth/README.md",
            name.to_string_lossy()
        );
    }
}

#[test]
fn the_demo_job_scores_the_demo_slide_as_its_truth_says() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let (run, _) = score_demo(&out);
    assert_success(&run);
    let report: Her2Report =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(
        report.assessment.score,
        Her2Score::Two,
        "{}",
        report.assessment.summary()
    );
    assert_eq!(
        report.tissue.control_pieces.len(),
        1,
        "the 3+ control is found and left out"
    );
    assert!(report.tumor.feature_patches >= 2);
}
