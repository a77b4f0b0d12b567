//! Helpers shared by the writer's integration tests: test images, streaming writes, reading
//! back through the system libopenslide, and an independent 2x box filter to compare with.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use image::{Rgb, RgbImage};
use openslide_rs::{Address, OpenSlide, Region, Size};
use wsi_io::{PyramidWriter, WriterOptions};

/// A tissue-like test image: smooth pink/purple background, brown and blue discs with sharp
/// edges, and a fine hash so every pixel differs from its neighbours.
pub fn tissue_like(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let (fx, fy) = (f64::from(x), f64::from(y));
        let base = [
            220.0 - 30.0 * (fx / 97.0).sin().abs(),
            170.0 + 40.0 * (fy / 61.0).cos(),
            200.0 + 20.0 * ((fx + fy) / 43.0).sin(),
        ];
        let in_disc = |cx: f64, cy: f64, r: f64| (fx - cx).powi(2) + (fy - cy).powi(2) < r * r;
        let c = if in_disc(f64::from(width) * 0.3, f64::from(height) * 0.4, 40.0) {
            [150.0, 90.0, 40.0]
        } else if in_disc(f64::from(width) * 0.7, f64::from(height) * 0.6, 25.0) {
            [60.0, 70.0, 160.0]
        } else {
            base
        };
        let h = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 5;
        Rgb(c.map(|v| (v + f64::from(h)).clamp(0.0, 255.0) as u8))
    })
}

/// Writes `image` through the streaming API, one `tile_size`-row strip at a time.
pub fn write_in_strips(path: &Path, image: &RgbImage, options: &WriterOptions) {
    let (w, h) = image.dimensions();
    let mut writer = PyramidWriter::create(path, w, h, options.clone()).unwrap();
    let mut y = 0;
    while y < h {
        let rows = options.tile_size.min(h - y);
        let strip = image::imageops::crop_imm(image, 0, y, w, rows).to_image();
        writer.write_strip(&strip).unwrap();
        y += rows;
    }
    writer.finish().unwrap();
}

/// Reads a whole level back through OpenSlide.
pub fn read_level(slide: &OpenSlide, level: u32) -> RgbImage {
    let size = slide.level_dimensions(level).unwrap();
    slide
        .read_image_rgb(&Region {
            size: Size {
                w: size.w,
                h: size.h,
            },
            level,
            address: Address { x: 0, y: 0 },
        })
        .unwrap()
}

/// Reference 2x2 box filter (mean rounded half up; at odd edges the pixels that exist).
pub fn box_halve(image: &RgbImage) -> RgbImage {
    let (w, h) = image.dimensions();
    RgbImage::from_fn(w.div_ceil(2), h.div_ceil(2), |x, y| {
        let mut sum = [0u32; 3];
        let mut n = 0;
        for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
            let (sx, sy) = ((2 * x + dx).min(w - 1), (2 * y + dy).min(h - 1));
            let p = image.get_pixel(sx, sy);
            for c in 0..3 {
                sum[c] += u32::from(p[c]);
            }
            n += 1;
        }
        Rgb(sum.map(|s| ((s * 2 + n) / (2 * n)) as u8))
    })
}

/// Mean and maximum absolute per-channel difference of two same-sized images.
pub fn abs_error(a: &RgbImage, b: &RgbImage) -> (f64, u8) {
    assert_eq!(a.dimensions(), b.dimensions());
    let diffs = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y));
    let (sum, max) = diffs.fold((0u64, 0u8), |(s, m), d| (s + u64::from(d), m.max(d)));
    (sum as f64 / a.as_raw().len() as f64, max)
}

/// The `q` quantile (0..=1) of the absolute per-channel differences of two images.
pub fn percentile_error(a: &RgbImage, b: &RgbImage, q: f64) -> u8 {
    let mut diffs: Vec<u8> = a
        .as_raw()
        .iter()
        .zip(b.as_raw())
        .map(|(x, y)| x.abs_diff(*y))
        .collect();
    diffs.sort_unstable();
    diffs[((diffs.len() - 1) as f64 * q).round() as usize]
}

/// A property, or `None` when OpenSlide does not have it.
pub fn property(slide: &OpenSlide, name: &str) -> Option<String> {
    slide.property_value(name).ok()
}

/// Names of the files in `dir`.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}
