//! Draws from PNG "slides" with GeoJSON and mask annotations: labels, seeds, exclusions,
//! masks of any size, manifests and every error.

use std::path::{Path, PathBuf};

use image::{Luma, Rgb, RgbImage};

use super::lattice::{CELLS, Lattice, is_geojson};
use super::*;
use wsi_io::Slide;

use crate::dataset::{PatchDataset, PatchReader, PatchSource};
use crate::error::Result;
use crate::geometry::Bitmap;

const TUMOUR: [u8; 3] = [120, 60, 40];
const NORMAL: [u8; 3] = [230, 180, 200];
const GLASS: [u8; 3] = [245, 245, 245];

/// A 1024 x 768 PNG "slide": tissue left of x = 800 and in the control square
/// [850, 1000) x [50, 200); tumour in [100, 500) x [100, 400).
fn slide_png(dir: &Path) -> PathBuf {
    let path = dir.join("slide.png");
    RgbImage::from_fn(1024, 768, |x, y| {
        Rgb(if (100..500).contains(&x) && (100..400).contains(&y) {
            TUMOUR
        } else if x < 800 || ((850..1000).contains(&x) && (50..200).contains(&y)) {
            NORMAL
        } else {
            GLASS
        })
    })
    .save(&path)
    .unwrap();
    path
}

fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> String {
    format!("[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]")
}

fn feature(class: &str, coordinates: &str) -> String {
    format!(
        r#"{{"type":"Feature","properties":{{"classification":{{"name":"{class}"}}}},"geometry":{{"type":"Polygon","coordinates":{coordinates}}}}}"#
    )
}

/// ihc-synth style outlines: Tissue, Tumor and Control features.
fn outlines(dir: &Path) -> PathBuf {
    let path = dir.join("slide.outlines.geojson");
    let features = [
        feature("Tissue", &rect(0.0, 0.0, 800.0, 768.0)),
        feature("Tumor", &rect(100.0, 100.0, 500.0, 400.0)),
        feature("Control", &rect(850.0, 50.0, 1000.0, 200.0)),
    ];
    std::fs::write(
        &path,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        ),
    )
    .unwrap();
    path
}

/// A mask image of `w` x `h` stretched over the 1024 x 768 slide, set where `inside`.
fn mask(dir: &Path, name: &str, w: u32, h: u32, inside: impl Fn(f64, f64) -> bool) -> PathBuf {
    let path = dir.join(name);
    image::GrayImage::from_fn(w, h, |x, y| {
        let (sx, sy) = (1024.0 / f64::from(w), 768.0 / f64::from(h));
        let centre = ((f64::from(x) + 0.5) * sx, (f64::from(y) + 0.5) * sy);
        Luma([if inside(centre.0, centre.1) { 255 } else { 0 }])
    })
    .save(&path)
    .unwrap();
    path
}

fn tissue_everywhere_but_glass(x: f64, y: f64) -> bool {
    x < 800.0 || ((850.0..1000.0).contains(&x) && (50.0..200.0).contains(&y))
}

fn config() -> SamplingConfig {
    SamplingConfig {
        patches_per_slide: 40,
        tumor_share: 0.25,
        ..SamplingConfig::default()
    }
}

fn draw(entry: &AnnotatedSlide, config: &SamplingConfig) -> Result<(PatchDataset, Vec<SlideDraw>)> {
    PatchDataset::from_slides(
        Path::new("manifest.csv"),
        std::slice::from_ref(entry),
        64,
        0.5,
        config,
        &TissueMaskRequired,
    )
}

/// Exact fraction of the square (x, y, side) inside the rectangle [x0, x1) x [y0, y1).
fn overlap(x: u64, y: u64, side: u64, r: [f64; 4]) -> f64 {
    let (x, y, s) = (x as f64, y as f64, side as f64);
    let w = ((x + s).min(r[2]) - x.max(r[0])).max(0.0);
    let h = ((y + s).min(r[3]) - y.max(r[1])).max(0.0);
    w * h / (s * s)
}

const TUMOUR_RECT: [f64; 4] = [100.0, 100.0, 500.0, 400.0];
const CONTROL_RECT: [f64; 4] = [850.0, 50.0, 1000.0, 200.0];

/// Checks every drawn patch against the true geometry (a cell is 8 level-0 px here, so
/// a fraction may be off by half a cell per side: 4 / 64 px).
fn check_labels(ds: &PatchDataset) {
    let side = ds.slides[0].level0_px;
    assert_eq!(side, 64);
    for s in &ds.samples {
        let PatchSource::Slide { x, y, .. } = s.source else {
            panic!("a slide sample")
        };
        assert!(x + side <= 1024 && y + side <= 768);
        let t = overlap(x, y, side, TUMOUR_RECT);
        if s.tumor {
            assert!(t >= 0.6 - 0.07, "tumour patch at ({x},{y}) only {t} inside");
        } else {
            assert!(t <= 0.07, "normal patch at ({x},{y}) {t} inside the tumour");
        }
        let tissue = overlap(x, y, side, [0.0, 0.0, 800.0, 768.0]);
        assert!(
            tissue >= 0.6 - 0.07,
            "patch at ({x},{y}) only {tissue} on tissue"
        );
        assert_eq!(
            overlap(x, y, side, CONTROL_RECT),
            0.0,
            "({x},{y}) on the control"
        );
    }
}

#[test]
fn geojson_files_are_told_by_name_gzipped_too() {
    for yes in ["a.geojson", "a.JSON", "a.outlines.geojson.gz", "b.json.gz"] {
        assert!(is_geojson(Path::new(yes)), "{yes}");
    }
    for no in ["a.png", "a.gz", "geojson", "a.tumor.png"] {
        assert!(!is_geojson(Path::new(no)), "{no}");
    }
}

#[test]
fn geojson_draws_respect_tumour_tissue_and_control_and_the_seed() {
    let dir = tempfile::tempdir().unwrap();
    let entry = AnnotatedSlide {
        slide: slide_png(dir.path()),
        tumor: outlines(dir.path()),
        tissue: Some(mask(
            dir.path(),
            "tissue.png",
            256,
            192,
            tissue_everywhere_but_glass,
        )),
        mpp: Some(0.5),
    };
    let (ds, draws) = draw(&entry, &config()).unwrap();
    assert_eq!((draws[0].tumor, draws[0].normal), (10, 30));
    assert_eq!(ds.samples.len(), 40);
    assert_eq!(ds.samples.iter().filter(|s| s.tumor).count(), 10);
    assert!(draws[0].tumor_candidates > 100 && draws[0].normal_candidates > 100);
    check_labels(&ds);

    // Same seed, same patches; another seed, others.
    assert_eq!(draw(&entry, &config()).unwrap().0, ds);
    let other = SamplingConfig {
        seed: 1,
        ..config()
    };
    assert_ne!(draw(&entry, &other).unwrap().0.samples, ds.samples);

    // Pixels are read when asked for, at the model's size, and show the right tissue.
    let reader = PatchReader::new(&ds, 1, 1 << 20);
    for s in &ds.samples {
        let img = reader.load(s).unwrap();
        assert_eq!(img.dimensions(), (64, 64));
        let tumour_px = img.pixels().filter(|p| p.0 == TUMOUR).count();
        assert_eq!(tumour_px >= 64 * 64 / 2, s.tumor);
    }
    assert!(reader.cached_bytes() > 0 && reader.cached_bytes() <= 1 << 20);
}

#[test]
fn mask_images_of_any_size_are_stretched_over_the_slide() {
    let dir = tempfile::tempdir().unwrap();
    let in_tumour = |x: f64, y: f64| (100.0..500.0).contains(&x) && (100.0..400.0).contains(&y);
    let entry = AnnotatedSlide {
        slide: slide_png(dir.path()),
        tumor: mask(dir.path(), "tumour.png", 512, 384, in_tumour),
        tissue: Some(mask(dir.path(), "tissue.png", 128, 96, |x, _| x < 800.0)),
        mpp: Some(0.5),
    };
    let (ds, _) = draw(&entry, &config()).unwrap();
    check_labels(&ds);

    // A tissue finder (here: the same tissue as a bitmap at downsample 16) instead of a mask.
    let finder = |_: &dyn Slide| {
        let bits = (0..64 * 48).map(|k| (k % 64) < 50).collect();
        Bitmap::new(64, 48, 16.0, bits)
    };
    let found = PatchDataset::from_slides(
        Path::new("m.csv"),
        &[AnnotatedSlide {
            tissue: None,
            ..entry.clone()
        }],
        64,
        0.5,
        &config(),
        &finder,
    )
    .unwrap()
    .0;
    check_labels(&found);

    // 40x: a 64 px patch at 0.5 um/px covers 128 level-0 px.
    let (ds, _) = draw(
        &AnnotatedSlide {
            mpp: Some(0.25),
            ..entry
        },
        &config(),
    )
    .unwrap();
    assert_eq!(ds.slides[0].level0_px, 128);
    assert_eq!(
        PatchReader::new(&ds, 1, 0)
            .load(&ds.samples[0])
            .unwrap()
            .dimensions(),
        (64, 64)
    );
}

fn error(entry: &AnnotatedSlide) -> String {
    draw(entry, &config()).unwrap_err().to_string()
}

#[test]
fn bad_inputs_are_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let good = AnnotatedSlide {
        slide: slide_png(d),
        tumor: outlines(d),
        tissue: Some(mask(d, "tissue.png", 256, 192, tissue_everywhere_but_glass)),
        mpp: Some(0.5),
    };
    let with = |f: &dyn Fn(&mut AnnotatedSlide)| {
        let mut e = good.clone();
        f(&mut e);
        error(&e)
    };
    let err = with(&|e| e.mpp = None);
    assert!(err.contains("slide.png") && err.contains("mpp"), "{err}");
    let err = with(&|e| e.slide = d.join("missing.svs"));
    assert!(err.contains("missing.svs"), "{err}");

    let bad = d.join("bad.geojson");
    std::fs::write(&bad, "{not json").unwrap();
    let err = with(&|e| e.tumor = bad.clone());
    assert!(
        err.contains("bad.geojson") && err.contains("not JSON"),
        "{err}"
    );
    let stroma = d.join("stroma.geojson");
    std::fs::write(
        &stroma,
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            feature("Stroma", &rect(0.0, 0.0, 9.0, 9.0))
        ),
    )
    .unwrap();
    let err = with(&|e| e.tumor = stroma.clone());
    assert!(
        err.contains("stroma.geojson") && err.contains("classes found: Stroma"),
        "{err}"
    );
    let far = d.join("far.geojson");
    std::fs::write(
        &far,
        format!(
            r#"{{"type":"Polygon","coordinates":{}}}"#,
            rect(5e4, 5e4, 6e4, 6e4)
        ),
    )
    .unwrap();
    let err = with(&|e| e.tumor = far.clone());
    assert!(
        err.contains("far.geojson") && err.contains("cover no part"),
        "{err}"
    );

    let not_png = d.join("mask.png");
    std::fs::write(&not_png, "text").unwrap();
    let err = with(&|e| e.tumor = not_png.clone());
    assert!(err.contains("mask.png"), "{err}");
    let tall = mask(d, "tall.png", 100, 400, |_, _| true);
    let err = with(&|e| e.tissue = Some(tall.clone()));
    assert!(err.contains("tall.png") && err.contains("aspect"), "{err}");
    let blank = mask(d, "blank.png", 64, 48, |_, _| false);
    let err = with(&|e| e.tissue = Some(blank.clone()));
    assert!(
        err.contains("blank.png") && err.contains("no tissue"),
        "{err}"
    );
    let err = with(&|e| e.tissue = None);
    assert!(
        err.contains("slide.png") && err.contains("no tissue mask"),
        "{err}"
    );

    // Tissue only under the control (excluded) and the tumour too small: nothing drawable.
    let control_only = mask(d, "control.png", 256, 192, |x, y| {
        (850.0..1000.0).contains(&x) && (50.0..200.0).contains(&y)
    });
    let err = with(&|e| e.tissue = Some(control_only.clone()));
    assert!(
        err.contains("slide.png") && err.contains("no patch can be drawn"),
        "{err}"
    );
    let tiny = d.join("tiny.png");
    RgbImage::from_pixel(40, 40, Rgb(NORMAL))
        .save(&tiny)
        .unwrap();
    let err = with(&|e| e.slide = tiny.clone());
    assert!(
        err.contains("tiny.png") && err.contains("smaller than one 64 px patch"),
        "{err}"
    );

    // Only one class anywhere: an error on the dataset.
    let all_tumour = mask(d, "all.png", 64, 48, |_, _| true);
    let err = with(&|e| e.tumor = all_tumour.clone());
    assert!(
        err.contains("manifest.csv") && err.contains("no normal patch"),
        "{err}"
    );

    let bad_config = SamplingConfig {
        max_normal_tumor_fraction: 0.7,
        ..config()
    };
    assert!(draw(&good, &bad_config).is_err());
}

#[test]
fn manifests_resolve_paths_and_find_annotations_beside_slides() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let sub = d.join("slides");
    std::fs::create_dir_all(&sub).unwrap();
    slide_png(&sub);
    outlines(&sub);
    mask(&sub, "tissue.png", 64, 48, |_, _| true);
    let manifest = d.join("train.csv");
    std::fs::write(
        &manifest,
        "slide_id,path,tissue,mpp\n\
         a,slides/slide.png,slides/tissue.png,0.5\n\
         b,slides/slide.png,,\n",
    )
    .unwrap();
    let slides = read_slide_manifest(&manifest).unwrap();
    assert_eq!(slides.len(), 2);
    assert_eq!(slides[0].slide, sub.join("slide.png"));
    assert_eq!(slides[0].tumor, sub.join("slide.outlines.geojson"));
    assert_eq!(slides[0].tissue, Some(sub.join("tissue.png")));
    assert_eq!(
        (slides[0].mpp, slides[1].mpp, slides[1].tissue.clone()),
        (Some(0.5), None, None)
    );
    assert_eq!(
        AnnotatedSlide::beside(&sub.join("slide.png")).unwrap(),
        slides[1]
    );

    let fails = |text: &str, expected: &[&str]| {
        std::fs::write(&manifest, text).unwrap();
        let err = read_slide_manifest(&manifest).unwrap_err().to_string();
        for e in expected {
            assert!(err.contains(e), "{err} lacks {e}");
        }
    };
    fails(
        "slide\nslides/nope.svs\n",
        &["train.csv", "row 2", "nope.svs", "not found"],
    );
    fails(
        "slide,tumor\nslides/slide.png,gone.geojson\n",
        &["row 2", "gone.geojson"],
    );
    fails(
        "slide,mpp\nslides/slide.png,fast\n",
        &["row 2", "mpp `fast`"],
    );
    fails("name\nx\n", &["no `slide`"]);
    fails("slide\n", &["no slides"]);
    std::fs::remove_file(sub.join("slide.outlines.geojson")).unwrap();
    fails(
        "slide\nslides/slide.png\n",
        &["row 2", "no tumour annotation", "slide.outlines.geojson"],
    );
}

#[test]
fn window_counts_match_a_direct_count() {
    let lattice = Lattice {
        cols: 11,
        rows: 9,
        step: 1.0,
    };
    let cells: Vec<bool> = (0..99).map(|k| (k * 7 + k / 5) % 3 == 0).collect();
    let counts = lattice.window_counts(&cells);
    assert_eq!(counts.len(), 4 * 2);
    for j in 0..2 {
        for i in 0..4 {
            let direct = (0..CELLS)
                .flat_map(|b| (0..CELLS).map(move |a| (a, b)))
                .filter(|&(a, b)| cells[(j + b) * 11 + i + a])
                .count();
            assert_eq!(usize::from(counts[j * 4 + i]), direct);
        }
    }
}
