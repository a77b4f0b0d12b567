//! The `.svs` and truth files: OpenSlide opens the slide with the right MPP and levels, its
//! pixels are the rendered ones, the cells CSV lists every cell, the truth JSON reads back,
//! and the same seed gives the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use ihc_synth::{
    Her2Class, SlideFiles, SynthConfig, SyntheticSlide, TruthFile, generate_slide_files,
};

fn config() -> SynthConfig {
    SynthConfig {
        jpeg_quality: 90,
        ..SynthConfig::new(2048, 1536, Her2Class::Equivocal2WeakComplete, 11)
    }
}

fn generate(dir: &Path) -> SlideFiles {
    let files = SlideFiles::new(dir, "slide");
    generate_slide_files(&config(), &files).unwrap();
    files
}

#[test]
fn openslide_reads_the_svs_with_mpp_levels_and_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path());
    let slide = wsi_io::open(&files.svs).unwrap();
    assert_eq!(slide.vendor().as_deref(), Some("aperio"));
    assert_eq!(slide.dimensions(), (2048, 1536));
    let mpp = slide.mpp().expect("MPP written");
    assert!((mpp.x - 0.5).abs() < 1e-9 && (mpp.y - 0.5).abs() < 1e-9);
    assert_eq!(slide.objective_power(), Some(20.0));
    assert_eq!(slide.level_count(), 2);
    assert_eq!(slide.level_dimensions(1), Some((1024, 768)));

    let synthetic = SyntheticSlide::new(&config()).unwrap();
    let truth_tile = synthetic.render_region(700, 500, 256, 256);
    let read = slide.read_region(700, 500, 0, 256, 256).unwrap();
    let mean_abs: f64 = truth_tile
        .as_raw()
        .iter()
        .zip(read.as_raw())
        .map(|(a, b)| (*a as f64 - *b as f64).abs())
        .sum::<f64>()
        / truth_tile.as_raw().len() as f64;
    assert!(
        mean_abs < 3.0,
        "JPEG tile differs from the render by {mean_abs} on average"
    );
}

#[test]
fn truth_files_are_complete_and_consistent() {
    let dir = tempfile::tempdir().unwrap();
    let files = generate(dir.path());
    let record: TruthFile =
        serde_json::from_slice(&std::fs::read(&files.truth_json).unwrap()).unwrap();
    assert_eq!(record.truth.class, Her2Class::Equivocal2WeakComplete);
    assert_eq!(
        record.truth.guideline_class,
        Her2Class::Equivocal2WeakComplete
    );
    assert_eq!(record.mask_downsample, 16.0);

    let csv = std::fs::read_to_string(&files.cells_csv).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some(ihc_synth::CELLS_CSV_HEADER));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let synthetic = SyntheticSlide::new(&config()).unwrap();
    assert_eq!(rows.len(), synthetic.cells_in(0, 0, 2048, 1536).len());
    let tumour_rows = rows.iter().filter(|r| r[4] == "tumour").count() as u64;
    assert_eq!(tumour_rows, record.truth.cells.tumour_cells);
    let ids: std::collections::HashSet<&str> = rows.iter().map(|r| r[0]).collect();
    assert_eq!(ids.len(), rows.len(), "cell ids are unique");

    let mask = image::open(&files.tissue_mask).unwrap().to_luma8();
    assert_eq!(mask.dimensions(), (128, 96));
    assert_eq!(mask, synthetic.tissue_mask(16.0));
    let tumour = image::open(&files.tumor_mask).unwrap().to_luma8();
    assert!(
        tumour
            .pixels()
            .zip(mask.pixels())
            .all(|(t, m)| t.0[0] == 0 || m.0[0] == 255),
        "tumour lies in tissue"
    );
    let geo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&files.outlines).unwrap()).unwrap();
    let names: Vec<&str> = geo["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["properties"]["classification"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Tissue") && names.contains(&"Tumor") && names.contains(&"Control"));
    assert_eq!(
        qupath_geojson::conformance::violations(&geo),
        Vec::<String>::new(),
        "QuPath reads the outlines whole"
    );
}

#[test]
fn same_seed_same_bytes() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (fa, fb) = (generate(a.path()), generate(b.path()));
    for (pa, pb) in [
        (&fa.svs, &fb.svs),
        (&fa.cells_csv, &fb.cells_csv),
        (&fa.truth_json, &fb.truth_json),
        (&fa.tissue_mask, &fb.tissue_mask),
        (&fa.outlines, &fb.outlines),
    ] {
        assert!(
            std::fs::read(pa).unwrap() == std::fs::read(pb).unwrap(),
            "{} differs",
            pa.display()
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(a.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn openslide_reads_a_40x_slide_with_three_levels() {
    let cfg = SynthConfig {
        mpp: 0.25,
        control: false,
        ..SynthConfig::new(2600, 2200, Her2Class::Positive3, 5)
    };
    let dir = tempfile::tempdir().unwrap();
    let files = SlideFiles::new(dir.path(), "x40");
    let truth = generate_slide_files(&cfg, &files).unwrap();
    assert!(!truth.control_present);
    let slide = wsi_io::open(&files.svs).unwrap();
    let mpp = slide.mpp().expect("MPP written");
    assert!((mpp.x - 0.25).abs() < 1e-9 && (mpp.y - 0.25).abs() < 1e-9);
    assert_eq!(slide.objective_power(), Some(40.0));
    // Levels halve until the longer side is at most 1024 px.
    assert_eq!(slide.level_count(), 3);
    assert_eq!(slide.level_dimensions(1), Some((1300, 1100)));
    assert_eq!(slide.level_dimensions(2), Some((650, 550)));
    let tile = slide.read_region(1000, 1000, 2, 64, 64).unwrap();
    assert_eq!(tile.dimensions(), (64, 64));
}
