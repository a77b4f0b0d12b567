//! The image backend and patch grids on real images (scikit-image's IHC field, OpenSlide's
//! boxes) and on a real 20x Aperio slide.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::external;
use wsi_io::{
    ImageSlide, Mpp, OpenOptions, PatchGrid, PatchGridConfig, Rect, Slide, WsiError, open,
    open_with, read_patch, resize_rgb,
};

#[test]
fn ihc_png_opens_as_an_image_slide() {
    let slide = ImageSlide::open(external("ihc.png"), None).unwrap();
    assert_eq!(slide.dimensions(), (512, 512));
    assert_eq!(slide.level_count(), 1);
    assert_eq!(slide.vendor().as_deref(), Some("image"));
    assert_eq!(slide.mpp(), None);
    assert_eq!(slide.properties()["image.format"], "png");
    let full = slide.read_region(0, 0, 0, 512, 512).unwrap();
    assert_eq!(&full, slide.image());
    // The same through open(): chosen by content.
    let via_open = open(external("ihc.png")).unwrap();
    assert!(
        via_open.read_region(100, 200, 0, 32, 32).unwrap()
            == slide.read_region(100, 200, 0, 32, 32).unwrap()
    );
}

#[test]
fn boxes_png_has_the_pixels_of_boxes_tiff_level0() {
    let png = open(external("boxes.png")).unwrap();
    let tiff = open(external("boxes.tiff")).unwrap();
    assert_eq!(png.vendor().as_deref(), Some("image"));
    assert_eq!(tiff.vendor().as_deref(), Some("generic-tiff"));
    assert!(
        png.read_region(0, 0, 0, 300, 250).unwrap() == tiff.read_region(0, 0, 0, 300, 250).unwrap()
    );
}

#[test]
fn a_20x_image_patches_are_plain_crops() {
    let slide = open_with(
        external("ihc.png"),
        &OpenOptions::with_mpp(Mpp::square(0.5)),
    )
    .unwrap();
    let grid = PatchGrid::new(slide.as_ref(), None, &PatchGridConfig::default()).unwrap();
    assert_eq!(
        (
            grid.cols(),
            grid.rows(),
            grid.level(),
            grid.patch_level0_px()
        ),
        (2, 2, 0, 256)
    );
    let patch = grid.patch(1, 1).unwrap();
    assert_eq!(patch.rect, Rect::new(256, 256, 256, 256));
    let read = read_patch(slide.as_ref(), &patch).unwrap();
    assert!(read == slide.read_region(256, 256, 0, 256, 256).unwrap());
}

#[test]
fn a_40x_image_patch_covers_twice_the_area_at_the_target_size() {
    let slide = open_with(
        external("ihc.png"),
        &OpenOptions::with_mpp(Mpp::square(0.25)),
    )
    .unwrap();
    let grid = PatchGrid::new(slide.as_ref(), None, &PatchGridConfig::default()).unwrap();
    assert_eq!(
        (grid.cols(), grid.rows(), grid.patch_level0_px()),
        (1, 1, 512)
    );
    let patch = grid.patch(0, 0).unwrap();
    assert_eq!((patch.read_px, patch.out_px), (512, 256));
    let read = read_patch(slide.as_ref(), &patch).unwrap();
    assert_eq!(read.dimensions(), (256, 256));
    let expected = resize_rgb(slide.read_region(0, 0, 0, 512, 512).unwrap(), 256, 256).unwrap();
    assert!(read == expected);
}

#[test]
fn an_image_without_mpp_needs_the_callers() {
    let slide = open(external("ihc.png")).unwrap();
    let err = PatchGrid::new(slide.as_ref(), None, &PatchGridConfig::default()).unwrap_err();
    assert!(matches!(err, WsiError::MissingMpp { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("ihc.png") && text.contains("--mpp"), "{text}");
}

#[test]
fn patch_grid_on_a_real_20x_aperio_slide() {
    let slide = open(external("cmu_small_region.svs")).unwrap();
    // 0.499 µm/px is within 5% of 0.5: read 256 px at level 0 with no resize.
    let grid = PatchGrid::new(slide.as_ref(), None, &PatchGridConfig::default()).unwrap();
    assert_eq!(
        (
            grid.cols(),
            grid.rows(),
            grid.level(),
            grid.patch_level0_px()
        ),
        (8, 11, 0, 256)
    );
    assert!((grid.effective_mpp() - 0.499).abs() < 1e-9);
    let p = grid.patch_at(8 * 3 + 2).unwrap();
    assert_eq!((p.col, p.row), (2, 3));
    assert!(
        read_patch(slide.as_ref(), &p).unwrap()
            == slide.read_region(512, 768, 0, 256, 256).unwrap()
    );
    // At 1 µm/px (10x) the same slide gives 512 level-0 px per patch, resized 2x down.
    let tenx = PatchGridConfig {
        target_mpp: 1.0,
        ..PatchGridConfig::default()
    };
    let grid = PatchGrid::new(slide.as_ref(), None, &tenx).unwrap();
    assert_eq!(
        (grid.cols(), grid.rows(), grid.patch_level0_px()),
        (4, 5, 513)
    );
    assert_eq!(
        read_patch(slide.as_ref(), &grid.patch(3, 4).unwrap())
            .unwrap()
            .dimensions(),
        (256, 256)
    );
}
