//! `read_region` of 256 x 256 level-0 tiles through `wsi_io::OpenSlideSlide`, with its direct
//! JPEG tile reader (the default) and through OpenSlide, on one thread and on all threads (rayon), side by side with `/work/shared/peers/wsi_read.py`
//! (openslide-python, one and two processes).
//!
//! Slide: `WSI_READ_BENCH_SLIDE` names one (e.g. the peer's `slide_20000_q85.svs`, so both
//! read the same file); otherwise a 20 000 x 20 000 JPEG (Q 85) Aperio-style pyramid is written
//! once with `wsi_io::writer` from a mosaic of `fixtures/external/ihc.png` into
//! `target/bench-data/` (size: `WSI_READ_BENCH_SIZE`).
//! Each iteration reads the same 1024 level-0 tiles in row-major order; OpenSlide's 32 MB tile
//! cache holds ~128 of them, so a pass decodes every tile again, like the peer with its cache
//! off. Figures: docs/benchmarks.md, section `## wsi-io read`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::RgbImage;
use rayon::prelude::*;
use wsi_io::{Compression, PyramidWriter, WriterOptions};
use wsi_io::{OpenOptions, OpenSlideSlide, Slide};

const TILE: u32 = 256;
const TILES_PER_PASS: usize = 1024;

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The bench slide: the caller's, or a synthetic one written once with our writer.
fn bench_slide() -> PathBuf {
    if let Ok(path) = std::env::var("WSI_READ_BENCH_SLIDE") {
        return PathBuf::from(path);
    }
    let size: u32 = std::env::var("WSI_READ_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let dir = repo_root().join("target/bench-data");
    let path = dir.join(format!("wsi_read_{size}_q85.svs"));
    if path.is_file() {
        return path;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let ihc = her2_benches::ihc_tile();
    let options = WriterOptions {
        compression: Compression::Jpeg { quality: 85 },
        mpp: Some(0.5036),
        app_mag: Some(20.0),
        ..WriterOptions::default()
    };
    eprintln!("writing {} (once)", path.display());
    let mut writer = PyramidWriter::create(&path, size, size, options).unwrap();
    let mut y = 0;
    while y < size {
        let rows = TILE.min(size - y);
        let strip = RgbImage::from_fn(size, rows, |x, r| {
            *ihc.get_pixel(x % ihc.width(), (y + r) % ihc.height())
        });
        writer.write_strip(&strip).unwrap();
        y += rows;
    }
    writer.finish().unwrap();
    path
}

/// Reads every tile of `tiles` from `slide` per iteration, on one thread and on all threads.
fn bench_reads(c: &mut Criterion, reader: &str, slide: &OpenSlideSlide, tiles: &[(i64, i64)]) {
    let read = |&(x, y): &(i64, i64)| {
        u64::from(slide.read_region(x, y, 0, TILE, TILE).unwrap().as_raw()[0])
    };
    let mut group = c.benchmark_group(format!("wsi_read_{reader}"));
    group.sample_size(10);
    group.throughput(Throughput::Elements(tiles.len() as u64));
    group.bench_function("read_region_256_1thread", |b| {
        b.iter(|| tiles.iter().map(read).sum::<u64>());
    });
    group.bench_function(
        format!(
            "read_region_256_rayon_{}threads",
            rayon::current_num_threads()
        ),
        |b| b.iter(|| tiles.par_iter().map(read).sum::<u64>()),
    );
    group.finish();
}

/// Both readers of `OpenSlideSlide`: the direct JPEG tile reader (the default) and OpenSlide
/// itself (`direct_jpeg_tiles: false`).
fn wsi_read(c: &mut Criterion) {
    let path = bench_slide();
    let direct = OpenSlideSlide::open(&path, &OpenOptions::default()).unwrap();
    let openslide_only = OpenOptions {
        direct_jpeg_tiles: false,
        ..OpenOptions::default()
    };
    let through_openslide = OpenSlideSlide::open(&path, &openslide_only).unwrap();
    let (w, h) = direct.dimensions();
    let nx = (w / u64::from(TILE)) as i64;
    let full_tiles = nx * (h / u64::from(TILE)) as i64;
    let tiles: Vec<(i64, i64)> = (0..full_tiles.min(TILES_PER_PASS as i64))
        .map(|i| ((i % nx) * i64::from(TILE), (i / nx) * i64::from(TILE)))
        .collect();
    eprintln!(
        "{}: {w}x{h}, vendor {:?}, {} levels (direct: {:?}), {} tiles per pass, {} rayon threads",
        path.display(),
        direct.vendor(),
        direct.level_count(),
        direct.direct_levels(),
        tiles.len(),
        rayon::current_num_threads()
    );
    bench_reads(c, "direct", &direct, &tiles);
    bench_reads(c, "openslide", &through_openslide, &tiles);
}

criterion_group!(benches, wsi_read);
criterion_main!(benches);
