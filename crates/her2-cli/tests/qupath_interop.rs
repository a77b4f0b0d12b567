//! QuPath interoperability end to end: what `her2 score` writes follows the rules of QuPath's
//! GeoJSON reader (QuPath itself does not run here, `qupath_geojson::conformance` encodes
//! them), a re-run gives every object the same id, and the readers take the forms QuPath's
//! exports come in (a bare array of features, one feature, gzipped files, derived classes).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::path::Path;

use common::{assert_success, her2, synthetic_slide};
use her2::ihc_synth::Her2Class;
use her2::qupath_geojson::read::read_json;
use her2::qupath_geojson::{PathClass, conformance, read_features};
use serde_json::{Value, json};

fn ids(doc: &Value) -> Vec<String> {
    doc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect()
}

fn score(slide: &Path, out: &Path, extra: &[&str]) {
    let mut args = vec![
        "score",
        slide.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    assert_success(&her2(&args));
}

#[test]
fn score_outputs_are_qupath_objects_with_ids_that_survive_a_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let slide = synthetic_slide(dir.path(), Her2Class::Positive3, 41, false);
    let (first, second) = (dir.path().join("first"), dir.path().join("second"));
    score(&slide, &first, &["--all-tissue"]);
    score(&slide, &second, &["--all-tissue", "--gzip"]);

    for name in ["tumor.geojson", "cells.geojson"] {
        let doc = read_json(&first.join(name)).unwrap();
        assert_eq!(
            conformance::violations(&doc),
            Vec::<String>::new(),
            "{name}"
        );
        let again = read_json(&second.join(format!("{name}.gz"))).unwrap();
        assert!(!ids(&doc).is_empty(), "{name} is empty");
        assert_eq!(ids(&doc), ids(&again), "{name}: a re-run keeps every id");
    }

    // QuPath's counts per intensity class are ours: the report's cells by completeness and
    // intensity (none, faint, weak-moderate, intense) are the cells by class.
    let cells = read_json(&first.join("cells.geojson")).unwrap();
    let features = cells["features"].as_array().unwrap();
    let mut by_class = std::collections::BTreeMap::<String, u64>::new();
    for f in features {
        assert_eq!(f["properties"]["objectType"], "cell");
        let class = PathClass::from_json(&f["properties"]["classification"])
            .unwrap()
            .unwrap();
        assert!(
            class.intensity().is_some(),
            "{class} is not an intensity class"
        );
        *by_class.entry(class.to_string()).or_default() += 1;
        let m = &f["properties"]["measurements"];
        for name in [
            "Nucleus: Area µm^2",
            "Membrane: DAB OD mean",
            "Membrane: completeness",
        ] {
            assert!(m[name].as_f64().is_some(), "{name} missing: {m}");
        }
    }
    let report = read_json(&first.join("report.json")).unwrap();
    let counts = |key: &str, i: usize| report["features"][key][i].as_u64().unwrap();
    let class = |name: &str| by_class.get(name).copied().unwrap_or(0);
    assert_eq!(
        features.len() as u64,
        report["features"]["cells"].as_u64().unwrap()
    );
    assert_eq!(
        class("Negative"),
        counts("cells_complete", 0) + counts("cells_incomplete", 0)
    );
    for (i, grade) in ["1+", "2+", "3+"].iter().enumerate() {
        assert_eq!(
            class(&format!("Complete: {grade}")),
            counts("cells_complete", i + 1)
        );
        assert_eq!(
            class(&format!("Incomplete: {grade}")),
            counts("cells_incomplete", i + 1)
        );
    }
    assert!(class("Complete: 3+") > 0, "a 3+ slide: {by_class:?}");

    // Tumour regions carry what was measured inside them.
    let tumour = read_json(&first.join("tumor.geojson")).unwrap();
    let (mut patches, mut cells_in) = (0.0, 0.0);
    for f in tumour["features"].as_array().unwrap() {
        let m = &f["properties"]["measurements"];
        assert!(m["Area mm^2"].as_f64().unwrap() > 0.0, "{m}");
        patches += m["Analysed patches"].as_f64().unwrap();
        cells_in += m["Cells"].as_f64().unwrap();
    }
    let analysed = report["tumor"]["feature_patches"].as_f64().unwrap();
    assert!(
        patches > 0.0 && patches <= analysed,
        "{patches} of {analysed}"
    );
    assert!(cells_in > 0.0 && cells_in <= features.len() as f64);

    // The cell boundary (geometry) holds the nucleus and the ring around it.
    let boundaries = read_features(&first.join("cells.geojson")).unwrap();
    let nuclei = features.iter().map(|f| {
        let mut doc = f.clone();
        doc["geometry"] = f["nucleusGeometry"].clone();
        read_features(&write_temp(dir.path(), "nucleus.geojson", &doc)).unwrap()
    });
    for (cell, nucleus) in boundaries.iter().zip(nuclei).take(50) {
        let (cell, nucleus) = (&cell.polygons[0], &nucleus[0].polygons[0]);
        assert!(
            cell.area() > 1.5 * nucleus.area(),
            "{} vs {}",
            cell.area(),
            nucleus.area()
        );
        let (x, y) = nucleus.exterior[0];
        assert!(cell.contains(x + 0.5, y + 0.5));
    }
}

fn write_temp(dir: &Path, name: &str, doc: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, doc.to_string()).unwrap();
    path
}

fn gzip(dir: &Path, name: &str, doc: &Value) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut enc = flate2::write::GzEncoder::new(
        std::fs::File::create(&path).unwrap(),
        flate2::Compression::default(),
    );
    enc.write_all(doc.to_string().as_bytes()).unwrap();
    enc.finish().unwrap();
    path
}

#[test]
fn score_reads_the_forms_qupath_exports_come_in() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let slide = synthetic_slide(d, Her2Class::Equivocal2WeakComplete, 43, false);
    let outlines = read_json(&slide.with_extension("outlines.geojson")).unwrap();
    let features = outlines["features"].as_array().unwrap();
    let of_class = |class: &str| -> Vec<Value> {
        features
            .iter()
            .filter(|f| f["properties"]["classification"]["name"] == class)
            .cloned()
            .collect()
    };
    // The tumour as QuPath's scripted export writes it (a bare array of features), with a
    // derived class, gzipped.
    let mut tumours = of_class("Tumor");
    assert!(!tumours.is_empty());
    for t in &mut tumours {
        t["properties"]["classification"] =
            json!({"names": ["Tumor", "Positive"], "color": [200, 0, 0]});
    }
    tumours.push(json!({
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [5, 5]},
        "properties": {"objectType": "annotation", "classification": "Stroma"}
    }));
    let tumour = gzip(d, "tumour.geojson.gz", &Value::Array(tumours));
    // The tissue as one Feature (one object exported) whose geometry is a MultiPolygon of
    // every piece, its class a plain string.
    let pieces: Vec<Value> = of_class("Tissue")
        .iter()
        .map(|f| f["geometry"]["coordinates"].clone())
        .collect();
    let tissue = json!({
        "type": "Feature",
        "id": "0b0e8f3a-5d2c-4a8e-9f1b-2c3d4e5f6a7b",
        "geometry": {"type": "MultiPolygon", "coordinates": pieces},
        "properties": {"objectType": "annotation", "classification": "Tissue"}
    });
    let roi = write_temp(d, "roi.json", &tissue);

    let out = d.join("out");
    score(
        &slide,
        &out,
        &[
            "--tumor-geojson",
            tumour.to_str().unwrap(),
            "--roi",
            roi.to_str().unwrap(),
            "--no-cells",
            "--json",
        ],
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("report.json")).unwrap()).unwrap();
    assert!(
        report["tumor"]["feature_patches"].as_u64().unwrap() > 0,
        "{}",
        report["tumor"]
    );
}
