//! Writer -> reader round trip through this crate's own [`wsi_io::open`]: a file our writer
//! makes is a slide our reader understands, at 20x and at 40x, and the patch grid of a 40x file
//! reads from the level that matches the target resolution.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::{Rgb, RgbImage};
use wsi_io::{Compression, PatchGrid, PatchGridConfig, WriterOptions, read_patch, write_pyramid};

/// A smooth, non-periodic test pattern: box filtering it changes values only a little.
fn pattern(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            (x / 8 % 256) as u8,
            (y / 8 % 256) as u8,
            ((x + y) / 16 % 256) as u8,
        ])
    })
}

fn options(mpp: f64, app_mag: f64) -> WriterOptions {
    WriterOptions {
        compression: Compression::Deflate,
        mpp: Some(mpp),
        app_mag: Some(app_mag),
        ..WriterOptions::default()
    }
}

#[test]
fn a_written_20x_pyramid_opens_with_its_mpp_levels_and_exact_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("20x.svs");
    let image = pattern(1500, 1100);
    write_pyramid(&path, &image, &options(0.5, 20.0)).unwrap();

    let slide = wsi_io::open(&path).unwrap();
    assert_eq!(slide.vendor().as_deref(), Some("aperio"));
    assert_eq!(slide.dimensions(), (1500, 1100));
    let mpp = slide.mpp().unwrap();
    assert!((mpp.x - 0.5).abs() < 1e-9 && (mpp.y - 0.5).abs() < 1e-9);
    assert_eq!(slide.objective_power(), Some(20.0));
    assert!(slide.level_count() >= 3, "{} levels", slide.level_count());
    assert_eq!(slide.level_dimensions(1), Some((750, 550)));

    let region = slide.read_region(300, 200, 0, 400, 300).unwrap();
    let expected = image::imageops::crop_imm(&image, 300, 200, 400, 300).to_image();
    assert!(region == expected, "lossless tiles read back exactly");
}

#[test]
fn a_40x_patch_grid_reads_from_level_1_and_matches_a_2x_box_filter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("40x.svs");
    let image = pattern(2048, 1536);
    write_pyramid(&path, &image, &options(0.25, 40.0)).unwrap();
    let slide = wsi_io::open(&path).unwrap();

    // 256 px at 0.5 um/px on a 0.25 um/px scan: 512 level-0 px per patch, read from level 1.
    let grid = PatchGrid::new(slide.as_ref(), None, &PatchGridConfig::default()).unwrap();
    assert_eq!(grid.patch_level0_px(), 512);
    assert_eq!((grid.cols(), grid.rows()), (4, 3));
    assert_eq!(grid.level(), 1);
    assert!((grid.effective_mpp() - 0.5).abs() < 1e-9);

    let patch = grid.patch(1, 1).unwrap();
    assert_eq!((patch.rect.x, patch.rect.y), (512, 512));
    let read = read_patch(slide.as_ref(), &patch).unwrap();
    assert_eq!(read.dimensions(), (256, 256));
    // Level 1 is the writer's 2x2 box filter of level 0.
    let mut worst = 0i32;
    for (x, y, p) in read.enumerate_pixels() {
        for c in 0..3 {
            let sum: i32 = (0..4)
                .map(|k| {
                    let (sx, sy) = (512 + 2 * x + k % 2, 512 + 2 * y + k / 2);
                    i32::from(image.get_pixel(sx, sy).0[c])
                })
                .sum();
            worst = worst.max((i32::from(p.0[c]) - (sum + 2) / 4).abs());
        }
    }
    assert!(
        worst <= 1,
        "level 1 differs from a 2x box filter by {worst}"
    );
}
