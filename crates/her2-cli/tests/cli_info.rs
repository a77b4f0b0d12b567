//! `her2 info` run as a user would: the built binary on real slides and on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn external(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/external")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-test-data (from the repository root) first",
        path.display()
    );
    path
}

fn her2(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_her2"))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn text_report_of_a_real_aperio_slide() {
    let slide = external("cmu_small_region.svs");
    let out = her2(&["info".as_ref(), slide.as_os_str()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "vendor:      aperio",
        "dimensions:  2220 x 2967 px",
        "mpp:         0.499 x 0.499 um/px",
        "objective:   20x",
        "levels:      1",
        "level 0:   2220 x 2967 px, downsample 1",
        "associated:  label 387x463, macro 1280x431, thumbnail 574x768",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
}

#[test]
fn json_report_of_a_generic_tiff_pyramid() {
    let slide = external("boxes.tiff");
    let out = her2(&["info".as_ref(), slide.as_os_str(), "--json".as_ref()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["vendor"], "generic-tiff");
    assert_eq!(v["levels"].as_array().unwrap().len(), 4);
    assert_eq!(v["levels"][1]["width"], 150);
    assert_eq!(v["levels"][1]["downsample"], 2.0);
    assert!(v["mpp"].is_null());
    assert!(v["properties"]["openslide.vendor"].is_string());
}

#[test]
fn mpp_flag_states_a_plain_images_resolution() {
    let image = external("ihc.png");
    let out = her2(&[
        "info".as_ref(),
        image.as_os_str(),
        "--json".as_ref(),
        "--mpp".as_ref(),
        "0.25".as_ref(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["vendor"], "image");
    assert_eq!(v["width"], 512);
    assert_eq!(v["mpp"]["x"], 0.25);
}

#[test]
fn bad_input_gives_one_line_and_a_failure_code() {
    let dir = tempfile::tempdir().unwrap();
    let text_file = dir.path().join("notes.svs");
    std::fs::write(&text_file, "not a slide").unwrap();
    let missing = dir.path().join("missing.svs");
    let unopenable = external("unopenable.tiff");
    for (path, what) in [
        (&missing, "no such file"),
        (&text_file, "not a slide"),
        (&unopenable, "unsupported format"),
    ] {
        let out = her2(&["info".as_ref(), path.as_os_str()]);
        assert!(!out.status.success());
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.starts_with("her2: error: "), "{err}");
        assert!(
            err.contains(&*path.to_string_lossy()) && err.contains(what),
            "{err}"
        );
        assert!(out.stdout.is_empty());
    }
}
