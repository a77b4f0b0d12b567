//! `her2 batch MANIFEST.csv|DIR --out DIR [--shard I/N] [--resume]`: score a cohort.

use std::path::PathBuf;

use her2::{CohortOptions, CohortRow, Shard, SlideRequest, SlideStatus};

use crate::cli::pipeline_args::PipelineArgs;

/// Arguments of `her2 batch`.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// A CSV with a `path` column (optional `slide_id`, `label`, `mpp`), or a folder of slides.
    pub manifest: PathBuf,
    /// Output folder: one sub-folder per slide, plus summary.csv and features.csv (rewritten
    /// as each slide finishes).
    #[arg(long)]
    pub out: PathBuf,
    /// Score only share I of N (0-based), e.g. `--shard $SLURM_ARRAY_TASK_ID/8`.
    #[arg(long, value_name = "I/N", default_value = "0/1")]
    pub shard: Shard,
    /// Skip slides whose report.json already exists (it is written after the slide's other
    /// files).
    #[arg(long)]
    pub resume: bool,
    /// How to build the pipeline.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// Prints one progress line per slide on stderr: `[done/total] id: result`.
pub fn print_row(row: &CohortRow, done: usize, total: usize) {
    let what = match (row.status, &row.report, &row.error) {
        (SlideStatus::Failed, _, Some(err)) => format!("FAILED: {err}"),
        (status, Some(report), _) => format!(
            "{}{}",
            report.assessment.summary(),
            if status == SlideStatus::Resumed {
                " (resumed)"
            } else {
                ""
            }
        ),
        _ => String::new(),
    };
    eprintln!("[{done}/{total}] {}: {what}", row.entry.id);
}

/// Scores the cohort, rewriting its tables as slides finish; returns the rows.
pub fn score_cohort(
    manifest: &std::path::Path,
    out: &std::path::Path,
    shard: Shard,
    resume: bool,
    pipeline_args: &PipelineArgs,
) -> anyhow::Result<Vec<CohortRow>> {
    let entries = her2::read_manifest(manifest)?;
    let pipeline = pipeline_args.pipeline()?;
    let options = CohortOptions {
        out: out.to_path_buf(),
        shard,
        resume,
        outputs: pipeline_args.output_options(),
    };
    let base = SlideRequest {
        mpp: pipeline_args.mpp,
        keep_cells: !pipeline_args.no_cells,
        ..SlideRequest::default()
    };
    let total = shard.select(entries.iter().collect()).len();
    let mut done = 0;
    let rows = her2::run_cohort(&pipeline, &entries, &base, &options, |row| {
        done += 1;
        print_row(row, done, total);
    })?;
    Ok(rows)
}

/// Runs `her2 batch`; fails (non-zero exit) only when every slide failed.
pub fn run(args: BatchArgs) -> anyhow::Result<()> {
    let rows = score_cohort(
        &args.manifest,
        &args.out,
        args.shard,
        args.resume,
        &args.pipeline,
    )?;
    let failed = rows
        .iter()
        .filter(|r| r.status == SlideStatus::Failed)
        .count();
    println!(
        "{} slide(s): {} scored, {} resumed, {failed} failed -> {}",
        rows.len(),
        rows.iter()
            .filter(|r| r.status == SlideStatus::Scored)
            .count(),
        rows.iter()
            .filter(|r| r.status == SlideStatus::Resumed)
            .count(),
        args.out.display()
    );
    if failed > 0 && failed == rows.len() {
        anyhow::bail!("every slide failed (see summary.csv)");
    }
    Ok(())
}
