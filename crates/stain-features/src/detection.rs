//! Scoring a nucleus detector against annotated nuclei: one-to-one matching of centroids
//! within a distance, then precision, recall, F1 and the count error.

use serde::{Deserialize, Serialize};

/// How well detected nuclei match annotated ones.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectionScore {
    /// Nuclei detected.
    pub detected: usize,
    /// Nuclei annotated.
    pub annotated: usize,
    /// Detected nuclei paired with an annotated one (true positives).
    pub matched: usize,
    /// `matched / detected` (1 when nothing was detected).
    pub precision: f64,
    /// `matched / annotated` (1 when nothing was annotated).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// `(detected - annotated) / annotated` (0 when both are 0; infinite when only the
    /// annotation is empty).
    pub count_error: f64,
}

/// A one-to-one pairing of detected and annotated centroids.
#[derive(Debug, Clone, PartialEq)]
pub struct Matching {
    /// `(detected index, annotated index)` of every pair, closest pairs first.
    pub pairs: Vec<(usize, usize)>,
    /// The scores of this pairing.
    pub score: DetectionScore,
}

/// Pairs each detected centroid with at most one annotated centroid no farther than
/// `max_distance` (same units as the points), closest pairs first: the greedy assignment
/// detection benchmarks use, which gives the optimal pairing whenever nuclei are farther
/// apart than the tolerance and at most a pair or two fewer in dense chains.
pub fn match_centroids(
    detected: &[[f64; 2]],
    annotated: &[[f64; 2]],
    max_distance: f64,
) -> Matching {
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    if max_distance.is_finite() && max_distance >= 0.0 && !annotated.is_empty() {
        // bucket the annotated points on a grid of the tolerance's size: only the 3x3
        // neighbouring buckets can hold a partner
        let cell = max_distance.max(1e-9);
        let key = |p: [f64; 2]| ((p[0] / cell).floor() as i64, (p[1] / cell).floor() as i64);
        let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> =
            std::collections::HashMap::new();
        for (j, &p) in annotated.iter().enumerate() {
            if p.iter().all(|v| v.is_finite()) {
                grid.entry(key(p)).or_default().push(j);
            }
        }
        for (i, &p) in detected.iter().enumerate() {
            if !p.iter().all(|v| v.is_finite()) {
                continue;
            }
            let (kx, ky) = key(p);
            for gx in kx - 1..=kx + 1 {
                for gy in ky - 1..=ky + 1 {
                    for &j in grid.get(&(gx, gy)).map_or(&[][..], Vec::as_slice) {
                        let q = annotated[j];
                        let d = (p[0] - q[0]).hypot(p[1] - q[1]);
                        if d <= max_distance {
                            candidates.push((d, i, j));
                        }
                    }
                }
            }
        }
    }
    candidates.sort_by(|a, b| a.0.total_cmp(&b.0).then((a.1, a.2).cmp(&(b.1, b.2))));
    let (mut used_d, mut used_a) = (vec![false; detected.len()], vec![false; annotated.len()]);
    let mut pairs = Vec::new();
    for (_, i, j) in candidates {
        if !used_d[i] && !used_a[j] {
            used_d[i] = true;
            used_a[j] = true;
            pairs.push((i, j));
        }
    }
    let score = DetectionScore::new(detected.len(), annotated.len(), pairs.len());
    Matching { pairs, score }
}

impl DetectionScore {
    /// The scores of `matched` pairs among `detected` and `annotated` nuclei.
    pub fn new(detected: usize, annotated: usize, matched: usize) -> Self {
        let ratio = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        let (precision, recall) = (ratio(matched, detected), ratio(matched, annotated));
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        let count_error = match (detected, annotated) {
            (0, 0) => 0.0,
            (_, 0) => f64::INFINITY,
            (d, a) => (d as f64 - a as f64) / a as f64,
        };
        Self {
            detected,
            annotated,
            matched,
            precision,
            recall,
            f1,
            count_error,
        }
    }

    /// Adds another image's counts to these (a data set's totals) and recomputes the ratios.
    pub fn combine(&self, other: &Self) -> Self {
        Self::new(
            self.detected + other.detected,
            self.annotated + other.annotated,
            self.matched + other.matched,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_are_one_to_one_and_closest_first() {
        let detected = [[0.0, 0.0], [10.0, 0.0], [100.0, 100.0]];
        let annotated = [[1.0, 0.0], [12.0, 0.0], [50.0, 50.0], [0.5, 0.5]];
        let m = match_centroids(&detected, &annotated, 4.0);
        assert_eq!(m.pairs, vec![(0, 3), (1, 1)]);
        let s = m.score;
        assert_eq!((s.detected, s.annotated, s.matched), (3, 4, 2));
        assert!((s.precision - 2.0 / 3.0).abs() < 1e-12);
        assert!((s.recall - 0.5).abs() < 1e-12);
        assert!((s.f1 - 4.0 / 7.0).abs() < 1e-12);
        assert!((s.count_error + 0.25).abs() < 1e-12);
    }

    #[test]
    fn the_tolerance_is_inclusive_and_nothing_farther_matches() {
        let m = match_centroids(&[[0.0, 0.0]], &[[3.0, 4.0]], 5.0);
        assert_eq!(m.score.matched, 1);
        let m = match_centroids(&[[0.0, 0.0]], &[[3.0, 4.1]], 5.0);
        assert_eq!(m.score.matched, 0);
    }

    #[test]
    fn empty_sides_and_nan_points_are_handled() {
        let s = match_centroids(&[], &[], 4.0).score;
        assert_eq!((s.precision, s.recall, s.count_error), (1.0, 1.0, 0.0));
        let s = match_centroids(&[[f64::NAN, 0.0]], &[[0.0, 0.0]], 4.0).score;
        assert_eq!(s.matched, 0);
        assert_eq!(s.f1, 0.0);
        assert!(
            match_centroids(&[[0.0, 0.0]], &[], 4.0)
                .score
                .count_error
                .is_infinite()
        );
    }

    #[test]
    fn totals_combine_counts_not_ratios() {
        let a = DetectionScore::new(10, 10, 9);
        let b = DetectionScore::new(90, 100, 60);
        let t = a.combine(&b);
        assert_eq!((t.detected, t.annotated, t.matched), (100, 110, 69));
        assert!((t.recall - 69.0 / 110.0).abs() < 1e-12);
    }
}
