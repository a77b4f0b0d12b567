//! `her2 calibrate FEATURES.csv LABELS.csv --rule R --out CONFIG`: fit a scoring rule's
//! thresholds to a lab's labelled slides and write a config that `her2 score --config` accepts.

use std::path::PathBuf;

use anyhow::Context;
use her2_score::{
    CalibrationOptions, Objective, RuleKind, ScoringConfig, calibrate, join_labels,
    read_features_csv, read_labels_csv, write_atomic, write_confusion_png,
};

/// Arguments of `her2 calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Features CSV, one row per slide (written by `her2 score` / `her2 eval`).
    pub features: PathBuf,
    /// Labels CSV with columns `slide_id,label` (0, null, ultralow, 1+, 2+, 3+).
    pub labels: PathBuf,
    /// Rule whose thresholds are fitted: guideline, paper or staining.
    #[arg(long, default_value = "guideline")]
    pub rule: RuleKind,
    /// Config file to write (TOML; JSON when it ends in .json).
    #[arg(long)]
    pub out: PathBuf,
    /// Config to start from (default: the paper's and the guideline's values).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// What the search maximises: accuracy or kappa (quadratic-weighted).
    #[arg(long, default_value = "accuracy")]
    pub objective: Objective,
    /// Folds of stratified cross-validation (0 or 1: none).
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Paper rule only: also choose which indexes vote at each boundary (by cross-validated
    /// agreement), instead of keeping the starting config's voters.
    #[arg(long)]
    pub select_voters: bool,
    /// Also write the full calibration report as JSON.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Also draw the cross-validated confusion matrix (training one without folds) as a PNG.
    #[arg(long)]
    pub png: Option<PathBuf>,
}

/// Formats an optional share as a percentage.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// Runs `her2 calibrate`.
pub fn run(args: CalibrateArgs) -> anyhow::Result<()> {
    let base = match &args.config {
        Some(path) => ScoringConfig::load(path)?,
        None => ScoringConfig::default(),
    };
    let records = read_features_csv(&args.features)?;
    let labels = read_labels_csv(&args.labels)?;
    let slides = join_labels(&args.features, records, &labels)?;
    let options = CalibrationOptions {
        objective: args.objective,
        folds: args.folds,
        seed: args.seed,
        select_voters: args.select_voters,
        ..CalibrationOptions::default()
    };
    let calibration = calibrate(&base, args.rule, &slides, &options)
        .with_context(|| format!("calibrating {}", args.features.display()))?;

    // write everything asked for, the config last, so a failure leaves no new config behind
    if let Some(path) = &args.report {
        let json = serde_json::to_string_pretty(&calibration)
            .context("encoding the calibration report")?;
        write_atomic(path, json.as_bytes())?;
    }
    if let Some(path) = &args.png {
        let (matrix, what) = match &calibration.cross_validation {
            Some(cv) => (
                &cv.pooled.confusion,
                format!("{}-FOLD CROSS-VALIDATED", cv.folds),
            ),
            None => (&calibration.training.confusion, "TRAINING".to_string()),
        };
        write_confusion_png(path, matrix, &format!("{} RULE, {what}", args.rule))?;
    }
    calibration.config.save(&args.out)?;

    println!(
        "calibrated the {} rule on {} slides ({})",
        args.rule, calibration.slides, args.objective
    );
    for threshold in &calibration.thresholds {
        println!("  {threshold}");
    }
    if let Some(selection) = &calibration.voters {
        for (before, after) in selection.before.iter().zip(&selection.after) {
            println!(
                "  voters at {:<10} {} -> {}",
                after.boundary,
                before.voters.join("+"),
                after.voters.join("+")
            );
        }
    }
    println!(
        "accuracy before {}, after {} (on the fitted slides: optimistic)",
        percent(calibration.before.accuracy),
        percent(calibration.training.accuracy)
    );
    if let Some(cv) = &calibration.cross_validation {
        println!(
            "{}-fold cross-validated accuracy {} (fold mean {} +- {}), quadratic kappa {}",
            cv.folds,
            percent(cv.pooled.accuracy),
            percent(cv.mean_test_accuracy),
            percent(cv.std_test_accuracy),
            cv.pooled
                .kappa_quadratic
                .map_or_else(|| "n/a".into(), |k| format!("{k:.3}"))
        );
    }
    println!("config written to {}", args.out.display());
    Ok(())
}
