//! `her2 eval-nuclei`: nucleus detection scored against a synthetic slide's truth CSV and
//! against a label image and a colour mask made from the same truth; the real DeepLIIF
//! annotations of `../shared/real` when present; clear errors with no outputs on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{assert_success, files_in, her2, synthetic_slide};
use her2::ihc_synth::Her2Class;
use image::{Rgb, RgbImage};
use serde_json::Value;

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The `.cells.csv` the generator wrote beside `svs`.
fn cells_csv(svs: &Path) -> PathBuf {
    svs.with_extension("cells.csv")
}

#[test]
fn synthetic_truth_csv_scores_the_detector_and_writes_its_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let svs = synthetic_slide(dir.path(), Her2Class::Equivocal2WeakComplete, 31, false);
    let truth = cells_csv(&svs);
    assert!(truth.exists(), "{}", truth.display());
    let out = dir.path().join("eval");
    let run = her2(&[
        "eval-nuclei",
        svs.to_str().unwrap(),
        "--truth",
        truth.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_success(&run);
    let mut files = files_in(&out);
    files.sort();
    assert_eq!(files, ["nuclei-eval.json", "nuclei-eval.png"]);
    let report = read_json(&out.join("nuclei-eval.json"));
    let score = &report["score"];
    let annotated = score["annotated"].as_u64().unwrap();
    assert!(annotated > 300, "{score}");
    assert!(score["f1"].as_f64().unwrap() >= 0.9, "{score}");
    assert!(
        score["count_error"].as_f64().unwrap().abs() <= 0.1,
        "{score}"
    );
    assert_eq!(report["tolerance_um"].as_f64(), Some(4.0));
    // every point comes back: the counts and pairs agree with the scores
    let points = |key: &str| report[key].as_array().unwrap().len() as u64;
    assert_eq!(points("detected"), score["detected"].as_u64().unwrap());
    assert_eq!(points("annotated"), annotated);
    assert_eq!(points("pairs"), score["matched"].as_u64().unwrap());
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("F1"), "{stdout}");
    let overlay = image::open(out.join("nuclei-eval.png")).unwrap();
    assert_eq!((overlay.width(), overlay.height()), (3072, 3072));
}

/// Draws discs of nuclear blue on pale glass and the same discs into a label image and a
/// colour mask; returns the three paths.
fn drawn_tile(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let centres: Vec<(u32, u32)> = (0..5)
        .flat_map(|i| (0..5).map(move |j| (20 + 30 * i, 20 + 30 * j)))
        .collect();
    let inside = |x: u32, y: u32| {
        centres.iter().position(|&(cx, cy)| {
            (x as i64 - cx as i64).pow(2) + (y as i64 - cy as i64).pow(2) <= 64
        })
    };
    let ihc = RgbImage::from_fn(160, 160, |x, y| match inside(x, y) {
        Some(_) => Rgb([110, 110, 170]),
        None => Rgb([232, 230, 236]),
    });
    let labels = image::ImageBuffer::<image::Luma<u16>, Vec<u16>>::from_fn(160, 160, |x, y| {
        image::Luma([inside(x, y).map_or(0, |k| 1000 + k as u16)])
    });
    // a colour mask side by side with the image, as DeepLIIF's panels: alternate colours
    let mut panels = RgbImage::new(320, 160);
    image::imageops::replace(&mut panels, &ihc, 0, 0);
    for y in 0..160 {
        for x in 0..160 {
            if let Some(k) = inside(x, y) {
                let c = if k % 2 == 0 { [255, 0, 0] } else { [0, 0, 255] };
                panels.put_pixel(160 + x, y, Rgb(c));
            }
        }
    }
    let (a, b, c) = (
        dir.join("tile.png"),
        dir.join("labels.png"),
        dir.join("panels.png"),
    );
    ihc.save(&a).unwrap();
    labels.save(&b).unwrap();
    panels.save(&c).unwrap();
    (a, b, c)
}

#[test]
fn label_images_and_colour_masks_give_every_annotated_nucleus() {
    let dir = tempfile::tempdir().unwrap();
    let (tile, labels, panels) = drawn_tile(dir.path());
    let out = dir.path().join("labels");
    let run = her2(&[
        "eval-nuclei",
        tile.to_str().unwrap(),
        "--truth",
        labels.to_str().unwrap(),
        "--mpp",
        "0.5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_success(&run);
    let score = &read_json(&out.join("nuclei-eval.json"))["score"];
    assert_eq!(score["annotated"].as_u64(), Some(25), "{score}");
    assert_eq!(score["matched"].as_u64(), Some(25), "{score}");
    let out = dir.path().join("colours");
    let run = her2(&[
        "eval-nuclei",
        panels.to_str().unwrap(),
        "--region",
        "0,0,160,160",
        "--truth",
        panels.to_str().unwrap(),
        "--truth-region",
        "160,0,160,160",
        "--truth-colors",
        "255,0,0;0,0,255",
        "--mpp",
        "0.5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_success(&run);
    let score = &read_json(&out.join("nuclei-eval.json"))["score"];
    assert_eq!(score["annotated"].as_u64(), Some(25), "{score}");
    assert_eq!(score["f1"].as_f64(), Some(1.0), "{score}");
}

#[test]
fn bad_annotations_are_refused_with_no_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let (tile, labels, _) = drawn_tile(dir.path());
    let no_columns = dir.path().join("bad.csv");
    std::fs::write(&no_columns, "a,b\n1,2\n").unwrap();
    let not_numbers = dir.path().join("words.csv");
    std::fs::write(&not_numbers, "x,y\n1,two\n").unwrap();
    let cases: [(&[&str], &str); 4] = [
        (
            &["--truth", no_columns.to_str().unwrap()],
            "no column \"x\"",
        ),
        (
            &["--truth", not_numbers.to_str().unwrap()],
            "is not a number",
        ),
        (
            &[
                "--truth",
                labels.to_str().unwrap(),
                "--region",
                "0,0,100,100",
            ],
            "give --truth-region",
        ),
        (
            &["--truth", labels.to_str().unwrap(), "--tolerance-um=0"],
            "tolerance",
        ),
    ];
    for (k, (extra, message)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{k}"));
        let mut args = vec!["eval-nuclei", tile.to_str().unwrap(), "--mpp", "0.5"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        let run = her2(&args);
        assert!(!run.status.success(), "case {k} succeeded");
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.contains(message), "case {k}: {err}");
        assert!(
            files_in(&out).is_empty(),
            "case {k} left {:?}",
            files_in(&out)
        );
    }
}

/// The real annotated Ki67 tiles of `../shared/real/ki67-deepliif` (not part of the
/// repository): the detection goal of docs/accuracy.md. Skips when they are absent.
#[test]
fn real_deepliif_annotations_when_present() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real/ki67-deepliif");
    if !root.join("Lung1.png").exists() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for name in ["Lung1", "Bladder1"] {
        let png = root.join(format!("{name}.png"));
        let out = dir.path().join(name);
        let run = her2(&[
            "eval-nuclei",
            png.to_str().unwrap(),
            "--region",
            "0,0,512,512",
            "--truth",
            png.to_str().unwrap(),
            "--truth-region",
            "2560,0,512,512",
            "--truth-colors",
            "255,0,0;0,0,255",
            "--mpp",
            "0.25",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_success(&run);
        let score = &read_json(&out.join("nuclei-eval.json"))["score"];
        eprintln!("{name}: {score}");
        assert!(score["f1"].as_f64().unwrap() >= 0.85, "{name}: {score}");
    }
}
