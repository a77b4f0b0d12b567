//! Renders one synthetic slide and reports wall time and peak memory: the measurement behind
//! the `ihc-synth` figures in `docs/benchmarks.md`.
//!
//! `cargo run --release -p ihc-synth --example generate -- WIDTH HEIGHT OUT_DIR [SEED]`

use std::time::Instant;

use ihc_synth::{Her2Class, SynthConfig, generate_slide};

/// Peak resident set size of this process in MiB (Linux `VmHWM`), when available.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        return Err("usage: generate WIDTH HEIGHT OUT_DIR [SEED]".into());
    }
    let cfg = SynthConfig::new(
        args[0].parse()?,
        args[1].parse()?,
        Her2Class::Positive3,
        args.get(3).map_or(Ok(1), |s| s.parse())?,
    );
    let start = Instant::now();
    let truth = generate_slide(&cfg, std::path::Path::new(&args[2]))?;
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{}x{} px: {secs:.1} s ({:.1} Mpx/s), {} tumour cells, peak RSS {:.0} MiB, {} threads",
        cfg.width,
        cfg.height,
        cfg.width as f64 * cfg.height as f64 / secs / 1e6,
        truth.cells.tumour_cells,
        peak_rss_mib().unwrap_or(f64::NAN),
        rayon::current_num_threads()
    );
    Ok(())
}
