//! The whole slide is analysed (tumour in the last, partial strip of the feature grid) and a
//! user's tumour annotation is the tumour (nests smaller than one classifier grid cell, as
//! GeoJSON polygons and as a mask image; an annotation off the tissue is a clear error).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;

use her2::ihc_synth::{CellKind, CellTruth, Her2Class, SynthConfig, SyntheticSlide};
use her2::tumor_classifier::{AllTissueTumor, AnnotatedTumor, TumorModel};
use her2::{Her2Error, PipelineBuilder, PipelineConfig, SlideAnalysis, SlideRequest};
use image::{Rgb, RgbImage};

const MPP: f64 = 0.5;

/// Scores `image` (saved as a PNG at 0.5 um/px) with `model` as the tumour, keeping the cells.
fn run(image: &RgbImage, model: Arc<dyn TumorModel>) -> her2::Result<SlideAnalysis> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("slide.png");
    image.save(&path).unwrap();
    let pipeline = PipelineBuilder::new(PipelineConfig::default())
        .tumor_model(model)
        .build()
        .unwrap();
    let request = SlideRequest {
        mpp: Some(MPP),
        keep_cells: true,
        ..SlideRequest::default()
    };
    pipeline.run(&path, &request)
}

fn patient_tumour(cells: Vec<CellTruth>) -> Vec<CellTruth> {
    cells
        .into_iter()
        .filter(|c| c.kind == CellKind::Tumour)
        .collect()
}

#[test]
fn tumour_only_in_the_last_partial_strip_is_analysed() {
    // A 2300 x 1536 px image at 0.5 um/px: 512 px feature patches fit 4 times across
    // (2048 px), and the last 252 px strip holds the only tissue, cut from a synthetic 3+
    // slide where it has the most tumour cells.
    let synth =
        SyntheticSlide::new(&SynthConfig::new(3072, 2048, Her2Class::Positive3, 5)).unwrap();
    let (strip_w, strip_h) = (252, 1536);
    let x0 = (0..3072 - strip_w)
        .step_by(64)
        .max_by_key(|&x| patient_tumour(synth.cells_in(x, 0, strip_w, strip_h)).len())
        .unwrap();
    let truth = patient_tumour(synth.cells_in(x0, 0, strip_w, strip_h));
    assert!(
        truth.len() > 50,
        "{} tumour cells in the strip",
        truth.len()
    );
    let mut image = RgbImage::from_pixel(2300, strip_h, Rgb([242, 242, 242]));
    image::imageops::replace(
        &mut image,
        &synth.render_region(x0, 0, strip_w, strip_h),
        2048,
        0,
    );
    let analysis = run(&image, Arc::new(AllTissueTumor::default())).unwrap();
    let cells = analysis.report.features.cells;
    eprintln!(
        "strip at x {x0}: {} true tumour cells, {cells} cells counted in {} patches",
        truth.len(),
        analysis.patches.len()
    );
    assert!(!analysis.patches.is_empty());
    for patch in &analysis.patches {
        assert_eq!(patch.rect.x, 2048, "only the last column has tissue");
        assert_eq!(
            patch.rect.w, 252,
            "the patch is cut to the slide: {:?}",
            patch.rect
        );
        assert_eq!(patch.features.width, 252, "features of the slide part only");
    }
    assert!(cells as usize > truth.len() / 2, "{cells} cells");
    assert!(analysis.cells.iter().all(|c| c.centroid[0] >= 2048.0));
}

/// A 2048 px synthetic 3+ slide (0.5 um/px) and `count` square nests of `side` px, each
/// centred on a patient tumour cell, at least 200 px apart.
fn slide_and_nests(count: usize, side: f64) -> (SyntheticSlide, RgbImage, Vec<[f64; 2]>) {
    let synth =
        SyntheticSlide::new(&SynthConfig::new(2048, 2048, Her2Class::Positive3, 3)).unwrap();
    let image = synth.render_region(0, 0, 2048, 2048);
    let mut centres: Vec<[f64; 2]> = Vec::new();
    for c in patient_tumour(synth.cells_in(0, 0, 2048, 2048)) {
        if centres.len() < count
            && centres
                .iter()
                .all(|&[x, y]| (x - c.x).hypot(y - c.y) > 200.0)
            && c.x > side
            && c.y > side
        {
            centres.push([c.x, c.y]);
        }
    }
    assert_eq!(centres.len(), count, "not enough spread tumour cells");
    let corners = centres
        .iter()
        .map(|&[x, y]| [x - side / 2.0, y - side / 2.0])
        .collect();
    (synth, image, corners)
}

fn in_nests(nests: &[[f64; 2]], side: f64, [x, y]: [f64; 2]) -> bool {
    nests
        .iter()
        .any(|&[nx, ny]| (nx..nx + side).contains(&x) && (ny..ny + side).contains(&y))
}

fn write_geojson(path: &Path, nests: &[[f64; 2]], side: f64) {
    let features: Vec<serde_json::Value> = nests
        .iter()
        .map(|&[x, y]| {
            let ring = [
                [x, y],
                [x + side, y],
                [x + side, y + side],
                [x, y + side],
                [x, y],
            ];
            serde_json::json!({
                "type": "Feature",
                "properties": {"classification": {"name": "Tumor"}},
                "geometry": {"type": "Polygon", "coordinates": [ring]}
            })
        })
        .collect();
    let doc = serde_json::json!({"type": "FeatureCollection", "features": features});
    std::fs::write(path, doc.to_string()).unwrap();
}

/// Checks an analysis against the nests: tumour found, every counted cell inside a nest, and
/// about as many cells as the truth has there.
fn assert_counts_the_nests(analysis: &SlideAnalysis, truth: usize, nests: &[[f64; 2]], side: f64) {
    let counted = analysis.report.features.cells;
    let classified = analysis.report.tumor.tumor_patches;
    eprintln!(
        "{} nests: {truth} true tumour cells inside, {counted} cells counted in {} patches \
         (the 256 px classifier grid has {classified} tumour cells)",
        nests.len(),
        analysis.patches.len()
    );
    assert!(counted > 0);
    assert!(
        analysis
            .cells
            .iter()
            .all(|c| in_nests(nests, side, c.centroid)),
        "a counted cell lies outside every nest"
    );
    assert_eq!(analysis.cells.len() as u64, counted);
    assert!(
        (counted as usize) * 2 >= truth && (counted as usize) <= 2 * truth + 5,
        "{counted} counted for {truth} true cells"
    );
}

#[test]
fn nests_smaller_than_a_grid_cell_are_the_tumour() {
    // 10 nests of 80 px (40 um): under 10% of any 256 px classifier cell, so the grid alone
    // finds no tumour cell (each cell's coverage < 0.5).
    let side = 80.0;
    let (synth, image, nests) = slide_and_nests(10, side);
    let truth = patient_tumour(synth.cells_in(0, 0, 2048, 2048))
        .iter()
        .filter(|c| in_nests(&nests, side, [c.x, c.y]))
        .count();
    let dir = tempfile::tempdir().unwrap();
    let geojson = dir.path().join("nests.geojson");
    write_geojson(&geojson, &nests, side);
    let analysis = run(
        &image,
        Arc::new(AnnotatedTumor::from_geojson(&geojson).unwrap()),
    )
    .unwrap();
    assert_eq!(
        analysis.report.tumor.tumor_patches, 0,
        "the grid misses the nests"
    );
    assert_counts_the_nests(&analysis, truth, &nests, side);

    // The same nests as a mask image at downsample 4.
    let mask = image::GrayImage::from_fn(512, 512, |x, y| {
        let centre = [(f64::from(x) + 0.5) * 4.0, (f64::from(y) + 0.5) * 4.0];
        image::Luma([if in_nests(&nests, side, centre) {
            255
        } else {
            0
        }])
    });
    let mask_path = dir.path().join("nests.png");
    mask.save(&mask_path).unwrap();
    let from_mask = run(
        &image,
        Arc::new(AnnotatedTumor::from_mask_image(&mask_path, 4.0).unwrap()),
    )
    .unwrap();
    assert_counts_the_nests(&from_mask, truth, &nests, side);
}

#[test]
fn an_annotation_off_the_tissue_is_a_clear_error() {
    let (synth, image, _) = slide_and_nests(1, 80.0);
    // A 100 px square of glass: no tissue within 200 px of it.
    let glass = (100..1900)
        .step_by(50)
        .flat_map(|y| (100..1900).step_by(50).map(move |x| (x, y)))
        .find(|&(x, y)| {
            (-2..=2).all(|j| {
                (-2..=2)
                    .all(|i| !synth.is_tissue_at(f64::from(x + i * 100), f64::from(y + j * 100)))
            })
        })
        .expect("some glass");
    let dir = tempfile::tempdir().unwrap();
    let geojson = dir.path().join("glass.geojson");
    write_geojson(&geojson, &[[f64::from(glass.0), f64::from(glass.1)]], 100.0);
    let err = run(
        &image,
        Arc::new(AnnotatedTumor::from_geojson(&geojson).unwrap()),
    )
    .unwrap_err();
    assert!(
        matches!(err, Her2Error::AnnotationOffTissue { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("covers no scored tissue"), "{err}");
}
