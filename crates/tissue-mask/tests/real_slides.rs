//! Real files from `scripts/fetch-test-data`: the CMU small-region Aperio SVS (H&E on white
//! glass) and scikit-image's IHC field `data/ihc.png` (DAB + hematoxylin, mostly tissue), plus
//! a huge (8192 x 8192) thumbnail.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use image::{Rgb, RgbImage};
use tissue_mask::{
    CombineRule, MaskSource, OtsuDetector, TissueConfig, TissueDetector, TissueInput, TissueMask,
    TissueMethod,
};
use wsi_io::{Mpp, OpenOptions};

fn external(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/external")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run scripts/fetch-test-data first",
        path.display()
    );
    path
}

/// Detects with the default method (`paper: None`) or the paper's H and S combined by the rule.
fn detect_file(
    name: &str,
    mpp: Option<f64>,
    max_side: u32,
    paper: Option<CombineRule>,
) -> TissueMask {
    let options = mpp
        .map(|m| OpenOptions::with_mpp(Mpp::square(m)))
        .unwrap_or_default();
    let slide = wsi_io::open_with(external(name), &options).unwrap();
    let thumb = slide.thumbnail(max_side).unwrap();
    let downsample = slide.dimensions().0 as f64 / f64::from(thumb.width());
    let detector = OtsuDetector::new(match paper {
        Some(combine) => TissueConfig {
            method: TissueMethod::HueSaturation,
            combine,
            ..TissueConfig::default()
        },
        None => TissueConfig::default(),
    })
    .unwrap();
    let mask = detector
        .detect(&TissueInput {
            thumbnail: &thumb,
            downsample,
            mpp: slide.mpp().unwrap().mean(),
        })
        .unwrap();
    let s = mask.summary();
    eprintln!(
        "{name} ({paper:?}): {}x{} tissue {:.3}, {} pieces, {:.3} mm², source {:?}",
        thumb.width(),
        thumb.height(),
        s.tissue_fraction,
        s.pieces.len(),
        s.tissue_area_mm2,
        s.source
    );
    mask
}

#[test]
fn cmu_small_region_he_on_white_glass() {
    // 2220 x 2967 px at 0.499 µm/px; a bit over a third of the field is tissue (checked by eye
    // on the overlay; see docs/accuracy.md); the closing (50 µm = 34 thumbnail px here) and the
    // hole filling add the loose fringe and the gaps inside.
    let mask = detect_file("cmu_small_region.svs", None, 1024, None);
    let f = mask.tissue_fraction();
    assert!((0.33..0.5).contains(&f), "tissue fraction {f}");
    assert!(mask.summary().control_pieces.is_empty());
    let saturation = detect_file(
        "cmu_small_region.svs",
        None,
        1024,
        Some(CombineRule::SaturationOnly),
    );
    let s = saturation.tissue_fraction();
    assert!(
        (0.33..0.5).contains(&s),
        "paper method: tissue fraction {s}"
    );
    assert!(
        mask.bitmap().iou(saturation.bitmap()) > 0.9,
        "on white glass the glass contrast and the paper's S agree"
    );
    let and = detect_file("cmu_small_region.svs", None, 1024, Some(CombineRule::And));
    assert!(
        (and.tissue_fraction() - s).abs() < 0.05,
        "H&E is one hue family: AND agrees"
    );
}

#[test]
fn skimage_ihc_field_is_mostly_tissue() {
    // A 512 x 512 IHC field (0.5 µm/px assumed): brown epithelium and pale blue stroma fill it
    // but for a white lumen on the left, which the hole filling (0.1 mm²) counts as tissue,
    // as a slide-level mask should.
    let mask = detect_file("ihc.png", Some(0.5), 512, None);
    let f = mask.tissue_fraction();
    assert!(f >= 0.9, "tissue fraction {f}");
    match mask.source() {
        MaskSource::GlassContrast(t) => assert!(t.glass.found, "the lumen is its glass: {t:?}"),
        other => panic!("{other:?}"),
    }
    let paper = detect_file("ihc.png", Some(0.5), 512, Some(CombineRule::SaturationOnly));
    assert!(
        paper.tissue_fraction() >= 0.9,
        "{}",
        paper.tissue_fraction()
    );
    // Before cleanup: pure Otsu on S (67 here) splits strong from weak stain on a field that
    // is all tissue; the clamp of the threshold to at most 40 keeps the paler tissue.
    let img = image::open(external("ihc.png")).unwrap().to_rgb8();
    let raw = |range| {
        let cfg = TissueConfig {
            method: TissueMethod::HueSaturation,
            saturation_threshold_range: range,
            ..TissueConfig::default()
        };
        let (bitmap, source) = OtsuDetector::new(cfg).unwrap().raw_mask(&img).unwrap();
        let MaskSource::Automatic(t) = source else {
            panic!("{source:?}")
        };
        (
            bitmap.count_ones() as f64 / f64::from(img.width() * img.height()),
            t.saturation,
        )
    };
    let (clamped, pure) = (raw([12, 40]), raw([0, 255]));
    eprintln!("ihc.png raw mask: clamped {clamped:?}, pure Otsu {pure:?}");
    assert_eq!(pure.1, 67, "scikit-image's threshold_otsu of this S plane");
    assert!(
        clamped.0 > pure.0 + 0.05,
        "clamped {clamped:?}, pure {pure:?}"
    );
}

#[test]
fn huge_thumbnail_is_handled() {
    let n = 8192;
    let img = RgbImage::from_fn(n, n, |x, y| {
        let (dx, dy) = (f64::from(x) - 3000.0, f64::from(y) - 4000.0);
        if dx.hypot(dy) < 2500.0 || ((7000..7600).contains(&x) && (1000..1600).contains(&y)) {
            Rgb([150, 110 + (x % 7) as u8, 180])
        } else {
            Rgb([240, 240 - (y % 3) as u8, 241])
        }
    });
    let mask = OtsuDetector::default()
        .detect(&TissueInput {
            thumbnail: &img,
            downsample: 8.0,
            mpp: 0.25,
        })
        .unwrap();
    assert_eq!(mask.pieces().len(), 2, "{:?}", mask.source());
    let expected = (std::f64::consts::PI * 2500.0 * 2500.0 + 600.0 * 600.0) / f64::from(n * n);
    assert!((mask.tissue_fraction() - expected).abs() < 0.002);
}
