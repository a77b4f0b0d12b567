//! Checks against scikit-image / SciPy / OpenCV on the real IHC image `ihc.png` (values from
//! `fixtures/stain-features/make_fixtures.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::Value;
use stain_features::internals::{
    Connectivity, grey, hsv_opencv, local_maxima, open, otsu, squared_edt, watershed,
};
use stain_features::{Deconvolver, StainMatrix};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixture(name: &str) -> PathBuf {
    root().join("fixtures/stain-features").join(name)
}

fn json(name: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixture(name)).unwrap()).unwrap()
}

fn ihc() -> image::RgbImage {
    let path = root().join("fixtures/external/ihc.png");
    assert!(
        path.exists(),
        "{} is missing: run scripts/fetch-test-data first (it downloads the scikit-image wheel)",
        path.display()
    );
    image::open(&path).unwrap().to_rgb8()
}

#[test]
fn rgb2hed_matches_skimage_to_1e5() {
    let img = ihc();
    let reference = json("ihc_rgb2hed.json");
    let planes = Deconvolver::new(&StainMatrix::skimage_hed())
        .unwrap()
        .deconvolve(&img);
    for px in reference["pixels"].as_array().unwrap() {
        let (x, y) = (
            px["x"].as_u64().unwrap() as u32,
            px["y"].as_u64().unwrap() as u32,
        );
        let rgb: Vec<u64> = px["rgb"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        assert_eq!(
            img.get_pixel(x, y).0.map(u64::from).to_vec(),
            rgb,
            "pixel {x},{y}"
        );
        let got = planes.pixel(x, y);
        for (s, want) in px["hed"].as_array().unwrap().iter().enumerate() {
            let want = want.as_f64().unwrap();
            assert!(
                (f64::from(got[s]) - want).abs() < 1e-5,
                "{x},{y} stain {s}: {} vs {want}",
                got[s]
            );
        }
    }
    for (s, name) in ["hematoxylin", "eosin", "dab"].iter().enumerate() {
        let c = &reference["channels"][name];
        let v = &planes.planes[s];
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        let std = (v
            .iter()
            .map(|&x| (f64::from(x) - mean).powi(2))
            .sum::<f64>()
            / n)
            .sqrt();
        let min = v.iter().copied().fold(f32::INFINITY, f32::min);
        let max = v.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        for (got, key) in [
            (mean, "mean"),
            (std, "std"),
            (f64::from(min), "min"),
            (f64::from(max), "max"),
        ] {
            let want = c[key].as_f64().unwrap();
            assert!((got - want).abs() < 1e-5, "{name} {key}: {got} vs {want}");
        }
    }
}

#[test]
fn otsu_matches_skimage() {
    let img = ihc();
    let reference = json("ihc_rgb2hed.json");
    let planes = Deconvolver::new(&StainMatrix::skimage_hed())
        .unwrap()
        .deconvolve(&img);
    for (s, name) in [(0, "hematoxylin"), (2, "dab")] {
        let want = reference["otsu"][name].as_f64().unwrap();
        let got = f64::from(otsu(&planes.planes[s]).unwrap());
        // one histogram bin of the channel's range
        let c = &reference["channels"][name];
        let bin = (c["max"].as_f64().unwrap() - c["min"].as_f64().unwrap()) / 256.0;
        assert!(
            (got - want).abs() <= bin * 1.01,
            "{name}: {got} vs {want} (bin {bin})"
        );
    }
}

fn load_mask() -> (Vec<bool>, usize, usize) {
    let m = image::open(fixture("watershed_mask.png"))
        .unwrap()
        .to_luma8();
    let (w, h) = (m.width() as usize, m.height() as usize);
    (m.as_raw().iter().map(|&v| v > 0).collect(), w, h)
}

#[test]
fn threshold_and_opening_reproduce_the_stated_mask() {
    let img = ihc();
    let planes = Deconvolver::new(&StainMatrix::skimage_hed())
        .unwrap()
        .deconvolve(&img);
    let h = &planes.planes[0];
    let t = otsu(h).unwrap();
    let (want, w, hh) = load_mask();
    let got = open(&h.iter().map(|&v| v > t).collect::<Vec<bool>>(), w, hh, 2).unwrap();
    let same = got.iter().zip(&want).filter(|(a, b)| a == b).count();
    assert!(
        same as f64 / want.len() as f64 > 0.999,
        "{same} of {} pixels agree",
        want.len()
    );
}

#[test]
fn watershed_agrees_with_skimage_on_the_same_markers_and_mask() {
    let (mask, w, h) = load_mask();
    let mut markers = vec![0u32; w * h];
    for m in json("watershed_markers.json")["markers"]
        .as_array()
        .unwrap()
    {
        let m: Vec<u64> = m
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap())
            .collect();
        markers[m[0] as usize * w + m[1] as usize] = m[2] as u32;
    }
    let background: Vec<bool> = mask.iter().map(|m| !m).collect();
    let d2 = squared_edt(&background, w, h).unwrap();
    let top = *d2.iter().max().unwrap();
    let levels: Vec<u32> = d2.iter().map(|&d| top - d).collect();
    let got = watershed(&levels, &markers, Some(&mask), w, h, Connectivity::Four).unwrap();
    let want = match image::open(fixture("watershed_labels.png")).unwrap() {
        image::DynamicImage::ImageLuma16(img) => img.into_raw(),
        other => panic!("labels PNG must be 16-bit grey, got {:?}", other.color()),
    };
    let same = got
        .iter()
        .zip(&want)
        .filter(|(a, b)| **a == u32::from(**b))
        .count();
    let in_mask = mask.iter().filter(|&&m| m).count();
    let differ = want.len() - same;
    eprintln!(
        "watershed: {differ} of {} pixels differ ({in_mask} in the mask)",
        want.len()
    );
    assert!(same as f64 / want.len() as f64 >= 0.99);
    assert!(
        (differ as f64) / (in_mask as f64) < 0.01,
        "{differ} of {in_mask} mask pixels differ"
    );

    // our peak detector on the same distance map finds about the same markers
    let ours = local_maxima(&d2, w, h, 5, 4).unwrap();
    let n_ours = ours.iter().filter(|&&m| m > 0).count() as f64;
    let n_ref = markers.iter().filter(|&&m| m > 0).count() as f64;
    assert!(
        (n_ours - n_ref).abs() / n_ref < 0.05,
        "{n_ours} markers vs skimage {n_ref}"
    );
}

#[test]
fn hsv_and_grey_are_bit_identical_to_opencv() {
    for p in json("opencv_hsv.json")["pixels"].as_array().unwrap() {
        let v = |k: &str| -> Vec<u8> {
            p[k].as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap() as u8)
                .collect()
        };
        let rgb = v("rgb");
        let rgb = [rgb[0], rgb[1], rgb[2]];
        assert_eq!(hsv_opencv(rgb).to_vec(), v("hsv"), "{rgb:?}");
        assert_eq!(u64::from(grey(rgb)), p["grey"].as_u64().unwrap(), "{rgb:?}");
    }
}
