//! The paper's baseline rule: staining intensity thresholds alone (87.4% on their slides).

use serde::{Deserialize, Serialize};

use super::{
    Level, Measure, RuleOutcome, Scorer, Tunable, TunableRule, check_increasing, check_threshold,
    decide_traced,
};
use crate::error::ScoreError;
use crate::features::SlideFeatures;
use crate::score::Her2Score;

/// Scores a slide from its staining average only: above `two_three` is 3+, above `one_two`
/// 2+, above `zero_one` 1+, else 0.
///
/// Defaults are the cuts between the classes' staining-average ranges in the paper's Table 4
/// (derivation in `docs/scoring.md`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StainingOnly {
    /// Use the unweighted patch mean instead of the brown-area weighted staining average.
    pub unweighted: bool,
    /// Cut between 0 and 1+ (Table 4: 0 max 0.008, 1+ min 0.006).
    pub zero_one: f64,
    /// Cut between 1+ and 2+ (Table 4: 1+ max 0.189, 2+ min 0.146).
    pub one_two: f64,
    /// Cut between 2+ and 3+ (Table 4: 2+ max 0.367, 3+ min 0.541).
    pub two_three: f64,
}

impl Default for StainingOnly {
    fn default() -> Self {
        StainingOnly {
            unweighted: false,
            zero_one: 0.007,
            one_two: 0.1675,
            two_three: 0.454,
        }
    }
}

impl StainingOnly {
    /// The measure the rule reads.
    fn measure(&self) -> Measure {
        if self.unweighted {
            Measure::StainingAverageUnweighted
        } else {
            Measure::StainingAverage
        }
    }

    /// Checks that the cuts are in [0, 1] and in increasing order.
    pub fn validate(&self) -> Result<(), ScoreError> {
        check_threshold("staining.zero_one", self.zero_one, 1.0)?;
        check_threshold("staining.one_two", self.one_two, 1.0)?;
        check_threshold("staining.two_three", self.two_three, 1.0)?;
        check_increasing("staining", &[self.zero_one, self.one_two, self.two_three])
    }
}

impl Scorer for StainingOnly {
    fn name(&self) -> &str {
        "staining"
    }

    fn score(&self, features: &SlideFeatures) -> RuleOutcome {
        decide_traced(self.name(), &self.levels(), features)
    }
}

impl TunableRule for StainingOnly {
    fn levels(&self) -> Vec<Level> {
        let measure = self.measure();
        vec![
            Level::single(Her2Score::Three, measure, self.two_three),
            Level::single(Her2Score::Two, measure, self.one_two),
            Level::single(Her2Score::One, measure, self.zero_one),
        ]
    }

    fn tunables(&self) -> Vec<Tunable> {
        let cuts = [
            ("staining.zero_one", self.zero_one),
            ("staining.one_two", self.one_two),
            ("staining.two_three", self.two_three),
        ];
        (0..cuts.len())
            .map(|i| Tunable {
                name: cuts[i].0.to_string(),
                measure: self.measure(),
                value: cuts[i].1,
                lower: if i == 0 { 0.0 } else { cuts[i - 1].1 },
                upper: cuts.get(i + 1).map_or(1.0, |next| next.1),
                above: Her2Score::ALL[i + 1],
            })
            .collect()
    }

    fn set_tunable(&mut self, index: usize, value: f64) {
        match index {
            0 => self.zero_one = value,
            1 => self.one_two = value,
            _ => self.two_three = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::indexes;

    #[test]
    fn scores_at_and_around_every_cut() {
        let rule = StainingOnly::default();
        let cases = [
            (0.0, Her2Score::Zero),
            (0.007, Her2Score::Zero),
            (0.0071, Her2Score::One),
            (0.1675, Her2Score::One),
            (0.1676, Her2Score::Two),
            (0.454, Her2Score::Two),
            (0.4541, Her2Score::Three),
            (1.0, Her2Score::Three),
        ];
        for (staining, expected) in cases {
            // the other indexes must not matter to this rule
            let outcome = rule.score(&indexes(staining, 0.9, 0.9));
            assert_eq!(outcome.score, expected, "staining {staining}");
            assert_eq!(outcome.rule, "staining");
        }
    }

    #[test]
    fn unweighted_option_reads_the_unweighted_mean() {
        let rule = StainingOnly {
            unweighted: true,
            ..StainingOnly::default()
        };
        let mut features = indexes(0.5, 0.0, 0.0);
        features.staining_average_unweighted = 0.1;
        let outcome = rule.score(&features);
        assert_eq!(outcome.score, Her2Score::One);
        assert_eq!(
            outcome.checks[0].measure,
            Measure::StainingAverageUnweighted
        );
    }

    #[test]
    fn tunables_keep_the_cuts_in_order() {
        let rule = StainingOnly::default();
        let tunables = rule.tunables();
        assert_eq!(tunables.len(), 3);
        assert_eq!((tunables[1].lower, tunables[1].upper), (0.007, 0.454));
        let mut changed = rule.clone();
        changed.set_tunable(2, 0.6);
        assert_eq!(changed.two_three, 0.6);
        assert!(
            StainingOnly {
                one_two: 0.5,
                ..StainingOnly::default()
            }
            .validate()
            .is_err()
        );
        assert!(rule.validate().is_ok());
    }
}
