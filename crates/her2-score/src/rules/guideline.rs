//! ASCO/CAP 2018 scoring from the per-cell percentages, with the 2023 split of 0 into null and
//! ultralow.

use serde::{Deserialize, Serialize};

use super::{
    Level, Measure, RuleOutcome, Scorer, Tunable, TunableRule, check_threshold, decide_traced,
};
use crate::error::ScoreError;
use crate::features::SlideFeatures;
use crate::score::{GuidelineCategory, Her2Score};

/// The guideline rule, read from 3+ down (percentages are of all tumour cells):
/// 1. complete intense staining in more than `three_plus_percent` -> 3+;
/// 2. complete staining of at least weak-moderate intensity in more than `two_plus_percent`
///    -> 2+;
/// 3. complete intense staining in more than `presence_percent` (and so at most 10%) -> 2+;
/// 4. any membrane staining in more than `one_plus_percent` -> 1+;
/// 5. otherwise 0: ultralow when any membrane staining is above `presence_percent`, else null.
///
/// `presence_percent` is our reading of the guideline's "> 0%": measured staining at or below
/// it counts as none, so one misread cell in thousands does not turn null into ultralow or 1+
/// into 2+. Set it to 0 for the literal guideline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Guideline {
    /// 3+ cut on % cells with complete intense staining (guideline: 10).
    pub three_plus_percent: f64,
    /// 2+ cut on % cells with complete weak-moderate or intense staining (guideline: 10).
    pub two_plus_percent: f64,
    /// 1+ cut on % cells with any membrane staining (guideline: 10).
    pub one_plus_percent: f64,
    /// Staining in at most this % of cells counts as absent (guideline: 0; default 1).
    pub presence_percent: f64,
}

impl Default for Guideline {
    fn default() -> Self {
        Guideline {
            three_plus_percent: 10.0,
            two_plus_percent: 10.0,
            one_plus_percent: 10.0,
            presence_percent: 1.0,
        }
    }
}

impl Guideline {
    /// Checks every percentage is in [0, 100] and presence is below the 3+ cut.
    pub fn validate(&self) -> Result<(), ScoreError> {
        check_threshold(
            "guideline.three_plus_percent",
            self.three_plus_percent,
            100.0,
        )?;
        check_threshold("guideline.two_plus_percent", self.two_plus_percent, 100.0)?;
        check_threshold("guideline.one_plus_percent", self.one_plus_percent, 100.0)?;
        check_threshold(
            "guideline.presence_percent",
            self.presence_percent,
            self.three_plus_percent,
        )
    }

    /// The ASCO/CAP 2023 category of a slide that some rule scored `score`: 0 splits into
    /// ultralow (any membrane staining above `presence_percent`) and null; other scores map
    /// one to one.
    pub fn category(&self, features: &SlideFeatures, score: Her2Score) -> GuidelineCategory {
        match score {
            Her2Score::Zero if features.stained_percent() > self.presence_percent => {
                GuidelineCategory::Ultralow
            }
            Her2Score::Zero => GuidelineCategory::Null,
            Her2Score::One => GuidelineCategory::One,
            Her2Score::Two => GuidelineCategory::Two,
            Her2Score::Three => GuidelineCategory::Three,
        }
    }
}

impl Scorer for Guideline {
    fn name(&self) -> &str {
        "guideline"
    }

    fn score(&self, features: &SlideFeatures) -> RuleOutcome {
        decide_traced(self.name(), &self.levels(), features)
    }
}

impl TunableRule for Guideline {
    fn levels(&self) -> Vec<Level> {
        vec![
            Level::single(
                Her2Score::Three,
                Measure::IntenseCompletePercent,
                self.three_plus_percent,
            ),
            Level::single(
                Her2Score::Two,
                Measure::ModerateCompletePercent,
                self.two_plus_percent,
            ),
            Level::single(
                Her2Score::Two,
                Measure::IntenseCompletePercent,
                self.presence_percent,
            ),
            Level::single(
                Her2Score::One,
                Measure::StainedPercent,
                self.one_plus_percent,
            ),
        ]
    }

    fn tunables(&self) -> Vec<Tunable> {
        let tunable = |name: &str, measure, value, lower, upper, above| Tunable {
            name: name.to_string(),
            measure,
            value,
            lower,
            upper,
            above,
        };
        vec![
            tunable(
                "guideline.three_plus_percent",
                Measure::IntenseCompletePercent,
                self.three_plus_percent,
                self.presence_percent,
                100.0,
                Her2Score::Three,
            ),
            tunable(
                "guideline.two_plus_percent",
                Measure::ModerateCompletePercent,
                self.two_plus_percent,
                0.0,
                100.0,
                Her2Score::Two,
            ),
            tunable(
                "guideline.presence_percent",
                Measure::IntenseCompletePercent,
                self.presence_percent,
                0.0,
                self.three_plus_percent,
                Her2Score::Two,
            ),
            tunable(
                "guideline.one_plus_percent",
                Measure::StainedPercent,
                self.one_plus_percent,
                0.0,
                100.0,
                Her2Score::One,
            ),
        ]
    }

    fn set_tunable(&mut self, index: usize, value: f64) {
        match index {
            0 => self.three_plus_percent = value,
            1 => self.two_plus_percent = value,
            2 => self.presence_percent = value,
            _ => self.one_plus_percent = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FAINT, INTENSE, WEAK_MODERATE};

    /// Features with the given % of cells per (class, completeness); the rest unstained.
    fn cells(
        faint_incomplete: f64,
        moderate_complete: f64,
        intense_complete: f64,
    ) -> SlideFeatures {
        let mut features = SlideFeatures::default();
        features.percent_incomplete[FAINT] = faint_incomplete;
        features.percent_complete[WEAK_MODERATE] = moderate_complete;
        features.percent_complete[INTENSE] = intense_complete;
        features.percent_incomplete[0] =
            100.0 - faint_incomplete - moderate_complete - intense_complete;
        features
    }

    #[test]
    fn scores_at_and_around_every_cut() {
        let rule = Guideline::default();
        let cases = [
            // 3+: intense complete > 10
            (
                cells(0.0, 0.0, 10.01),
                Her2Score::Three,
                GuidelineCategory::Three,
            ),
            (
                cells(0.0, 0.0, 10.0),
                Her2Score::Two,
                GuidelineCategory::Two,
            ),
            // 2+: moderate-or-intense complete > 10
            (
                cells(0.0, 10.01, 0.0),
                Her2Score::Two,
                GuidelineCategory::Two,
            ),
            (
                cells(0.0, 9.0, 1.01),
                Her2Score::Two,
                GuidelineCategory::Two,
            ),
            (
                cells(0.5, 10.0, 0.0),
                Her2Score::One,
                GuidelineCategory::One,
            ),
            (
                cells(0.0, 10.0, 0.0),
                Her2Score::Zero,
                GuidelineCategory::Ultralow,
            ),
            // 2+: complete intense present (> 1) but <= 10
            (
                cells(0.0, 0.0, 1.01),
                Her2Score::Two,
                GuidelineCategory::Two,
            ),
            (
                cells(0.0, 0.0, 1.0),
                Her2Score::Zero,
                GuidelineCategory::Null,
            ),
            // 1+: any staining > 10
            (
                cells(10.01, 0.0, 0.0),
                Her2Score::One,
                GuidelineCategory::One,
            ),
            (
                cells(10.0, 0.0, 0.0),
                Her2Score::Zero,
                GuidelineCategory::Ultralow,
            ),
            // ultralow versus null: any staining > 1
            (
                cells(1.01, 0.0, 0.0),
                Her2Score::Zero,
                GuidelineCategory::Ultralow,
            ),
            (
                cells(1.0, 0.0, 0.0),
                Her2Score::Zero,
                GuidelineCategory::Null,
            ),
            (
                cells(0.0, 0.0, 0.0),
                Her2Score::Zero,
                GuidelineCategory::Null,
            ),
        ];
        for (features, score, category) in cases {
            let outcome = rule.score(&features);
            assert_eq!(outcome.score, score, "{features:?}");
            assert_eq!(
                rule.category(&features, outcome.score),
                category,
                "{features:?}"
            );
        }
    }

    #[test]
    fn literal_guideline_counts_any_staining() {
        let rule = Guideline {
            presence_percent: 0.0,
            ..Guideline::default()
        };
        assert_eq!(rule.score(&cells(0.0, 0.0, 0.01)).score, Her2Score::Two);
        assert_eq!(
            rule.category(&cells(0.01, 0.0, 0.0), Her2Score::Zero),
            GuidelineCategory::Ultralow
        );
    }

    #[test]
    fn trace_names_the_deciding_percentage() {
        let outcome = Guideline::default().score(&cells(30.0, 4.0, 0.5));
        assert_eq!(outcome.score, Her2Score::One);
        assert_eq!(outcome.checks.len(), 4);
        assert_eq!(outcome.checks[3].measure, Measure::StainedPercent);
        assert!((outcome.checks[3].value - 34.5).abs() < 1e-9);
        assert!(
            outcome.fired.contains("any membrane staining"),
            "{}",
            outcome.fired
        );
    }

    #[test]
    fn validation_and_tunables() {
        assert!(Guideline::default().validate().is_ok());
        let bad = Guideline {
            presence_percent: 20.0,
            ..Guideline::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("presence_percent")
        );
        let mut rule = Guideline::default();
        assert_eq!(rule.tunables().len(), 4);
        rule.set_tunable(3, 12.5);
        assert_eq!(rule.one_plus_percent, 12.5);
    }
}
