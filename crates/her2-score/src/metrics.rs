//! Confusion matrices and agreement statistics: accuracy, per-class precision and recall,
//! Cohen's kappa unweighted, linear and quadratic (as scikit-learn's `cohen_kappa_score` with
//! every class listed in `labels`).

use serde::{Deserialize, Serialize};

use crate::score::{GuidelineCategory, Her2Score};

/// Counts of (true class, predicted class) pairs: `counts[truth][prediction]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Class names in order (ordinal: kappa weights use the distance between positions).
    pub classes: Vec<String>,
    /// Rows: true class; columns: predicted class.
    pub counts: Vec<Vec<u64>>,
}

/// How disagreements are weighted in Cohen's kappa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KappaWeights {
    /// Every disagreement counts 1.
    Unweighted,
    /// A disagreement counts its distance |i - j|.
    Linear,
    /// A disagreement counts its squared distance (i - j)^2.
    Quadratic,
}

impl ConfusionMatrix {
    /// An empty matrix over `classes`.
    pub fn new(classes: Vec<String>) -> ConfusionMatrix {
        let n = classes.len();
        ConfusionMatrix {
            classes,
            counts: vec![vec![0; n]; n],
        }
    }

    /// The matrix of (truth, prediction) score pairs over 0, 1+, 2+, 3+.
    pub fn of_scores(pairs: impl IntoIterator<Item = (Her2Score, Her2Score)>) -> ConfusionMatrix {
        let mut matrix =
            ConfusionMatrix::new(Her2Score::ALL.iter().map(ToString::to_string).collect());
        for (truth, prediction) in pairs {
            matrix.counts[truth.index()][prediction.index()] += 1;
        }
        matrix
    }

    /// The matrix of (truth, prediction) pairs over the five ASCO/CAP 2023 categories.
    pub fn of_categories(
        pairs: impl IntoIterator<Item = (GuidelineCategory, GuidelineCategory)>,
    ) -> ConfusionMatrix {
        let mut matrix = ConfusionMatrix::new(
            GuidelineCategory::ALL
                .iter()
                .map(ToString::to_string)
                .collect(),
        );
        for (truth, prediction) in pairs {
            matrix.counts[truth.index()][prediction.index()] += 1;
        }
        matrix
    }

    /// Number of pairs counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().flatten().sum()
    }

    /// Pairs on the diagonal.
    fn agreements(&self) -> u64 {
        (0..self.classes.len()).map(|i| self.counts[i][i]).sum()
    }

    /// Pairs whose true class is `class`.
    fn row_total(&self, class: usize) -> u64 {
        self.counts[class].iter().sum()
    }

    /// Pairs predicted as `class`.
    fn column_total(&self, class: usize) -> u64 {
        self.counts.iter().map(|row| row[class]).sum()
    }

    /// Share of pairs on the diagonal; `None` for an empty matrix.
    pub fn accuracy(&self) -> Option<f64> {
        let total = self.total();
        (total > 0).then(|| self.agreements() as f64 / total as f64)
    }

    /// Cohen's kappa: 1 - sum(w * observed) / sum(w * expected), with expected the outer
    /// product of the marginals over the total; `None` when undefined (no pairs, or chance
    /// agreement is already perfect).
    pub fn kappa(&self, weights: KappaWeights) -> Option<f64> {
        let n = self.classes.len();
        let total = self.total() as f64;
        let weight = |i: usize, j: usize| {
            let distance = i.abs_diff(j) as f64;
            match weights {
                KappaWeights::Unweighted => f64::from(u8::from(i != j)),
                KappaWeights::Linear => distance,
                KappaWeights::Quadratic => distance * distance,
            }
        };
        let mut observed = 0.0;
        let mut expected = 0.0;
        for i in 0..n {
            for j in 0..n {
                observed += weight(i, j) * self.counts[i][j] as f64;
                expected +=
                    weight(i, j) * self.row_total(i) as f64 * self.column_total(j) as f64 / total;
            }
        }
        (total > 0.0 && expected > 0.0).then(|| 1.0 - observed / expected)
    }

    /// Precision, recall and F1 of every class.
    pub fn per_class(&self) -> Vec<ClassMetrics> {
        (0..self.classes.len())
            .map(|class| {
                let hits = self.counts[class][class] as f64;
                let support = self.row_total(class);
                let predicted = self.column_total(class);
                let precision = (predicted > 0).then(|| hits / predicted as f64);
                let recall = (support > 0).then(|| hits / support as f64);
                let f1 = match (precision, recall) {
                    (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
                    (Some(_), Some(_)) => Some(0.0),
                    _ => None,
                };
                ClassMetrics {
                    class: self.classes[class].clone(),
                    support,
                    predicted,
                    precision,
                    recall,
                    f1,
                }
            })
            .collect()
    }

    /// All statistics of the matrix.
    pub fn evaluation(&self) -> Evaluation {
        Evaluation {
            slides: self.total(),
            accuracy: self.accuracy(),
            kappa: self.kappa(KappaWeights::Unweighted),
            kappa_linear: self.kappa(KappaWeights::Linear),
            kappa_quadratic: self.kappa(KappaWeights::Quadratic),
            per_class: self.per_class(),
            confusion: self.clone(),
        }
    }
}

/// One class's figures; `None` where the denominator is zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class name.
    pub class: String,
    /// Slides truly of this class.
    pub support: u64,
    /// Slides predicted as this class.
    pub predicted: u64,
    /// Correct / predicted.
    pub precision: Option<f64>,
    /// Correct / support.
    pub recall: Option<f64>,
    /// Harmonic mean of precision and recall.
    pub f1: Option<f64>,
}

/// Agreement between predicted and true labels, as written to `evaluation.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Slides evaluated.
    pub slides: u64,
    /// Share predicted correctly.
    pub accuracy: Option<f64>,
    /// Cohen's kappa, unweighted.
    pub kappa: Option<f64>,
    /// Cohen's kappa, linear weights.
    pub kappa_linear: Option<f64>,
    /// Cohen's kappa, quadratic weights (ordinal scores: a 0 called 3+ costs 9, a 2+ called 3+ 1).
    pub kappa_quadratic: Option<f64>,
    /// Per-class precision and recall.
    pub per_class: Vec<ClassMetrics>,
    /// The matrix itself.
    pub confusion: ConfusionMatrix,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The vectors of `fixtures/her2-score/kappa_reference.py`.
    const TRUTH: [usize; 20] = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 0, 1, 2, 3, 3];
    const PREDICTED: [usize; 20] = [0, 0, 1, 1, 1, 2, 1, 2, 2, 3, 2, 1, 3, 3, 2, 0, 0, 2, 3, 3];

    fn reference_matrix() -> ConfusionMatrix {
        let score = |i: usize| Her2Score::from_index(i).unwrap();
        ConfusionMatrix::of_scores(
            TRUTH
                .iter()
                .zip(PREDICTED)
                .map(|(&t, p)| (score(t), score(p))),
        )
    }

    /// Expected values printed by scikit-learn 1.9.1 (`cohen_kappa_score(..., labels=[0, 1, 2, 3])`).
    #[test]
    fn kappa_matches_scikit_learn() {
        let matrix = reference_matrix();
        let close = |got: Option<f64>, want: f64| {
            assert!((got.unwrap() - want).abs() < 1e-12, "{got:?} vs {want}")
        };
        close(matrix.accuracy(), 0.7);
        close(matrix.kappa(KappaWeights::Unweighted), KAPPA);
        close(matrix.kappa(KappaWeights::Linear), KAPPA_LINEAR);
        close(matrix.kappa(KappaWeights::Quadratic), KAPPA_QUADRATIC);
    }

    const KAPPA: f64 = 0.5973154362416108;
    const KAPPA_LINEAR: f64 = 0.7478991596638656;
    const KAPPA_QUADRATIC: f64 = 0.868421052631579;

    #[test]
    fn per_class_figures_by_hand() {
        let per_class = reference_matrix().per_class();
        // class 1+: truth has 5 (indexes 3,4,5,6,16), predicted 1+ at 2,3,4,6,11 -> 5; correct 3
        assert_eq!(per_class[1].support, 5);
        assert_eq!(per_class[1].predicted, 5);
        assert_eq!(per_class[1].precision, Some(0.6));
        assert_eq!(per_class[1].recall, Some(0.6));
        assert!((per_class[1].f1.unwrap() - 0.6).abs() < 1e-12);
    }

    #[test]
    fn degenerate_matrices_give_none_not_nan() {
        let empty = ConfusionMatrix::of_scores([]);
        assert_eq!(empty.accuracy(), None);
        assert_eq!(empty.kappa(KappaWeights::Quadratic), None);
        let one_class = ConfusionMatrix::of_scores([(Her2Score::Two, Her2Score::Two); 3]);
        assert_eq!(one_class.accuracy(), Some(1.0));
        assert_eq!(one_class.kappa(KappaWeights::Unweighted), None);
        let per_class = one_class.per_class();
        assert_eq!(per_class[0].precision, None);
        assert_eq!(per_class[2].f1, Some(1.0));
        let json = serde_json::to_string(&one_class.evaluation()).unwrap();
        assert!(json.contains("\"kappa\":null"), "{json}");
    }

    #[test]
    fn category_matrix_has_five_classes() {
        let matrix = ConfusionMatrix::of_categories([(
            GuidelineCategory::Ultralow,
            GuidelineCategory::Null,
        )]);
        assert_eq!(
            matrix.classes,
            vec!["0 (null)", "0 (ultralow)", "1+", "2+", "3+"]
        );
        assert_eq!(matrix.counts[1][0], 1);
    }
}
