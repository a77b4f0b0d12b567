//! `her2 train --slides`: training on random patches drawn from annotated slides, run as a
//! user would on `her2 synth` output (a slide with its outlines, a cohort manifest), with the
//! drawn labels checked against the generator's truth masks, and bad input reported on one
//! line without a panic or any output left behind.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::{assert_success, files_in, her2};
use her2::tumor_classifier::{classified_polygons_from_geojson, is_excluded_class};

/// A tiny model and a fast draw: 32 px patches at 2 um/px (128 level-0 px on a 0.5 um/px
/// slide, so the draw's 16 px lattice cells are exactly the truth masks' pixels).
const TINY: [&str; 16] = [
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
    "40",
    "--val-fraction",
    "0.25",
];

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// `her2 synth slide` (3+, with the control piece) into `dir`; returns the .svs.
fn synth_slide(dir: &Path) -> PathBuf {
    let run = her2(&[
        "synth",
        "slide",
        "--class",
        "3plus",
        "--seed",
        "11",
        "--width",
        "2048",
        "--height",
        "2048",
        "--out",
        path_str(dir),
    ]);
    assert_success(&run);
    dir.join("3plus-s11.svs")
}

fn train(input: &[&str], out: &Path) -> std::process::Output {
    let mut args = vec!["train"];
    args.extend_from_slice(input);
    args.extend_from_slice(&["--out", path_str(out), "--quiet"]);
    args.extend_from_slice(&TINY);
    her2(&args)
}

/// One row of `patches.csv`.
struct Drawn {
    source: String,
    x: u64,
    y: u64,
    size: u64,
    tumor: bool,
    split: String,
}

fn patches(out: &Path) -> Vec<Drawn> {
    let mut csv = csv::Reader::from_path(out.join("patches.csv")).unwrap();
    assert_eq!(
        csv.headers().unwrap(),
        vec![
            "source",
            "x",
            "y",
            "size",
            "label",
            "split",
            "tumor_fraction",
            "tissue_fraction"
        ]
    );
    csv.records()
        .map(|r| {
            let r = r.unwrap();
            Drawn {
                source: r[0].to_string(),
                x: r[1].parse().unwrap(),
                y: r[2].parse().unwrap(),
                size: r[3].parse().unwrap(),
                tumor: &r[4] == "tumor",
                split: r[5].to_string(),
            }
        })
        .collect()
}

/// Fraction of the square's mask pixels (downsample 16) that are set.
fn mask_fraction(mask: &image::GrayImage, d: &Drawn) -> f64 {
    let (x0, y0, n) = (d.x / 16, d.y / 16, d.size / 16);
    let set = (y0..y0 + n)
        .flat_map(|y| (x0..x0 + n).map(move |x| (x, y)))
        .filter(|&(x, y)| mask.get_pixel(x as u32, y as u32)[0] > 0)
        .count();
    set as f64 / (n * n) as f64
}

fn assert_trained(out: &Path) {
    for f in [
        "best.bpk",
        "last.bpk",
        "metrics.csv",
        "state.json",
        "patches.csv",
    ] {
        assert!(out.join(f).is_file(), "{f} missing: {:?}", files_in(out));
    }
    let metrics = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(metrics.lines().count(), 2, "header + 1 epoch: {metrics}");
    assert!(metrics.starts_with("epoch,train_loss"));
}

#[test]
fn a_synthetic_slide_and_its_outlines_train_directly_with_labels_matching_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let slide = synth_slide(dir.path());
    let out = dir.path().join("run");
    let run = train(&["--slides", path_str(&slide)], &out);
    assert_success(&run);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("20 tumour + 20 normal patches"), "{stderr}");
    assert_trained(&out);

    let drawn = patches(&out);
    assert_eq!(drawn.len(), 40);
    assert_eq!(drawn.iter().filter(|d| d.tumor).count(), 20);
    assert_eq!(drawn.iter().filter(|d| d.split == "validation").count(), 10);
    let tumour_truth = image::open(dir.path().join("3plus-s11.tumor.png"))
        .unwrap()
        .into_luma8();
    let tissue_truth = image::open(dir.path().join("3plus-s11.tissue.png"))
        .unwrap()
        .into_luma8();
    let control: Vec<_> =
        classified_polygons_from_geojson(&dir.path().join("3plus-s11.outlines.geojson"))
            .unwrap()
            .into_iter()
            .filter(|c| c.class.as_deref().is_some_and(is_excluded_class))
            .map(|c| c.polygon)
            .collect();
    assert_eq!(control.len(), 1, "the 3+ control piece is outlined");
    let one_cell = 1.0 / 64.0;
    for d in &drawn {
        assert_eq!(d.size, 128);
        assert!(d.source.ends_with("3plus-s11.svs"), "{}", d.source);
        let tumour = mask_fraction(&tumour_truth, d);
        if d.tumor {
            assert!(
                tumour >= 0.6 - one_cell,
                "tumour patch {},{}: {tumour}",
                d.x,
                d.y
            );
        } else {
            assert!(tumour <= one_cell, "normal patch {},{}: {tumour}", d.x, d.y);
        }
        // Tissue was detected (not the truth): most of each patch is true tissue.
        let tissue = mask_fraction(&tissue_truth, d);
        assert!(tissue >= 0.4, "patch {},{} on {tissue} tissue", d.x, d.y);
        for k in 0..64 {
            let (cx, cy) = (
                d.x as f64 + (f64::from(k % 8) + 0.5) * 16.0,
                d.y as f64 + (f64::from(k / 8) + 0.5) * 16.0,
            );
            assert!(
                !control[0].contains(cx, cy),
                "patch {},{} on the control",
                d.x,
                d.y
            );
        }
    }

    // The same command draws the same patches (fixed seed).
    let again = dir.path().join("again");
    assert_success(&train(&["--slides", path_str(&slide)], &again));
    assert_eq!(
        std::fs::read(out.join("patches.csv")).unwrap(),
        std::fs::read(again.join("patches.csv")).unwrap()
    );
}

#[test]
fn a_cohort_manifest_and_a_mask_manifest_train_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let cohort = dir.path().join("cohort");
    let run = her2(&[
        "synth",
        "cohort",
        "--per-class",
        "1",
        "--width",
        "1536",
        "--height",
        "1536",
        "--seed",
        "5",
        "--out",
        path_str(&cohort),
    ]);
    assert_success(&run);
    let out = dir.path().join("run");
    assert_success(&train(
        &["--slides", path_str(&cohort.join("manifest.csv"))],
        &out,
    ));
    assert_trained(&out);
    let drawn = patches(&out);
    let mut slides: Vec<&str> = drawn.iter().map(|d| d.source.as_str()).collect();
    slides.sort_unstable();
    slides.dedup();
    assert_eq!(slides.len(), 6, "one slide per class");

    // Masks instead of outlines: tumour and tissue PNGs named per row, relative paths.
    let manifest = dir.path().join("masks.csv");
    std::fs::write(
        &manifest,
        "slide,tumor,tissue\n\
         cohort/3plus-000.svs,cohort/3plus-000.tumor.png,cohort/3plus-000.tissue.png\n\
         cohort/null-000.svs,cohort/null-000.tumor.png,cohort/null-000.tissue.png\n",
    )
    .unwrap();
    let out = dir.path().join("masks");
    assert_success(&train(&["--slides", path_str(&manifest)], &out));
    let truth = image::open(cohort.join("3plus-000.tumor.png"))
        .unwrap()
        .into_luma8();
    let first: Vec<Drawn> = patches(&out)
        .into_iter()
        .filter(|d| d.source.ends_with("3plus-000.svs"))
        .collect();
    assert!(!first.is_empty());
    for d in &first {
        let t = mask_fraction(&truth, d);
        assert!(
            if d.tumor { t >= 0.6 } else { t == 0.0 },
            "{} {},{}: {t}",
            d.tumor,
            d.x,
            d.y
        );
    }
}

/// Runs `her2 train` expecting a one-line error containing every `expected` piece.
fn fails(input: &[&str], out: &Path, expected: &[&str]) {
    let run = train(input, out);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(!run.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{stderr} lacks {e}");
    }
    assert!(files_in(out).is_empty(), "{:?}", files_in(out));
}

#[test]
fn bad_slides_and_annotations_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("run");
    let csv = d.join("slides.csv");
    let write = |text: &str| std::fs::write(&csv, text).unwrap();
    let slides = [path_str(&csv)];
    let input = ["--slides", slides[0]];

    write("slide\nmissing.svs\n");
    fails(
        &input,
        &out,
        &["slides.csv", "row 2", "missing.svs", "not found"],
    );

    // A plain image states no resolution.
    let png = d.join("scan.png");
    image::RgbImage::from_pixel(512, 512, image::Rgb([200, 150, 170]))
        .save(&png)
        .unwrap();
    let white = d.join("white.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255]))
        .save(&white)
        .unwrap();
    write("slide,tumor,tissue\nscan.png,white.png,white.png\n");
    fails(&input, &out, &["scan.png", "mpp"]);

    let bad = d.join("bad.geojson");
    std::fs::write(&bad, "{\"type\": ").unwrap();
    write("slide,tumor,tissue,mpp\nscan.png,bad.geojson,white.png,0.5\n");
    fails(&input, &out, &["bad.geojson", "not JSON"]);

    std::fs::write(d.join("broken.png"), "not a png").unwrap();
    write("slide,tumor,tissue,mpp\nscan.png,broken.png,white.png,0.5\n");
    fails(&input, &out, &["broken.png"]);

    // All tumour: no normal patch anywhere; a slide smaller than a patch: none at all.
    write("slide,tumor,tissue,mpp\nscan.png,white.png,white.png,0.5\n");
    fails(&input, &out, &["slides.csv", "no normal patch"]);
    write("slide,tumor,tissue,mpp\nscan.png,white.png,white.png,0.1\n");
    fails(&input, &out, &["scan.png", "no patch can be drawn"]);

    // A slide without an annotation beside it, and flags that only fit one slide.
    fails(
        &["--slides", path_str(&png)],
        &out,
        &["scan.png", "no tumour annotation"],
    );
    fails(
        &["--slides", slides[0], "--annotation", path_str(&white)],
        &out,
        &["single slide"],
    );
    fails(
        &["--slides", path_str(&d.join("nope.svs"))],
        &out,
        &["nope.svs", "no such slide"],
    );
}
