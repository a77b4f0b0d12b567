//! Prints the domain-shift test matrix (docs/accuracy.md, "Domain shifts"): for the default
//! rendering and each shift of `DomainShift::matrix()`, guideline accuracy over a cohort of
//! every class, with the intensity cuts anchored to the slide's control, at the configured
//! cuts, and with a lab's cuts fitted by cross-validated calibration.
//!
//! ```text
//! cargo run --release -p her2-cli --example shift_matrix -- [--seeds 1,2,3,4] [--side 3072]
//!     [--only "DAB x0.6"] [--work DIR] [--out matrix.md] [--config pipeline.toml]
//! ```

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use her2::{PipelineConfig, ShiftMatrix, shift_label};

/// Arguments.
#[derive(Debug, Parser)]
struct Args {
    /// Slide seeds per class (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = [1u64, 2, 3, 4])]
    seeds: Vec<u64>,
    /// Slide side, pixels at 0.5 um/px.
    #[arg(long, default_value_t = 3072)]
    side: u32,
    /// Only the rows whose label contains one of these (e.g. "DAB x0.6", "none").
    #[arg(long)]
    only: Vec<String>,
    /// Folder for the slides while they are scored (default: the system's temp folder).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Also write the table (and the misread slides) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Pipeline configuration (TOML or JSON, as `her2 score --config`); default: the defaults.
    #[arg(long)]
    config: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut matrix = ShiftMatrix {
        seeds: args.seeds,
        side: args.side,
        ..ShiftMatrix::standard()
    };
    if !args.only.is_empty() {
        matrix.shifts.retain(|s| {
            let label = shift_label(*s);
            args.only.iter().any(|o| label.contains(o.as_str()))
        });
    }
    let work = args.work.unwrap_or_else(std::env::temp_dir);
    let config = match &args.config {
        Some(path) => PipelineConfig::load(path)?,
        None => PipelineConfig::default(),
    };
    let report = matrix.run(&config, &work, |o| {
        let r = &o.reference;
        eprintln!(
            "{:<24} {:<18} truth {:<13} anchored {:<13} plain {:<13} cuts x{:.2} ({:?}; control: {} complete cells, median OD {})",
            shift_label(o.shift),
            o.id(),
            o.truth.label(),
            o.anchored.category.label(),
            o.plain.category.label(),
            r.scale,
            r.source,
            r.control_complete_cells,
            r.control_membrane_od
                .map_or_else(|| "-".to_owned(), |od| format!("{od:.3}"))
        );
        let _ = std::io::stderr().flush();
    })?;
    let misses = report.misses();
    let text = format!(
        "{report}\nMisread slides (anchored or plain):\n{}\n",
        misses.join("\n")
    );
    println!("{text}");
    if let Some(out) = &args.out {
        std::fs::write(out, &text).with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}
