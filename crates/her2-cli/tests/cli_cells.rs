//! `her2 cells`: outputs on a synthetic slide and a plain PNG tile, agreement with the truth of
//! the region, and clear errors with no outputs on bad input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::{files_in, her2, synthetic_slide};
use her2::ihc_synth::{CellKind, Her2Class, SynthConfig, SyntheticSlide};
use serde_json::Value;

const TILE: u32 = 512;

/// The same slide `synthetic_slide` writes, in memory, and a tile full of tumour cells.
fn tumour_tile(class: Her2Class, seed: u64) -> (SyntheticSlide, u32, u32) {
    let mut cfg = SynthConfig::new(3072, 3072, class, seed);
    cfg.control = false;
    let slide = SyntheticSlide::new(&cfg).unwrap();
    let (w, h) = slide.dimensions();
    let mut best = (0, 0, 0);
    for y in (0..h - TILE).step_by(256) {
        for x in (0..w - TILE).step_by(256) {
            let n = slide
                .cells_in(x, y, TILE, TILE)
                .iter()
                .filter(|c| c.kind == CellKind::Tumour)
                .count();
            if n > best.2 {
                best = (x, y, n);
            }
        }
    }
    assert!(best.2 >= 60, "no tumour tile on the slide: {}", best.2);
    (slide, best.0, best.1)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn slide_region_writes_overlay_geojson_and_features_that_match_the_truth() {
    let dir = tempfile::tempdir().unwrap();
    let svs = synthetic_slide(dir.path(), Her2Class::Positive3, 21, false);
    let (slide, x, y) = tumour_tile(Her2Class::Positive3, 21);
    let out = dir.path().join("cells");
    let region = format!("{x},{y},{TILE},{TILE}");
    let run = her2(&[
        "cells",
        svs.to_str().unwrap(),
        "--region",
        &region,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let mut files = files_in(&out);
    files.sort();
    assert_eq!(files, ["cells.geojson", "cells.png", "features.json"]);

    let overlay = image::open(out.join("cells.png")).unwrap().to_rgb8();
    assert_eq!(overlay.dimensions(), (TILE, TILE));
    let green = overlay.pixels().filter(|p| p.0 == [20, 200, 60]).count();
    let red = overlay.pixels().filter(|p| p.0 == [220, 20, 20]).count();
    assert!(
        green > 0 && red > 0,
        "complete rings {green}, intense outlines {red}"
    );

    let features = read_json(&out.join("features.json"));
    let f = &features["features"];
    let count = f["cell_count"].as_u64().unwrap();
    let truth = slide.cells_in(x, y, TILE, TILE).len() as f64;
    let rel = (count as f64 - truth).abs() / truth;
    assert!(rel <= 0.15, "{count} cells found, {truth} in the truth");
    assert!(f["positive_cells"].as_u64().unwrap() > count / 2, "{f}");
    assert!(f["complete_membrane_cells"].as_u64().unwrap() > 0, "{f}");
    assert_eq!(features["region"]["x"], u64::from(x));
    assert_eq!(features["matrix"]["name"], "skimage-hed");
    assert!(features["stain_estimate"].is_null());

    let geojson = read_json(&out.join("cells.geojson"));
    assert_eq!(
        her2::qupath_geojson::conformance::violations(&geojson),
        Vec::<String>::new(),
        "QuPath reads every cell"
    );
    let cells = geojson["features"].as_array().unwrap();
    assert_eq!(cells.len() as u64, count);
    for cell in cells {
        assert_eq!(cell["properties"]["objectType"], "cell");
        for geometry in ["geometry", "nucleusGeometry"] {
            let ring = cell[geometry]["coordinates"][0].as_array().unwrap();
            assert_eq!(ring.first(), ring.last());
            for p in ring {
                let (px, py) = (p[0].as_f64().unwrap(), p[1].as_f64().unwrap());
                assert!(px >= f64::from(x) && px <= f64::from(x + TILE), "{px}");
                assert!(py >= f64::from(y) && py <= f64::from(y + TILE), "{py}");
            }
        }
        let m = &cell["properties"]["measurements"];
        assert!(m["Membrane: completeness"].as_f64().is_some());
    }

    // The same region with the stain vectors estimated: the report says which were used.
    let out2 = dir.path().join("estimated");
    let run = her2(&[
        "cells",
        svs.to_str().unwrap(),
        "--region",
        &region,
        "--estimate-stains",
        "--out",
        out2.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let est = read_json(&out2.join("features.json"));
    let source = est["stain_estimate"]["dab"]["source"].as_str().unwrap();
    assert!(source == "estimated" || source == "default", "{source}");
    assert_eq!(est["config"]["stain_estimation"]["enabled"], true);
}

#[test]
fn plain_png_needs_mpp_and_is_analysed_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (slide, x, y) = tumour_tile(Her2Class::Equivocal2WeakComplete, 5);
    let png = dir.path().join("tile.png");
    slide.render_region(x, y, TILE, TILE).save(&png).unwrap();
    let out = dir.path().join("out");

    let run = her2(&[
        "cells",
        png.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    let err = stderr(&run);
    assert!(err.contains("--mpp") && err.contains("tile.png"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(files_in(&out).is_empty());

    let run = her2(&[
        "cells",
        png.to_str().unwrap(),
        "--mpp",
        "0.5",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", stderr(&run));
    let features = read_json(&out.join("features.json"));
    assert_eq!(features["features"]["width"], TILE);
    assert!(features["features"]["cell_count"].as_u64().unwrap() > 30);
    assert!(String::from_utf8_lossy(&run.stdout).contains("cells"));
}

#[test]
fn bad_input_fails_with_one_line_and_no_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("small.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([230, 230, 230]))
        .save(&png)
        .unwrap();
    let not_image = dir.path().join("notes.png");
    std::fs::write(&not_image, "not an image").unwrap();
    let config = dir.path().join("bad.json");
    std::fs::write(
        &config,
        r#"{"classes": {"faint": 0.5, "weak_moderate": 0.1}}"#,
    )
    .unwrap();
    let out = dir.path().join("out");
    let o = out.to_str().unwrap();
    let p = png.to_str().unwrap();
    let missing = dir.path().join("missing.svs");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["cells", missing.to_str().unwrap(), "--out", o],
            "missing.svs",
        ),
        (
            vec![
                "cells",
                not_image.to_str().unwrap(),
                "--mpp",
                "0.5",
                "--out",
                o,
            ],
            "notes.png",
        ),
        (
            vec![
                "cells",
                p,
                "--mpp",
                "0.5",
                "--region",
                "32,32,64,64",
                "--out",
                o,
            ],
            "outside",
        ),
        (vec!["cells", p, "--mpp", "0", "--out", o], "--mpp"),
        (
            vec!["cells", p, "--mpp", "0.5", "--region", "1,2,3", "--out", o],
            "four numbers",
        ),
        (
            vec![
                "cells",
                p,
                "--mpp",
                "0.5",
                "--config",
                config.to_str().unwrap(),
                "--out",
                o,
            ],
            "faint",
        ),
    ];
    for (args, needle) in cases {
        let run = her2(&args);
        let err = stderr(&run);
        assert!(!run.status.success(), "{args:?} succeeded");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(
            files_in(&out).is_empty(),
            "{args:?} left {:?}",
            files_in(&out)
        );
    }
}
