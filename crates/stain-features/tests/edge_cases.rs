//! Degenerate inputs: blank, fully brown, tiny and 1-pixel patches, pure black and white; bad
//! mpp and configurations give clear errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{Rgb, RgbImage};
use stain_features::{PatchFeatures, StainAnalyzer, StainConfig, StainError, StainMatrix};

fn analyze(img: &RgbImage) -> PatchFeatures {
    let (f, cells) = StainAnalyzer::new(StainConfig::default())
        .unwrap()
        .analyze_with_cells(img, 0.5)
        .unwrap();
    assert_eq!(f.cell_count as usize, cells.len());
    assert_eq!(f.class_counts.total(), f.cell_count);
    for v in [f.staining_intensity, f.stained_fraction, f.mean_dab_od] {
        assert!(v.is_finite() && v >= 0.0, "{f:?}");
    }
    for c in &cells {
        assert!(
            c.ring_coverage.is_finite()
                && c.membrane_dab_od.is_finite()
                && c.ring_mean_dab_od.is_finite()
        );
    }
    f
}

#[test]
fn blank_white_and_black_patches() {
    for v in [255u8, 245, 0] {
        let f = analyze(&RgbImage::from_pixel(512, 512, Rgb([v, v, v])));
        assert_eq!(f.cell_count, 0, "grey {v}");
        assert_eq!(f.brown_pixels, 0, "grey {v}");
        assert_eq!(f.staining_intensity, 0.0);
    }
}

#[test]
fn fully_brown_patch_is_all_stain_and_no_cells() {
    let f = analyze(&RgbImage::from_pixel(256, 256, Rgb([150, 100, 60])));
    assert_eq!(f.brown_pixels, 256 * 256);
    assert_eq!(f.stained_fraction, 1.0);
    assert!(f.staining_intensity > 0.5);
    assert!(f.mean_dab_od > 0.3, "{}", f.mean_dab_od);
    assert_eq!(f.cell_count, 0);
}

#[test]
fn tiny_and_one_pixel_patches() {
    for (w, h) in [(1, 1), (1, 7), (7, 1), (3, 3)] {
        let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 40) as u8, 90, (y * 30) as u8]));
        let f = analyze(&img);
        assert_eq!((f.width, f.height), (w, h));
    }
}

#[test]
fn bad_inputs_are_errors_not_panics() {
    let a = StainAnalyzer::new(StainConfig::default()).unwrap();
    let img = RgbImage::new(4, 4);
    for mpp in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = a.analyze(&img, mpp).unwrap_err();
        assert!(err.to_string().contains("mpp"), "{err}");
    }
    assert!(matches!(
        a.analyze(&RgbImage::new(0, 5), 0.5),
        Err(StainError::EmptyImage {
            width: 0,
            height: 5
        })
    ));
    let cfg = StainConfig {
        matrix: StainMatrix::from_h_dab([0.65, 0.70, 0.29], [0.65, 0.70, 0.29]),
        ..StainConfig::default()
    };
    assert!(
        StainAnalyzer::new(cfg)
            .unwrap_err()
            .to_string()
            .contains("invalid stain matrix")
    );
    let mut cfg = StainConfig::default();
    cfg.classes.weak_moderate = 2.0;
    assert!(
        StainAnalyzer::new(cfg)
            .unwrap_err()
            .to_string()
            .contains("classes")
    );
}

#[test]
fn results_do_not_depend_on_the_thread_count() {
    let img = RgbImage::from_fn(300, 200, |x, y| {
        let r2 = (x as i32 % 40 - 20).pow(2) + (y as i32 % 40 - 20).pow(2);
        if r2 < 50 {
            Rgb([90, 90, 160])
        } else if r2 < 200 {
            Rgb([160, 110, 70])
        } else {
            Rgb([230, 228, 226])
        }
    });
    let a = StainAnalyzer::new(StainConfig::default()).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut f1 = one.install(|| a.analyze(&img, 0.5).unwrap());
    let mut f2 = a.analyze(&img, 0.5).unwrap();
    f1.timings = Default::default();
    f2.timings = Default::default();
    assert_eq!(f1, f2);
    assert!(f1.cell_count > 10);
}
