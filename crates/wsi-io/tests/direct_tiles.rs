//! The direct JPEG tile reader against OpenSlide on the same files: real Aperio slides that
//! nobody here wrote, and our writer's JPEG pyramids. Both must give the same regions up to the
//! rounding of two JPEG decoders, everywhere: inside tiles, across tile seams, past the right
//! and bottom edges, at every level; and reads that only OpenSlide can do must still work.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::external;
use image::{Rgb, RgbImage};
use wsi_io::{Compression, OpenOptions, OpenSlideSlide, Slide, WriterOptions, write_pyramid};

/// Mean and largest absolute channel difference of two same-sized images.
fn difference(a: &RgbImage, b: &RgbImage) -> (f64, u8) {
    assert_eq!(a.dimensions(), b.dimensions());
    let mut sum = 0u64;
    let mut max = 0u8;
    for (p, q) in a.as_raw().iter().zip(b.as_raw()) {
        let d = p.abs_diff(*q);
        sum += u64::from(d);
        max = max.max(d);
    }
    (sum as f64 / a.as_raw().len() as f64, max)
}

fn open_both(path: &Path) -> (OpenSlideSlide, OpenSlideSlide) {
    let direct = OpenSlideSlide::open(path, &OpenOptions::default()).unwrap();
    let through_openslide = OpenSlideSlide::open(
        path,
        &OpenOptions {
            direct_jpeg_tiles: false,
            ..OpenOptions::default()
        },
    )
    .unwrap();
    assert!(through_openslide.direct_levels().is_empty());
    (direct, through_openslide)
}

/// Regions at every level (level-0 coordinates at whole level pixels): a corner, one straddling
/// tile seams, one running past the right and bottom edges.
fn compare_everywhere(path: &Path, max_mean: f64, max_abs: u8) {
    let (direct, reference) = open_both(path);
    assert!(
        direct.direct_levels().contains(&0),
        "{}: level 0 read directly",
        path.display()
    );
    for level in direct.direct_levels() {
        let (w, h) = direct.level_dimensions(level).unwrap();
        let ds = direct.level_downsample(level).unwrap();
        let to0 = |v: u64| (v as f64 * ds).round() as i64;
        let regions = [
            (0, 0, 200.min(w), 150.min(h)),
            (w / 3, h / 3, 300.min(w), 280.min(h)),
            (w.saturating_sub(100), h.saturating_sub(70), 180, 120),
        ];
        for (lx, ly, rw, rh) in regions {
            let (x, y) = (to0(lx), to0(ly));
            let ours = direct
                .read_region(x, y, level, rw as u32, rh as u32)
                .unwrap();
            let theirs = reference
                .read_region(x, y, level, rw as u32, rh as u32)
                .unwrap();
            let (mean, max) = difference(&ours, &theirs);
            assert!(
                mean <= max_mean && max <= max_abs,
                "{} level {level} region ({lx},{ly}) {rw}x{rh}: mean {mean:.3}, max {max}",
                path.display()
            );
            // Past the edge both are white.
            if lx + rw > w {
                assert_eq!(ours.get_pixel(rw as u32 - 1, 0), &Rgb([255, 255, 255]));
            }
        }
    }
}

#[test]
fn real_aperio_slide_reads_like_openslide() {
    compare_everywhere(&external("cmu_small_region.svs"), 0.05, 4);
}

#[test]
fn openslide_python_test_slide_reads_like_openslide() {
    let path = external("small.svs");
    let (direct, _) = open_both(&path);
    if direct.direct_levels().is_empty() {
        return; // not a JPEG-tiled file: OpenSlide reads it, nothing to compare
    }
    compare_everywhere(&path, 0.05, 4);
}

/// A smooth stain-like pattern with some texture, so JPEG has something to round.
fn tissue_like(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let t = ((x * 7 + y * 13) % 97) as u8;
        Rgb([
            200u8.saturating_sub(t),
            (150 + (x / 5 % 60)) as u8,
            (120 + (y / 7 % 90)) as u8,
        ])
    })
}

#[test]
fn our_jpeg_pyramids_read_like_openslide_at_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jpeg.svs");
    let options = WriterOptions {
        compression: Compression::Jpeg { quality: 85 },
        mpp: Some(0.25),
        app_mag: Some(40.0),
        ..WriterOptions::default()
    };
    write_pyramid(&path, &tissue_like(1900, 1300), &options).unwrap();
    let (direct, _) = open_both(&path);
    assert!(
        direct.direct_levels().len() >= 2,
        "{:?}",
        direct.direct_levels()
    );
    compare_everywhere(&path, 0.05, 4);
}

#[test]
fn reads_at_fractional_level_pixels_and_lossless_levels_go_through_openslide() {
    let dir = tempfile::tempdir().unwrap();
    let jpeg = dir.path().join("jpeg.svs");
    let options = WriterOptions {
        compression: Compression::Jpeg { quality: 90 },
        mpp: Some(0.5),
        app_mag: Some(20.0),
        ..WriterOptions::default()
    };
    write_pyramid(&jpeg, &tissue_like(1200, 1000), &options).unwrap();
    let (direct, reference) = open_both(&jpeg);
    assert!(direct.direct_levels().contains(&1));
    // x = 301 is not a whole level-1 pixel (downsample 2): OpenSlide interpolates, so the read
    // is OpenSlide's, exactly.
    let a = direct.read_region(301, 200, 1, 100, 80).unwrap();
    let b = reference.read_region(301, 200, 1, 100, 80).unwrap();
    assert!(a == b);

    let lossless = dir.path().join("deflate.svs");
    let options = WriterOptions {
        compression: Compression::Deflate,
        ..options
    };
    write_pyramid(&lossless, &tissue_like(600, 500), &options).unwrap();
    let slide = OpenSlideSlide::open(&lossless, &OpenOptions::default()).unwrap();
    assert!(slide.direct_levels().is_empty());
}
