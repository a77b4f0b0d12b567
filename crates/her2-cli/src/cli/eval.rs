//! `her2 eval MANIFEST --out DIR`: score a labelled cohort and compare every rule with the
//! labels (confusion matrices, accuracy, per-class precision/recall, Cohen's kappa).

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::Context;
use her2::Shard;
use her2::her2_score::{ConfusionMatrix, GuidelineCategory, Her2Score, write_confusion_png};
use her2::{RuleEvaluation, eval_page};

use crate::cli::batch::score_cohort;
use crate::cli::pipeline_args::PipelineArgs;

/// Arguments of `her2 eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// A CSV with `path` and `label` columns (labels: 0, 1+, 2+, 3+, or 0-null / 0-ultralow).
    pub manifest: PathBuf,
    /// Output folder: per-slide outputs, summary.csv, features.csv, index.html, eval.json,
    /// eval.html, confusion PNGs.
    #[arg(long)]
    pub out: PathBuf,
    /// Reuse slides already scored in OUT.
    #[arg(long)]
    pub resume: bool,
    /// How to build the pipeline.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

/// Runs `her2 eval`.
pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    let rows = score_cohort(
        &args.manifest,
        &args.out,
        Shard::default(),
        args.resume,
        &args.pipeline,
    )?;
    let mut scores: BTreeMap<String, Vec<(Her2Score, Her2Score)>> = BTreeMap::new();
    let mut categories: BTreeMap<String, Vec<(GuidelineCategory, GuidelineCategory)>> =
        BTreeMap::new();
    let mut failed = Vec::new();
    for row in &rows {
        let label = row.entry.label.as_deref().with_context(|| {
            format!(
                "{}: slide `{}` has no label",
                args.manifest.display(),
                row.entry.id
            )
        })?;
        let Some(report) = &row.report else {
            failed.push(row.entry.id.clone());
            continue;
        };
        let truth_category = label.parse::<GuidelineCategory>().ok();
        let truth_score = match truth_category {
            Some(c) => c.score(),
            None => label
                .parse::<Her2Score>()
                .map_err(|e| anyhow::anyhow!("slide `{}`: label `{label}`: {e}", row.entry.id))?,
        };
        for (rule, assessment) in &report.all_rules {
            scores
                .entry(rule.name().to_owned())
                .or_default()
                .push((truth_score, assessment.score));
            if let Some(truth) = truth_category {
                categories
                    .entry(rule.name().to_owned())
                    .or_default()
                    .push((truth, assessment.category));
            }
        }
    }
    let mut evaluations = serde_json::Map::new();
    let mut lines = Vec::new();
    let mut pages = Vec::new();
    for (rule, pairs) in &scores {
        let matrix = ConfusionMatrix::of_scores(pairs.iter().copied());
        write_confusion_png(
            &args.out.join(format!("confusion-{rule}.png")),
            &matrix,
            &format!("{rule} rule"),
        )?;
        let score_evaluation = matrix.evaluation();
        let mut entry = serde_json::json!({"scores": score_evaluation, "matrix": matrix});
        let mut category_evaluation = None;
        if let Some(pairs) = categories.get(rule).filter(|p| p.len() == pairs.len()) {
            let matrix = ConfusionMatrix::of_categories(pairs.iter().copied());
            let evaluation = matrix.evaluation();
            entry["categories"] = serde_json::json!({"evaluation": evaluation, "matrix": matrix});
            category_evaluation = Some(evaluation);
        }
        pages.push((rule.clone(), score_evaluation, category_evaluation));
        lines.push(format!(
            "{rule}: accuracy {:.1}% over {} slides",
            100.0 * matrix.accuracy().unwrap_or(0.0),
            matrix.total()
        ));
        evaluations.insert(rule.clone(), entry);
    }
    let summary = serde_json::json!({"slides": rows.len(), "failed": failed, "rules": evaluations});
    let mut text = serde_json::to_string_pretty(&summary)?;
    text.push('\n');
    her2::her2_score::write_atomic(&args.out.join("eval.json"), text.as_bytes())?;
    let rules: Vec<RuleEvaluation<'_>> = pages
        .iter()
        .map(|(rule, scores, categories)| RuleEvaluation {
            rule,
            scores,
            categories: categories.as_ref(),
        })
        .collect();
    let page = eval_page(rows.len(), &rules, &failed);
    her2::her2_score::write_atomic(&args.out.join("eval.html"), page.as_bytes())?;
    for line in lines {
        println!("{line}");
    }
    if !failed.is_empty() {
        println!(
            "{} slide(s) failed and are not counted: {}",
            failed.len(),
            failed.join(", ")
        );
    }
    Ok(())
}
