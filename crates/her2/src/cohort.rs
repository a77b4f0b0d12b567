//! Scoring a cohort: one slide after another into `OUT/<slide id>/`, a failure recorded and the
//! run going on, finished slides skipped on resume, and a summary table rewritten (atomically)
//! as slides finish, so that a run stopped at any point leaves the table of what it scored.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use her2_score::SlideRecord;

use crate::error::{Her2Error, Result};
use crate::manifest::{ManifestEntry, Shard};
use crate::outputs::{OutputOptions, REPORT_FILE, write_outputs};
use crate::pipeline::{Pipeline, SlideRequest};
use crate::report::Her2Report;

/// How a cohort run behaves.
#[derive(Debug, Clone, Default)]
pub struct CohortOptions {
    /// Output folder; each slide gets `OUT/<id>/`.
    pub out: PathBuf,
    /// Which share of the cohort this process scores.
    pub shard: Shard,
    /// Skip slides whose `report.json` already exists (read it back for the summary).
    pub resume: bool,
    /// Optional outputs per slide.
    pub outputs: OutputOptions,
}

/// What happened to one slide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlideStatus {
    /// Scored in this run.
    Scored,
    /// Scored by an earlier run (resume).
    Resumed,
    /// Failed; the error is in the row.
    Failed,
}

/// One slide's line of the summary.
#[derive(Debug, Clone)]
pub struct CohortRow {
    /// The manifest entry.
    pub entry: ManifestEntry,
    /// What happened.
    pub status: SlideStatus,
    /// The report, when scored or resumed.
    pub report: Option<Her2Report>,
    /// The error, when failed (one line).
    pub error: Option<String>,
    /// Seconds spent on this slide in this run.
    pub seconds: f64,
}

/// The folder a slide's outputs go to.
pub fn slide_out_dir(options: &CohortOptions, entry: &ManifestEntry) -> PathBuf {
    options.out.join(&entry.id)
}

fn read_report(path: &Path) -> Option<Her2Report> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Scores this shard of `entries`; calls `on_row` after each slide (for progress lines).
///
/// The tables ([`write_cohort_tables`]) are rewritten, each time atomically, after every
/// slide scored or failed in this run and once at the end, so `summary.csv` always lists the
/// slides finished so far (slides resumed from an earlier run join it with the next rewrite;
/// until then an earlier run's table stays). A slide counts as finished on resume when its `report.json` exists and
/// reads back: [`write_outputs`] renames it into place after the slide's other files.
///
/// Errors: only writing the tables fails the run (a slide's failure is recorded in its row).
pub fn run_cohort(
    pipeline: &Pipeline,
    entries: &[ManifestEntry],
    base: &SlideRequest,
    options: &CohortOptions,
    mut on_row: impl FnMut(&CohortRow),
) -> Result<Vec<CohortRow>> {
    let mut rows = Vec::new();
    // How many rows the tables on disk hold (none yet: an earlier run's stay until replaced).
    let mut written = None;
    for entry in options.shard.select(entries.to_vec()) {
        let row = score_entry(pipeline, entry, base, options);
        on_row(&row);
        let resumed = row.status == SlideStatus::Resumed;
        rows.push(row);
        if !resumed {
            write_cohort_tables(&rows, options)?;
            written = Some(rows.len());
        }
    }
    if written != Some(rows.len()) {
        write_cohort_tables(&rows, options)?;
    }
    Ok(rows)
}

/// One slide of a cohort: read back from an earlier run (resume), or scored and written.
fn score_entry(
    pipeline: &Pipeline,
    entry: ManifestEntry,
    base: &SlideRequest,
    options: &CohortOptions,
) -> CohortRow {
    let dir = slide_out_dir(options, &entry);
    let started = Instant::now();
    let resumed = options
        .resume
        .then(|| read_report(&dir.join(REPORT_FILE)))
        .flatten();
    if let Some(report) = resumed {
        return CohortRow {
            entry,
            status: SlideStatus::Resumed,
            report: Some(report),
            error: None,
            seconds: 0.0,
        };
    }
    let request = SlideRequest {
        mpp: entry.mpp.or(base.mpp),
        ..base.clone()
    };
    let outcome = pipeline.run(&entry.slide, &request).and_then(|analysis| {
        write_outputs(&analysis, &dir, options.outputs)?;
        Ok(analysis.report)
    });
    let seconds = started.elapsed().as_secs_f64();
    match outcome {
        Ok(report) => CohortRow {
            entry,
            status: SlideStatus::Scored,
            report: Some(report),
            error: None,
            seconds,
        },
        Err(err) => CohortRow {
            entry,
            status: SlideStatus::Failed,
            report: None,
            error: Some(err.to_string().replace('\n', " ")),
            seconds,
        },
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The summary table: one row per slide with status, score, category, clinical group, flags,
/// the three indexes, label and error.
pub fn summary_csv(rows: &[CohortRow]) -> String {
    let mut out = String::from(
        "slide_id,path,status,label,score,category,clinical_group,rule,flags,staining_average,\
         positive_cell_ratio,circumferential_ratio,cells,seconds,error\n",
    );
    for row in rows {
        let e = &row.entry;
        let (score, category, group, rule, flags, indexes) = match &row.report {
            Some(r) => {
                let a = &r.assessment;
                let flags: Vec<String> = a.flags.iter().map(ToString::to_string).collect();
                let f = &r.features;
                (
                    a.score.label().to_owned(),
                    a.category.label().to_owned(),
                    format!("{:?}", a.clinical_group).to_lowercase(),
                    a.rule.clone(),
                    flags.join("; "),
                    format!(
                        "{:.6},{:.6},{:.6},{}",
                        f.staining_average, f.positive_cell_ratio, f.circumferential_ratio, f.cells
                    ),
                )
            }
            None => Default::default(),
        };
        let indexes = if indexes.is_empty() {
            ",,,".to_owned()
        } else {
            indexes
        };
        let status = match row.status {
            SlideStatus::Scored => "scored",
            SlideStatus::Resumed => "resumed",
            SlideStatus::Failed => "failed",
        };
        let _ = writeln!(
            out,
            "{},{},{status},{},{},{},{},{},{},{indexes},{:.2},{}",
            csv_field(&e.id),
            csv_field(&e.slide.display().to_string()),
            csv_field(e.label.as_deref().unwrap_or("")),
            csv_field(&score),
            csv_field(&category),
            csv_field(&group),
            csv_field(&rule),
            csv_field(&flags),
            row.seconds,
            csv_field(row.error.as_deref().unwrap_or("")),
        );
    }
    out
}

/// The features of the scored slides, for `her2 calibrate`.
pub fn feature_records(rows: &[CohortRow]) -> Vec<SlideRecord> {
    rows.iter()
        .filter_map(|row| {
            row.report.as_ref().map(|r| SlideRecord {
                slide: row.entry.id.clone(),
                features: r.features.clone(),
            })
        })
        .collect()
}

/// Writes `summary.csv`, `features.csv` and `index.html` (each suffixed with the shard when
/// sharded) into the output folder, each atomically; returns their paths.
pub fn write_cohort_tables(rows: &[CohortRow], options: &CohortOptions) -> Result<[PathBuf; 3]> {
    std::fs::create_dir_all(&options.out).map_err(|e| Her2Error::io(&options.out, e))?;
    let suffix = if options.shard.count > 1 {
        format!("-shard-{}-of-{}", options.shard.index, options.shard.count)
    } else {
        String::new()
    };
    let summary = options.out.join(format!("summary{suffix}.csv"));
    her2_score::write_atomic(&summary, summary_csv(rows).as_bytes())?;
    let features = options.out.join(format!("features{suffix}.csv"));
    her2_score::write_features_csv(&features, &feature_records(rows))?;
    let index = options.out.join(format!("index{suffix}.html"));
    her2_score::write_atomic(&index, crate::html::cohort_index(rows).as_bytes())?;
    Ok([summary, features, index])
}
