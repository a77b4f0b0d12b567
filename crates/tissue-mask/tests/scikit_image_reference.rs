//! Otsu thresholds and HSV conversion against scikit-image 0.26 / OpenCV 5 reference values
//! (`fixtures/tissue-mask/otsu_expected.json`, written by `make_otsu_fixture.py` beside it).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use tissue_mask::internals::{HueSaturation, otsu_threshold, rgb_to_hsv};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture() -> Value {
    let path = root().join("fixtures/tissue-mask/otsu_expected.json");
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn hist(v: &Value) -> [u64; 256] {
    let mut h = [0u64; 256];
    for (slot, c) in h.iter_mut().zip(v.as_array().unwrap()) {
        *slot = c.as_u64().unwrap();
    }
    h
}

#[test]
fn otsu_matches_skimage_on_every_case() {
    let f = fixture();
    let cases = f["cases"].as_array().unwrap();
    assert!(cases.len() >= 8);
    for case in cases {
        let expected = case["threshold"].as_u64().unwrap();
        let got = otsu_threshold(&hist(&case["histogram"])).unwrap();
        assert_eq!(u64::from(got), expected, "case {}", case["name"]);
    }
}

#[test]
fn hsv_matches_opencv_pixel_for_pixel() {
    let f = fixture();
    let rows = f["hsv_pixels"].as_array().unwrap();
    assert!(rows.len() > 4000);
    for row in rows {
        let v: Vec<u8> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as u8)
            .collect();
        assert_eq!(
            rgb_to_hsv(v[0], v[1], v[2]),
            [v[3], v[4], v[5]],
            "rgb {:?}",
            &v[..3]
        );
    }
}

#[test]
fn ihc_png_planes_and_thresholds_match() {
    let f = fixture();
    let reference = &f["ihc_png"];
    let path = root().join("fixtures/external/ihc.png");
    assert!(
        path.exists(),
        "{} is missing: run scripts/fetch-test-data first",
        path.display()
    );
    let img = image::open(&path).unwrap().to_rgb8();
    let hs = HueSaturation::from_rgb(&img);
    let sat = hs.saturation_histogram();
    let hue = hs.hue_histogram();
    assert_eq!(sat, hist(&reference["saturation_histogram"]));
    assert_eq!(hue, hist(&reference["hue_histogram"]));
    assert_eq!(
        u64::from(otsu_threshold(&sat).unwrap()),
        reference["saturation_otsu"].as_u64().unwrap()
    );
    assert_eq!(
        u64::from(otsu_threshold(&hue).unwrap()),
        reference["hue_otsu"].as_u64().unwrap()
    );
}
