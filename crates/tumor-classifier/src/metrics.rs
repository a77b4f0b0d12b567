//! Patch-level metrics of a binary classifier (tumour = positive): accuracy, precision,
//! recall, F1, ROC AUC, average precision and the confusion matrix, plus the ROC and
//! precision-recall curves (the paper's Fig. 6). Conventions follow scikit-learn.

use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, Result};

/// Counts of a binary confusion matrix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Tumour predicted tumour.
    pub tp: usize,
    /// Normal predicted tumour.
    pub fp: usize,
    /// Normal predicted normal.
    pub tn: usize,
    /// Tumour predicted normal.
    pub fn_: usize,
}

/// Every patch metric at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchMetrics {
    /// Number of patches.
    pub n: usize,
    /// Threshold on the tumour probability.
    pub threshold: f32,
    /// (tp + tn) / n.
    pub accuracy: f64,
    /// tp / (tp + fp); 0 when nothing is predicted tumour.
    pub precision: f64,
    /// tp / (tp + fn); 0 without tumour patches.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Area under the ROC curve (trapezoidal, ties handled); NaN with one class only.
    pub roc_auc: f64,
    /// Average precision, sum over thresholds of (R_k - R_{k-1}) P_k; NaN without positives.
    pub average_precision: f64,
    /// The confusion matrix.
    pub confusion: ConfusionMatrix,
}

/// One point of a ROC curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RocPoint {
    /// Scores at or above this are called tumour.
    pub threshold: f32,
    /// False-positive rate.
    pub fpr: f64,
    /// True-positive rate.
    pub tpr: f64,
}

/// One point of a precision-recall curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrPoint {
    /// Scores at or above this are called tumour.
    pub threshold: f32,
    /// Recall.
    pub recall: f64,
    /// Precision.
    pub precision: f64,
}

fn check(scores: &[f32], labels: &[bool]) -> Result<()> {
    if scores.len() != labels.len() {
        return Err(ClassifierError::Input(format!(
            "{} scores but {} labels",
            scores.len(),
            labels.len()
        )));
    }
    if scores.is_empty() {
        return Err(ClassifierError::Input("no patches to evaluate".into()));
    }
    if scores.iter().any(|s| !s.is_finite()) {
        return Err(ClassifierError::Input("a score is not finite".into()));
    }
    Ok(())
}

/// Cumulative (threshold, tp, fp) after each distinct score, highest score first.
fn cumulative(scores: &[f32], labels: &[bool]) -> Vec<(f32, usize, usize)> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let mut out = Vec::new();
    let (mut tp, mut fp) = (0, 0);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] {
            tp += 1;
        } else {
            fp += 1;
        }
        let last_of_tie = order.get(k + 1).is_none_or(|&j| scores[j] != scores[i]);
        if last_of_tie {
            out.push((scores[i], tp, fp));
        }
    }
    out
}

/// The ROC curve, from (0, 0) to (1, 1); empty axes give NaN rates.
pub fn roc_curve(scores: &[f32], labels: &[bool]) -> Result<Vec<RocPoint>> {
    check(scores, labels)?;
    let pos = labels.iter().filter(|l| **l).count() as f64;
    let neg = labels.len() as f64 - pos;
    let mut points = vec![RocPoint {
        threshold: f32::INFINITY,
        fpr: 0.0,
        tpr: 0.0,
    }];
    points.extend(
        cumulative(scores, labels)
            .into_iter()
            .map(|(threshold, tp, fp)| RocPoint {
                threshold,
                fpr: fp as f64 / neg,
                tpr: tp as f64 / pos,
            }),
    );
    Ok(points)
}

/// The precision-recall curve, by decreasing threshold (recall increasing).
pub fn pr_curve(scores: &[f32], labels: &[bool]) -> Result<Vec<PrPoint>> {
    check(scores, labels)?;
    let pos = labels.iter().filter(|l| **l).count() as f64;
    Ok(cumulative(scores, labels)
        .into_iter()
        .map(|(threshold, tp, fp)| PrPoint {
            threshold,
            recall: tp as f64 / pos,
            precision: tp as f64 / (tp + fp) as f64,
        })
        .collect())
}

fn ratio(num: usize, den: usize) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

/// All metrics for tumour probabilities `scores` against truth `labels` (true = tumour),
/// calling a patch tumour when its score is at least `threshold`.
pub fn patch_metrics(scores: &[f32], labels: &[bool], threshold: f32) -> Result<PatchMetrics> {
    check(scores, labels)?;
    let mut cm = ConfusionMatrix::default();
    for (&s, &l) in scores.iter().zip(labels) {
        match (s >= threshold, l) {
            (true, true) => cm.tp += 1,
            (true, false) => cm.fp += 1,
            (false, false) => cm.tn += 1,
            (false, true) => cm.fn_ += 1,
        }
    }
    let precision = ratio(cm.tp, cm.tp + cm.fp);
    let recall = ratio(cm.tp, cm.tp + cm.fn_);
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    let roc = roc_curve(scores, labels)?;
    let roc_auc = roc
        .windows(2)
        .map(|w| (w[1].fpr - w[0].fpr) * (w[1].tpr + w[0].tpr) / 2.0)
        .sum();
    let mut last_recall = 0.0;
    let mut average_precision = 0.0;
    for p in pr_curve(scores, labels)? {
        average_precision += (p.recall - last_recall) * p.precision;
        last_recall = p.recall;
    }
    Ok(PatchMetrics {
        n: scores.len(),
        threshold,
        accuracy: ratio(cm.tp + cm.tn, scores.len()),
        precision,
        recall,
        f1,
        roc_auc,
        average_precision,
        confusion: cm,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_scikit_learn_on_a_small_example() {
        // sklearn: roc_auc_score([0,0,1,1],[0.1,0.4,0.35,0.8]) = 0.75,
        // average_precision_score(...) = 0.8333...
        let scores = [0.1, 0.4, 0.35, 0.8];
        let labels = [false, false, true, true];
        let m = patch_metrics(&scores, &labels, 0.5).unwrap();
        assert!((m.roc_auc - 0.75).abs() < 1e-12);
        assert!((m.average_precision - 0.833_333_333_333).abs() < 1e-9);
        assert_eq!(
            m.confusion,
            ConfusionMatrix {
                tp: 1,
                fp: 0,
                tn: 2,
                fn_: 1
            }
        );
        assert_eq!((m.accuracy, m.precision, m.recall), (0.75, 1.0, 0.5));
        assert!((m.f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn ties_give_diagonal_steps_and_perfect_scores_give_one() {
        let m = patch_metrics(&[0.5, 0.5], &[true, false], 0.5).unwrap();
        assert!((m.roc_auc - 0.5).abs() < 1e-12);
        let m = patch_metrics(&[0.9, 0.8, 0.2], &[true, true, false], 0.5).unwrap();
        assert_eq!(
            (m.roc_auc, m.average_precision, m.accuracy),
            (1.0, 1.0, 1.0)
        );
        let roc = roc_curve(&[0.9, 0.8, 0.2], &[true, true, false]).unwrap();
        assert_eq!(roc.last().map(|p| (p.fpr, p.tpr)), Some((1.0, 1.0)));
        assert!(patch_metrics(&[0.5], &[true, false], 0.5).is_err());
        assert!(patch_metrics(&[], &[], 0.5).is_err());
        assert!(patch_metrics(&[f32::NAN], &[true], 0.5).is_err());
    }
}
