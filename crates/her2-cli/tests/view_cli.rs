//! `her2 view` as a process: where it listens, what it says, and bad input.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};

use common::{her2, repo};

/// Starts `her2 view` with `args`, reads its first line, stops it; (first line, stderr).
fn first_line(args: &[&str]) -> (String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_her2"))
        .arg("view")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    (line, stderr)
}

#[test]
fn listens_on_localhost_unless_told_and_warns_when_told() {
    let slide = repo().join("fixtures/synth/2plus-weak-s7.svs");
    let slide = slide.to_str().unwrap();
    let (line, stderr) = first_line(&[slide, "--port", "0"]);
    assert!(line.contains("at http://127.0.0.1:"), "{line}");
    assert!(line.contains("2560 x 2560"), "{line}");
    assert!(!stderr.contains("warning"), "{stderr}");

    let (line, stderr) = first_line(&[slide, "--port", "0", "--bind", "0.0.0.0"]);
    assert!(line.contains("http://127.0.0.1:"), "{line}");
    assert!(
        stderr.contains("warning: listening on 0.0.0.0:0, reachable from other machines"),
        "{stderr}"
    );
}

#[test]
fn bad_slides_and_results_fail_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nothing.svs");
    let run = her2(&["view", missing.to_str().unwrap()]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("nothing.svs"), "{stderr}");

    let slide = repo().join("fixtures/synth/2plus-weak-s7.svs");
    let run = her2(&[
        "view",
        slide.to_str().unwrap(),
        "--results",
        dir.path().to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("report.json"), "{stderr}");

    let run = her2(&["view", slide.to_str().unwrap(), "--bind", "not-an-address"]);
    assert!(!run.status.success());
}
