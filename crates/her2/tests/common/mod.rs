//! Synthetic slides for the facade's integration tests, generated into a temp folder.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

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
