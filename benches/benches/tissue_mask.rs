//! Tissue mask on a 2048 x 2048 thumbnail (stage 1), side by side with
//! `/work/shared/peers/tissue_mask.py` (scikit-image and OpenCV).
//!
//! Inputs: a procedural thumbnail like the peer's (off-white noisy glass, ~40% smooth tissue
//! blobs of brown/blue texture, 200 dark 4x4 specks), or the peer's own thumbnail saved as a
//! PNG and named by `TISSUE_BENCH_IMAGE` (see docs/benchmarks.md for the one-liner).
//! Benchmarks:
//! - `peer_steps`: the peer's steps (HSV, Otsu H and S, AND, opening and closing with a radius-5
//!   disk, removal of pieces under 500 px) plus our pieces and DAB statistics;
//! - `default`: the default configuration (closing 50 µm, holes, pieces, control) at 16 µm/px;
//! - `hsv`, `close_r5`: single steps.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use image::{Rgb, RgbImage};
use tissue_mask::internals::{HueSaturation, close_disk};
use tissue_mask::{OtsuDetector, TissueConfig, TissueDetector, TissueInput};

/// Small deterministic hash noise in [0, 1).
fn hash(x: u32, y: u32, seed: u32) -> f64 {
    let mut v =
        x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ seed.wrapping_mul(0xC2B2_AE3D);
    v ^= v >> 15;
    v = v.wrapping_mul(0x2C1B_3C6D);
    v ^= v >> 12;
    f64::from(v) / f64::from(u32::MAX)
}

/// Value noise: bilinear interpolation of a coarse random grid of cell `cell` pixels.
fn smooth(x: u32, y: u32, cell: u32, seed: u32) -> f64 {
    let (gx, gy) = (x / cell, y / cell);
    let (fx, fy) = (
        f64::from(x % cell) / f64::from(cell),
        f64::from(y % cell) / f64::from(cell),
    );
    let at = |i, j| hash(gx + i, gy + j, seed);
    let top = at(0, 0) * (1.0 - fx) + at(1, 0) * fx;
    let bottom = at(0, 1) * (1.0 - fx) + at(1, 1) * fx;
    top * (1.0 - fy) + bottom * fy
}

fn procedural_thumbnail(n: u32) -> RgbImage {
    let mut img = RgbImage::from_fn(n, n, |x, y| {
        let field = 0.6 * smooth(x, y, n / 8, 1) + 0.4 * smooth(x, y, n / 24, 2);
        let noise = |s| ((hash(x, y, s) - 0.5) * 16.0) as i32;
        if field > 0.55 {
            let dab = smooth(x, y, 9, 3);
            let c = if dab > 0.5 {
                [150, 100, 60]
            } else {
                [150, 160, 205]
            };
            Rgb(std::array::from_fn(|i| {
                (c[i] + noise(10 + i as u32)).clamp(0, 255) as u8
            }))
        } else {
            Rgb(std::array::from_fn(|i| {
                (238 + noise(20 + i as u32) / 2).clamp(0, 255) as u8
            }))
        }
    });
    for k in 0..200u32 {
        let (x0, y0) = (
            (hash(k, 0, 9) * f64::from(n - 6)) as u32,
            (hash(k, 1, 9) * f64::from(n - 6)) as u32,
        );
        for y in y0..y0 + 4 {
            for x in x0..x0 + 4 {
                img.put_pixel(x, y, Rgb([120, 80, 60]));
            }
        }
    }
    img
}

fn peer_steps() -> TissueConfig {
    let mut cfg = TissueConfig {
        opening_radius_um: 5.0,
        closing_radius_um: 5.0,
        max_hole_area_um2: 0.0,
        min_piece_area_um2: 500.0,
        ..TissueConfig::default()
    };
    cfg.control.enabled = false;
    cfg
}

fn bench_image(c: &mut Criterion, name: &str, img: &RgbImage) {
    let mut group = c.benchmark_group(format!("tissue_mask/{name}"));
    group.sample_size(20);
    let peer = OtsuDetector::new(peer_steps()).unwrap();
    // 1 µm per thumbnail pixel: the peer's pixel radii and areas carry over unchanged.
    let px = TissueInput {
        thumbnail: img,
        downsample: 1.0,
        mpp: 1.0,
    };
    group.bench_function("peer_steps", |b| b.iter(|| peer.detect(&px).unwrap()));
    let default = OtsuDetector::default();
    let slide = TissueInput {
        thumbnail: img,
        downsample: 32.0,
        mpp: 0.5,
    };
    group.bench_function("default", |b| b.iter(|| default.detect(&slide).unwrap()));
    group.bench_function("hsv", |b| b.iter(|| HueSaturation::from_rgb(img)));
    let (raw, _) = peer.raw_mask(img).unwrap();
    group.bench_function("close_r5", |b| b.iter(|| close_disk(&raw, 5.0)));
    group.finish();
    let mask = peer.detect(&px).unwrap();
    eprintln!(
        "{name}: {}x{} tissue fraction {:.3}, {} pieces",
        img.width(),
        img.height(),
        mask.tissue_fraction(),
        mask.pieces().len()
    );
}

fn tissue_mask(c: &mut Criterion) {
    bench_image(c, "procedural_2048", &procedural_thumbnail(2048));
    if let Ok(path) = std::env::var("TISSUE_BENCH_IMAGE") {
        let img = image::open(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .to_rgb8();
        bench_image(c, "peer_image", &img);
    }
}

criterion_group!(benches, tissue_mask);
criterion_main!(benches);
