//! Peak memory of a streaming write does not grow with the image height: a child process
//! writes a 512 x 4,000 and a 512 x 40,000 image strip by strip and reports its peak resident
//! set (VmHWM); the two must be close.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(target_os = "linux")]

use std::process::Command;

use image::{Rgb, RgbImage};
use wsi_io::{PyramidWriter, WriterOptions};

const HEIGHT_VAR: &str = "WSI_IO_WRITER_MEMORY_HEIGHT";

/// Peak resident set size of this process in KiB, from /proc/self/status.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Runs the child test below in a fresh process and returns the peak RSS it reports.
fn child_peak_rss_kib(height: u32) -> u64 {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_writes_a_tall_image_and_reports_peak_rss"])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env(HEIGHT_VAR, height.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}");
    // The test harness prints the test name on the same line, so search, don't split.
    let value = stdout
        .split("PEAK_RSS_KIB=")
        .nth(1)
        .unwrap_or_else(|| panic!("no PEAK_RSS_KIB in: {stdout}"));
    value.split_whitespace().next().unwrap().parse().unwrap()
}

#[test]
fn peak_memory_does_not_grow_with_height() {
    let short = child_peak_rss_kib(4_000);
    let tall = child_peak_rss_kib(40_000);
    eprintln!("peak RSS: 512x4000 {short} KiB, 512x40000 {tall} KiB");
    // The tall image holds 10x the pixels (61 MB of RGB); streaming must add well under that.
    assert!(tall < short + 8 * 1024, "{tall} KiB vs {short} KiB");
}

#[test]
#[ignore = "run in a child process by peak_memory_does_not_grow_with_height"]
fn child_writes_a_tall_image_and_reports_peak_rss() {
    let height: u32 = std::env::var(HEIGHT_VAR).map_or(4_000, |v| v.parse().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let options = WriterOptions::default();
    let width = 512;
    let mut writer =
        PyramidWriter::create(dir.path().join("tall.svs"), width, height, options.clone()).unwrap();
    let mut y = 0;
    while y < height {
        let rows = options.tile_size.min(height - y);
        let strip = RgbImage::from_fn(width, rows, |x, r| {
            Rgb([(x ^ (y + r)) as u8, ((y + r) / 7) as u8, 200])
        });
        writer.write_strip(&strip).unwrap();
        y += rows;
    }
    writer.finish().unwrap();
    println!("PEAK_RSS_KIB={}", peak_rss_kib());
}
