//! Pyramid writer throughput (level-0 MPix/s): a W x W tissue mosaic (tiles of
//! `fixtures/external/ihc.png`) streamed strip by strip through `wsi_io::PyramidWriter` into
//! a full pyramid (256-px tiles, levels down to 512 px), with JPEG Q 90, deflate and LZW
//! tiles. Side by side with `benches/benches/tiff_write_tifffile.py` (tifffile + imagecodecs
//! writing the same image, tiles and levels). Size: `TIFF_WRITE_BENCH_SIZE` (default 4096).
//! Figures: docs/benchmarks.md, section `## wsi-io writer`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use image::RgbImage;
use wsi_io::{Compression, PyramidWriter, WriterOptions};

/// The mosaic the bench writes, `size` x `size`, built once.
fn mosaic(size: u32) -> RgbImage {
    let ihc = her2_benches::ihc_tile();
    RgbImage::from_fn(size, size, |x, y| {
        *ihc.get_pixel(x % ihc.width(), y % ihc.height())
    })
}

/// Streams `image` into `path` strip by strip, the way a generator would.
fn write_streaming(path: &PathBuf, image: &RgbImage, options: &WriterOptions) {
    let (w, h) = image.dimensions();
    let mut writer = PyramidWriter::create(path, w, h, options.clone()).unwrap();
    let mut y = 0;
    while y < h {
        let rows = options.tile_size.min(h - y);
        let row_bytes = w as usize * 3;
        let raw = &image.as_raw()[y as usize * row_bytes..(y + rows) as usize * row_bytes];
        let strip = RgbImage::from_raw(w, rows, raw.to_vec()).unwrap();
        writer.write_strip(&strip).unwrap();
        y += rows;
    }
    writer.finish().unwrap();
}

fn tiff_write(c: &mut Criterion) {
    let size: u32 = std::env::var("TIFF_WRITE_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4096);
    let image = mosaic(size);
    let dir = tempfile::tempdir().unwrap();
    eprintln!(
        "{size}x{size} mosaic, {} rayon threads",
        rayon::current_num_threads()
    );
    let mut group = c.benchmark_group("tiff_write");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(size) * u64::from(size)));
    for (name, compression) in [
        ("jpeg_q90", Compression::Jpeg { quality: 90 }),
        ("deflate", Compression::Deflate),
        ("lzw", Compression::Lzw),
    ] {
        let options = WriterOptions {
            compression,
            mpp: Some(0.5),
            app_mag: Some(20.0),
            ..WriterOptions::default()
        };
        let path = dir.path().join(format!("{name}.svs"));
        group.bench_function(format!("{name}_{size}px"), |b| {
            b.iter(|| write_streaming(&path, &image, &options));
        });
        // Absent when a filter skipped this codec.
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        let bytes = meta.len();
        eprintln!(
            "{name}: {:.2} MB ({:.2} bits/pixel)",
            bytes as f64 / 1e6,
            bytes as f64 * 8.0 / (f64::from(size) * f64::from(size))
        );
    }
    group.finish();
}

criterion_group!(benches, tiff_write);
criterion_main!(benches);
