//! Whole-slide inference on a real in-memory slide (`wsi_io::ImageSlide`): tissue filtering,
//! batching and streaming give the same probabilities as classifying patches one by one,
//! on the folded CPU path and on burn's alike, and the annotation / all-tissue models produce
//! the expected masks; the partial cells of the right and bottom edges are classified too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{Rgb, RgbImage};
use tumor_classifier::{
    AllTissueTumor, AnnotatedTumor, Arch, Bitmap, ComputeDevice, CpuKernel, InferenceConfig,
    MaskConfig, ModelSpec, PatchInput, Rect, ResNetConfig, ResNetTumorModel, TumorAnnotation,
    TumorModel, classify_slide,
};
use wsi_io::{ImageSlide, Mpp, OpenOptions, PatchGrid, PatchGridConfig, Slide, read_patch};

/// 512 x 256 px at 0.5 um/px: left half textured pink-brown tissue, right half white glass.
fn slide() -> ImageSlide {
    let img = RgbImage::from_fn(512, 256, |x, y| {
        if x < 256 {
            Rgb([
                180 + (x % 7) as u8 * 5,
                110 + (y % 11) as u8 * 4,
                120 + ((x + y) % 5) as u8 * 6,
            ])
        } else {
            Rgb([250, 250, 250])
        }
    });
    ImageSlide::from_rgb(
        "synthetic.png",
        img,
        "png",
        &OpenOptions::with_mpp(Mpp::square(0.5)),
    )
    .unwrap()
}

fn is_tissue_for(s: &ImageSlide) -> impl Fn(Rect) -> bool + Sync + '_ {
    move |r: Rect| {
        let img = s
            .read_region(r.x as i64, r.y as i64, 0, r.w as u32, r.h as u32)
            .unwrap();
        let mean: f64 = img.pixels().map(|p| f64::from(p[1])).sum::<f64>()
            / f64::from(img.width() * img.height());
        mean < 220.0
    }
}

fn resnet() -> ResNetTumorModel {
    let spec = ModelSpec {
        resnet: ResNetConfig::new(Arch::ResNet18, 0.0625),
        patch_size: 64,
        ..ModelSpec::default()
    };
    ResNetTumorModel::untrained(spec, ComputeDevice::Cpu).unwrap()
}

#[test]
fn streamed_batches_equal_one_by_one_classification() {
    let s = slide();
    let model = resnet();
    let is_tissue = is_tissue_for(&s);
    let config = InferenceConfig {
        batch_size: 3,
        ..InferenceConfig::default()
    };
    let map = classify_slide(&s, &model, &is_tissue, &config).unwrap();
    assert_eq!(
        (map.geometry.cols, map.geometry.rows, map.geometry.cell_size),
        (8, 4, 64)
    );
    assert_eq!(map.classified_cells(), 16, "only the left half is tissue");
    assert!(map.get(5, 1).is_none());

    let grid = PatchGrid::new(
        &s,
        None,
        &PatchGridConfig {
            patch_px: 64,
            ..PatchGridConfig::default()
        },
    )
    .unwrap();
    for (col, row) in [(0, 0), (3, 2), (1, 3)] {
        let patch = grid.patch(col, row).unwrap();
        let pixels = read_patch(&s, &patch).unwrap();
        let alone = model
            .predict(&[PatchInput::new(patch.rect, &pixels)])
            .unwrap()[0];
        let streamed = map.get(col, row).unwrap();
        assert!((alone - streamed).abs() < 1e-5, "{alone} vs {streamed}");
    }
}

#[test]
fn folded_and_burn_paths_give_the_same_tumour_map() {
    let s = slide();
    let is_tissue = is_tissue_for(&s);
    let config = InferenceConfig::default();
    let folded = resnet();
    assert_eq!(folded.cpu_kernel(), CpuKernel::Folded);
    let burn = folded.clone().with_cpu_kernel(CpuKernel::Burn).unwrap();
    let a = classify_slide(&s, &folded, &is_tissue, &config).unwrap();
    let b = classify_slide(&s, &burn, &is_tissue, &config).unwrap();
    assert_eq!(a.probabilities.len(), b.probabilities.len());
    for (x, y) in a.probabilities.iter().zip(&b.probabilities) {
        match (x, y) {
            (Some(x), Some(y)) => assert!((x - y).abs() < 1e-5, "folded {x} vs burn {y}"),
            (None, None) => {}
            _ => panic!("folded and burn classify different cells"),
        }
    }
}

#[test]
fn annotation_and_all_tissue_models_give_their_masks() {
    let s = slide();
    let is_tissue = is_tissue_for(&s);
    let config = InferenceConfig::default();
    let all = AllTissueTumor {
        patch_size: 64,
        mpp: 0.5,
    };
    let map = classify_slide(&s, &all, &is_tissue, &config).unwrap();
    let mask = map.tumor_mask(&MaskConfig::default());
    assert_eq!(mask.tumor_cells(), 16);
    assert_eq!(mask.fraction(Rect::new(0, 0, 512, 256)), 0.5);

    // Tumour annotated in the top-left 128 x 128 only.
    let mut bits = vec![false; 8 * 4];
    for (i, b) in bits.iter_mut().enumerate() {
        *b = i % 8 < 2 && i / 8 < 2;
    }
    let mut annotated = AnnotatedTumor::new(
        TumorAnnotation::Mask(Bitmap::new(8, 4, 64.0, bits).unwrap()),
        "mask",
    );
    annotated.patch_size = 64;
    let map = classify_slide(&s, &annotated, &is_tissue, &config).unwrap();
    let mask = map.tumor_mask(&MaskConfig::default());
    assert_eq!(mask.tumor_cells(), 4);
    assert!(mask.is_tumor(1, 1) && !mask.is_tumor(2, 1));
}

#[test]
fn a_slide_without_resolution_is_a_clear_error() {
    let img = RgbImage::new(256, 256);
    let s = ImageSlide::from_rgb("nompp.png", img, "png", &OpenOptions::default()).unwrap();
    let err = classify_slide(
        &s,
        &AllTissueTumor::default(),
        &|_| true,
        &InferenceConfig::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("nompp.png"), "{err}");
}

#[test]
fn the_partial_cells_of_the_right_and_bottom_edges_are_classified() {
    // 300 x 200 px: 64 px cells fit 4 times across and 3 times down; the last column
    // (44 px) and row (8 px) are partial and still classified.
    let s = ImageSlide::from_rgb(
        "edges.png",
        RgbImage::from_pixel(300, 200, Rgb([180, 110, 120])),
        "png",
        &OpenOptions::with_mpp(Mpp::square(0.5)),
    )
    .unwrap();
    let all = AllTissueTumor {
        patch_size: 64,
        mpp: 0.5,
    };
    let map = classify_slide(&s, &all, &|_| true, &InferenceConfig::default()).unwrap();
    assert_eq!((map.geometry.cols, map.geometry.rows), (5, 4));
    assert_eq!(map.classified_cells(), 20);
    assert_eq!(map.get(4, 3), Some(1.0));
}
