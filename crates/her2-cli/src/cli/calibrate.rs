//! `her2 calibrate FEATURES.csv LABELS.csv --rule R --out CONFIG`: fit a scoring rule's
//! thresholds, or the membrane OD intensity cuts (`--fit intensity`), to a lab's labelled
//! slides and write a config that `her2 score --scoring` accepts; or
//! `her2 calibrate --controls REPORT... --out CONFIG`: the intensity cuts from the lab's 3+
//! controls alone.

use std::path::{Path, PathBuf};

use anyhow::Context;
use her2::REPORT_FILE;
use her2::stain_features::{IntensityThresholds, MembraneOdHistogram};
use her2_score::{
    CalibrationOptions, CalibrationTarget, Objective, RuleKind, ScoringConfig, calibrate,
    calibrate_from_controls, join_labels, read_features_csv, read_labels_csv, write_atomic,
    write_confusion_png,
};

/// Arguments of `her2 calibrate`.
#[derive(Debug, clap::Args)]
pub struct CalibrateArgs {
    /// Features CSV, one row per slide (written by `her2 score` / `her2 eval`).
    #[arg(required_unless_present = "controls")]
    pub features: Option<PathBuf>,
    /// Labels CSV with columns `slide_id,label` (0, null, ultralow, 1+, 2+, 3+).
    #[arg(required_unless_present = "controls")]
    pub labels: Option<PathBuf>,
    /// Instead of labelled slides: the lab's intensity cuts from its 3+ controls alone, read
    /// from the `report.json` of slides scored with a control piece (files, or folders holding
    /// `report.json` directly or one level down, as `her2 batch` writes them).
    #[arg(long, num_args = 1.., value_name = "REPORT", conflicts_with_all = ["features", "labels", "select_voters", "folds", "report", "png"])]
    pub controls: Vec<PathBuf>,
    /// Rule whose thresholds are fitted: guideline, paper or staining.
    #[arg(long, default_value = "guideline")]
    pub rule: RuleKind,
    /// What to fit: the rule's `thresholds`, the membrane OD `intensity` cuts (for a lab
    /// whose stain or scanner reads DAB unlike the defaults, on slides without a control),
    /// or `both` (the cuts first).
    #[arg(long, default_value = "thresholds")]
    pub fit: CalibrationTarget,
    /// The membrane OD cuts the slides were scored with (`features.stain.classes`), as
    /// FAINT,WEAK_MODERATE,INTENSE; the intensity fit scales them [default: the defaults].
    #[arg(long, value_name = "F,W,I", value_parser = parse_cuts)]
    pub measured_cuts: Option<IntensityThresholds>,
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

/// Parses `FAINT,WEAK_MODERATE,INTENSE` membrane OD cuts.
fn parse_cuts(text: &str) -> Result<IntensityThresholds, String> {
    let values: Vec<f64> = text
        .split(',')
        .map(|v| v.trim().parse::<f64>())
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{text}` is not three numbers FAINT,WEAK_MODERATE,INTENSE"))?;
    match values[..] {
        [faint, weak_moderate, intense]
            if 0.0 < faint
                && faint < weak_moderate
                && weak_moderate < intense
                && intense.is_finite() =>
        {
            Ok(IntensityThresholds {
                faint,
                weak_moderate,
                intense,
            })
        }
        _ => Err(format!(
            "`{text}` must be three increasing positive numbers FAINT,WEAK_MODERATE,INTENSE"
        )),
    }
}

/// `faint a -> b, weak-moderate c -> d, intense e -> f`: the cuts before and after.
fn cuts_change(before: &IntensityThresholds, after: &IntensityThresholds) -> String {
    format!(
        "faint {:.4} -> {:.4}, weak-moderate {:.4} -> {:.4}, intense {:.4} -> {:.4}",
        before.faint,
        after.faint,
        before.weak_moderate,
        after.weak_moderate,
        before.intense,
        after.intense
    )
}

/// Formats an optional share as a percentage.
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// The `report.json` files `paths` name: files as given, folders searched for `report.json`
/// directly in them and one level down, in name order.
fn report_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let direct = path.join(REPORT_FILE);
        if direct.is_file() {
            files.push(direct);
            continue;
        }
        let mut found: Vec<PathBuf> = std::fs::read_dir(path)
            .with_context(|| format!("reading {}", path.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path().join(REPORT_FILE)))
            .filter(|report| report.is_file())
            .collect();
        if found.is_empty() {
            anyhow::bail!(
                "{}: no {REPORT_FILE} in it or its subfolders",
                path.display()
            );
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// The control's membrane OD histogram of a report (empty when the slide had no control).
fn control_histogram(path: &Path) -> anyhow::Result<MembraneOdHistogram> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let report: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a JSON report", path.display()))?;
    if report.get("assessment").is_none() {
        anyhow::bail!("{}: not a her2 report (no `assessment`)", path.display());
    }
    match report.pointer("/control/features/membrane_od") {
        None | Some(serde_json::Value::Null) => Ok(MembraneOdHistogram::default()),
        Some(bins) => serde_json::from_value(bins.clone()).with_context(|| {
            format!(
                "{}: `control.features.membrane_od` is not a histogram",
                path.display()
            )
        }),
    }
}

/// `her2 calibrate --controls`: the lab's cuts from its controls.
fn run_controls(args: &CalibrateArgs, base: &ScoringConfig) -> anyhow::Result<()> {
    let files = report_files(&args.controls)?;
    let controls = files
        .iter()
        .map(|path| Ok((path.display().to_string(), control_histogram(path)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let measured = args.measured_cuts.clone().unwrap_or_default();
    let calibration = calibrate_from_controls(base, &controls, &measured)
        .with_context(|| format!("calibrating from {} reports", files.len()))?;
    calibration.config.save(&args.out)?;
    for reading in &calibration.controls {
        println!(
            "  {}: {} complete-membrane control cells{}{}",
            reading.source,
            reading.complete_cells,
            reading
                .median_od
                .map_or_else(String::new, |od| format!(", median OD {od:.3}")),
            if reading.used { "" } else { " (not used)" }
        );
    }
    println!(
        "controls read a median membrane OD of {:.3}: intensity cuts x{:.3}, {}",
        calibration.median_od,
        calibration.scale,
        cuts_change(&calibration.measured_cuts, &calibration.cuts)
    );
    println!("config written to {}", args.out.display());
    Ok(())
}

/// Runs `her2 calibrate`.
pub fn run(args: CalibrateArgs) -> anyhow::Result<()> {
    let base = match &args.config {
        Some(path) => ScoringConfig::load(path)?,
        None => ScoringConfig::default(),
    };
    let (Some(features), Some(labels)) = (&args.features, &args.labels) else {
        return run_controls(&args, &base);
    };
    let records = read_features_csv(features)?;
    let labels = read_labels_csv(labels)?;
    let slides = join_labels(features, records, &labels)?;
    let options = CalibrationOptions {
        objective: args.objective,
        folds: args.folds,
        seed: args.seed,
        select_voters: args.select_voters,
        target: args.fit,
        measured_cuts: args.measured_cuts.clone().unwrap_or_default(),
        ..CalibrationOptions::default()
    };
    let calibration = calibrate(&base, args.rule, &slides, &options)
        .with_context(|| format!("calibrating {}", features.display()))?;

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
        "calibrated the {} rule's {} on {} slides ({})",
        args.rule, args.fit, calibration.slides, args.objective
    );
    if let Some(fit) = &calibration.intensity {
        println!(
            "  intensity cuts x{:.3} (equally good x{:.3} to x{:.3}): {}",
            fit.scale,
            fit.equally_good[0],
            fit.equally_good[1],
            cuts_change(&fit.measured_cuts, &fit.cuts)
        );
    }
    if args.fit.thresholds() {
        for threshold in &calibration.thresholds {
            println!("  {threshold}");
        }
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
