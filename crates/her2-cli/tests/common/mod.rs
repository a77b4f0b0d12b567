//! Synthetic slides for the facade's integration tests, generated into a temp folder.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod chromium;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use her2::ihc_synth::{Her2Class, SynthConfig, generate_slide};

/// Writes a synthetic slide (Aperio SVS with truth beside it) and returns its path.
pub fn synthetic_slide(dir: &Path, class: Her2Class, seed: u64, control: bool) -> PathBuf {
    let mut config = SynthConfig::new(3072, 3072, class, seed);
    config.control = control;
    generate_slide(&config, dir).expect("synthetic slide");
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "svs")
                && p.file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .ends_with(&format!("s{seed}"))
        })
        .expect("the .svs the generator wrote")
}

/// Runs the `her2` binary.
pub fn her2(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_her2"))
        .args(args)
        .output()
        .expect("run her2")
}

/// Asserts that a `her2` run succeeded, showing its stderr when it did not.
#[track_caller]
pub fn assert_success(run: &Output) {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// Files in a folder (none when it does not exist).
pub fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Scores the bundled demo slide with the bundled demo model into `out` (as `scripts/demo`
/// does); the run and the slide's path.
pub fn score_demo(out: &Path) -> (Output, PathBuf) {
    let slide = repo().join("fixtures/synth/2plus-weak-s7.svs");
    let model = repo().join("fixtures/models/demo-resnet34.bpk");
    let run = her2(&[
        "score",
        slide.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    (run, slide)
}

/// The repository root (where `fixtures/` is).
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs the `her2` binary under the process umask `umask` (through `sh`, which sets it and
/// execs the binary: no unsafe `pre_exec` needed).
#[cfg(unix)]
pub fn her2_with_umask(umask: u32, args: &[&str]) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("umask {umask:03o} && exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_her2"))
        .args(args)
        .output()
        .expect("run her2 through sh")
}

/// Every file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![dir.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}
