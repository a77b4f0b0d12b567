//! Peak memory of the pipeline does not grow with the slide: a child process scores a
//! 3072 x 3072 and a 6144 x 6144 synthetic slide (4x the pixels, 4x the tumour patches) and
//! reports its peak resident set (VmHWM); the two must be close.
#![allow(clippy::unwrap_used, clippy::expect_used)]
#![cfg(target_os = "linux")]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use her2::ihc_synth::{Her2Class, SlideFiles, SynthConfig, generate_slide_files};
use her2::tumor_classifier::AllTissueTumor;
use her2::{PipelineBuilder, PipelineConfig, SlideRequest};

const SLIDE_VAR: &str = "HER2_MEMORY_TEST_SLIDE";

/// Peak resident set size of this process in KiB, from /proc/self/status.
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Writes a synthetic slide of `side` x `side` pixels and returns its path.
fn slide(dir: &Path, side: u32) -> std::path::PathBuf {
    let mut config = SynthConfig::new(side, side, Her2Class::Positive3, 808);
    config.control = false;
    let files = SlideFiles::new(dir, &format!("slide-{side}"));
    generate_slide_files(&config, &files).unwrap();
    files.svs
}

/// Scores `slide` in a fresh process (the ignored test below) and returns its peak RSS and
/// the number of feature patches it analysed.
fn child_peak_rss_kib(slide: &Path) -> (u64, u64) {
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_scores_a_slide_and_reports_peak_rss"])
        .args(["--ignored", "--nocapture", "--test-threads=1"])
        .env(SLIDE_VAR, slide)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "child failed: {stdout}");
    let field = |name: &str| -> u64 {
        let value = stdout
            .split(name)
            .nth(1)
            .unwrap_or_else(|| panic!("no {name} in: {stdout}"));
        value.split_whitespace().next().unwrap().parse().unwrap()
    };
    (field("PEAK_RSS_KIB="), field("PATCHES="))
}

#[test]
fn peak_memory_does_not_grow_with_slide_size() {
    let dir = tempfile::tempdir().unwrap();
    let (small, small_patches) = child_peak_rss_kib(&slide(dir.path(), 3072));
    let (large, large_patches) = child_peak_rss_kib(&slide(dir.path(), 6144));
    eprintln!(
        "peak RSS: 3072^2 {small} KiB ({small_patches} patches), 6144^2 {large} KiB ({large_patches} patches)"
    );
    assert!(
        large_patches >= 3 * small_patches,
        "the large slide has more tumour"
    );
    // 4x the pixels (the 6144^2 level 0 alone is 108 MiB of RGB): a pipeline that held the
    // slide or its patches would grow by far more than this. Allowed: 24 MiB, plus the slide's
    // decoded-tile cache (wsi-io, at most 32 MiB), which the small slide's reads do not fill
    // (feature patches are read with 16 um of context, so each touches up to 16 tiles).
    assert!(
        large < small + (24 + 32) * 1024,
        "{large} KiB vs {small} KiB"
    );
}

#[test]
#[ignore = "run in a child process by peak_memory_does_not_grow_with_slide_size"]
fn child_scores_a_slide_and_reports_peak_rss() {
    let path = std::env::var(SLIDE_VAR).expect("the slide to score");
    let mut config = PipelineConfig::default();
    // Small chunks, so that both slides fill them and only the slide size differs.
    config.features.chunk = 4;
    let pipeline = PipelineBuilder::new(config)
        .tumor_model(Arc::new(AllTissueTumor::default()))
        .build()
        .unwrap();
    let slide = her2::wsi_io::open(&path).unwrap();
    let analysis = pipeline
        .run_slide(slide.as_ref(), &SlideRequest::default())
        .unwrap();
    println!(
        "PEAK_RSS_KIB={} PATCHES={}",
        peak_rss_kib(),
        analysis.patches.len()
    );
}
