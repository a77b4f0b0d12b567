//! Scoring rules: the [`Scorer`] trait, the measures rules compare, and the trace they leave.
//!
//! Every rule is a decision list read from the highest score down: the first condition that
//! holds gives the score, and every comparison made on the way is kept as a [`Check`], so a
//! pathologist can see why a slide got its score and which value was close to a cut.

mod guideline;
pub(crate) mod paper;
mod staining;

pub use guideline::Guideline;
pub use paper::{BoundaryVotes, PaperIntegrated};
pub use staining::StainingOnly;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ScoreError;
use crate::features::SlideFeatures;
use crate::score::Her2Score;

/// A scoring rule: slide features in, a score and its reasons out.
///
/// Implement it to plug a different rule into the pipeline (`her2::PipelineBuilder::scorer`;
/// `Send + Sync` so that a pipeline can be shared across threads); the three built-in rules
/// are [`StainingOnly`], [`PaperIntegrated`] and [`Guideline`].
pub trait Scorer: Send + Sync {
    /// A short name for reports ("staining", "paper", "guideline").
    fn name(&self) -> &str;

    /// Scores one slide and says which condition decided it.
    fn score(&self, features: &SlideFeatures) -> RuleOutcome;
}

/// The built-in rules, as named in configs and on the command line. Ordered as their names
/// sort (guideline, paper, staining), so a map keyed by rule lists them alphabetically.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RuleKind {
    /// ASCO/CAP 2018 on the per-cell percentages, with the 2023 split of 0 ([`Guideline`]).
    #[default]
    Guideline,
    /// The paper's integrated rule on its three indexes ([`PaperIntegrated`]).
    Paper,
    /// The paper's baseline: staining intensity thresholds alone ([`StainingOnly`]).
    Staining,
}

impl RuleKind {
    /// All built-in rules.
    pub const ALL: [RuleKind; 3] = [RuleKind::Guideline, RuleKind::Paper, RuleKind::Staining];

    /// The name used in configs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Guideline => "guideline",
            RuleKind::Paper => "paper",
            RuleKind::Staining => "staining",
        }
    }
}

impl fmt::Display for RuleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for RuleKind {
    type Err = ScoreError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        RuleKind::ALL
            .into_iter()
            .find(|kind| kind.name().eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| ScoreError::Parse {
                text: text.to_string(),
                what: "a rule (guideline, paper, staining)",
            })
    }
}

/// A slide-level quantity a rule compares with a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Measure {
    /// [`SlideFeatures::staining_average`] (brown-area weighted).
    StainingAverage,
    /// [`SlideFeatures::staining_average_unweighted`].
    StainingAverageUnweighted,
    /// [`SlideFeatures::positive_cell_ratio`].
    PositiveCellRatio,
    /// [`SlideFeatures::circumferential_ratio`].
    CircumferentialRatio,
    /// [`SlideFeatures::intense_complete_percent`].
    IntenseCompletePercent,
    /// [`SlideFeatures::moderate_complete_percent`].
    ModerateCompletePercent,
    /// [`SlideFeatures::stained_percent`].
    StainedPercent,
}

impl Measure {
    /// The measure's value for a slide.
    pub fn value(self, features: &SlideFeatures) -> f64 {
        match self {
            Measure::StainingAverage => features.staining_average,
            Measure::StainingAverageUnweighted => features.staining_average_unweighted,
            Measure::PositiveCellRatio => features.positive_cell_ratio,
            Measure::CircumferentialRatio => features.circumferential_ratio,
            Measure::IntenseCompletePercent => features.intense_complete_percent(),
            Measure::ModerateCompletePercent => features.moderate_complete_percent(),
            Measure::StainedPercent => features.stained_percent(),
        }
    }

    /// True for percentages of tumour cells (0-100), false for the paper's 0-1 indexes.
    pub fn is_percent(self) -> bool {
        matches!(
            self,
            Measure::IntenseCompletePercent
                | Measure::ModerateCompletePercent
                | Measure::StainedPercent
        )
    }

    /// A value of this measure as people read it: percentages to one decimal with a `%`,
    /// the paper's 0-1 indexes to three decimals.
    pub fn format_value(self, value: f64) -> String {
        if self.is_percent() {
            format!("{value:.1}%")
        } else {
            format!("{value:.3}")
        }
    }

    /// A human description, used in traces.
    pub fn describe(self) -> &'static str {
        match self {
            Measure::StainingAverage => "staining average",
            Measure::StainingAverageUnweighted => "unweighted staining average",
            Measure::PositiveCellRatio => "positive cell ratio",
            Measure::CircumferentialRatio => "circumferential membrane cell ratio",
            Measure::IntenseCompletePercent => "% cells with complete intense staining",
            Measure::ModerateCompletePercent => {
                "% cells with complete weak-moderate or intense staining"
            }
            Measure::StainedPercent => "% cells with any membrane staining",
        }
    }
}

/// One comparison a rule made: `value > threshold`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Check {
    /// What was compared.
    pub measure: Measure,
    /// The slide's value.
    pub value: f64,
    /// The threshold it was compared with.
    pub threshold: f64,
    /// Whether `value > threshold`.
    pub passed: bool,
    /// The score the comparison argues for when it passes (for example "3+").
    pub for_score: Her2Score,
}

impl Check {
    /// Compares `measure` of `features` with `threshold`.
    pub fn new(
        measure: Measure,
        features: &SlideFeatures,
        threshold: f64,
        for_score: Her2Score,
    ) -> Check {
        let value = measure.value(features);
        Check {
            measure,
            value,
            threshold,
            passed: value > threshold,
            for_score,
        }
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.passed { ">" } else { "<=" };
        write!(
            f,
            "{} {} {op} {}",
            self.measure.describe(),
            self.measure.format_value(self.value),
            self.measure.format_value(self.threshold)
        )
    }
}

/// What a rule decided and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The rule's name ([`Scorer::name`]).
    pub rule: String,
    /// The score.
    pub score: Her2Score,
    /// The condition that fired, in words (for example "3+: % cells with complete intense
    /// staining 23.1% > 10.0%").
    pub fired: String,
    /// Every comparison made, in order.
    pub checks: Vec<Check>,
}

/// One level of a decision list: the slide scores `score` when a strict majority of the votes
/// (`measure > cut`) pass. Single-vote levels are plain threshold tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Level {
    pub score: Her2Score,
    pub votes: [Option<(Measure, f64)>; 3],
}

impl Level {
    /// A level decided by one comparison.
    pub fn single(score: Her2Score, measure: Measure, cut: f64) -> Level {
        Level {
            score,
            votes: [Some((measure, cut)), None, None],
        }
    }

    /// Whether the level's majority passes for `features`.
    fn passes(&self, features: &SlideFeatures) -> bool {
        let (ayes, cast) =
            self.votes
                .iter()
                .flatten()
                .fold((0, 0), |(ayes, cast), &(measure, cut)| {
                    (ayes + usize::from(measure.value(features) > cut), cast + 1)
                });
        2 * ayes > cast
    }
}

/// The score a decision list gives, read from the top; 0 when no level passes. No allocation:
/// calibration calls it millions of times.
pub(crate) fn decide(levels: &[Level], features: &SlideFeatures) -> Her2Score {
    levels
        .iter()
        .find(|level| level.passes(features))
        .map_or(Her2Score::Zero, |level| level.score)
}

/// [`decide`] with the trace: every comparison made and the condition that fired.
pub(crate) fn decide_traced(rule: &str, levels: &[Level], features: &SlideFeatures) -> RuleOutcome {
    let mut checks = Vec::new();
    for level in levels {
        let first = checks.len();
        checks.extend(
            level
                .votes
                .iter()
                .flatten()
                .map(|&(measure, cut)| Check::new(measure, features, cut, level.score)),
        );
        let cast = &checks[first..];
        let ayes = cast.iter().filter(|check| check.passed).count();
        if 2 * ayes > cast.len() {
            let reasons: Vec<String> = cast.iter().map(ToString::to_string).collect();
            let fired = match cast.len() {
                1 => format!("{}: {}", level.score, reasons[0]),
                n => format!(
                    "{}: {ayes} of {n} indexes vote for {}: {}",
                    level.score,
                    level.score,
                    reasons.join("; ")
                ),
            };
            return RuleOutcome {
                rule: rule.to_string(),
                score: level.score,
                fired,
                checks,
            };
        }
    }
    RuleOutcome {
        rule: rule.to_string(),
        score: Her2Score::Zero,
        fired: "0: no condition for 1+ or above holds".into(),
        checks,
    }
}

/// A threshold a calibration may move: its name, the measure it cuts, its value, the range
/// that keeps the rule's cuts in order, and the score it separates from the one below.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tunable {
    pub name: String,
    pub measure: Measure,
    pub value: f64,
    pub lower: f64,
    pub upper: f64,
    pub above: Her2Score,
}

/// A built-in rule: a decision list whose thresholds calibration can fit.
pub(crate) trait TunableRule: Scorer + Clone {
    /// The decision list, from the highest score down.
    fn levels(&self) -> Vec<Level>;
    /// The thresholds, in a fixed order.
    fn tunables(&self) -> Vec<Tunable>;
    /// Sets threshold `index` (as listed by [`TunableRule::tunables`]).
    fn set_tunable(&mut self, index: usize, value: f64);
}

/// Checks that a threshold is a finite number in `[0, max]`.
pub(crate) fn check_threshold(name: &str, value: f64, max: f64) -> Result<(), ScoreError> {
    if value.is_finite() && (0.0..=max).contains(&value) {
        Ok(())
    } else {
        Err(ScoreError::invalid_config(
            name,
            format!("{value} is not in [0, {max}]"),
        ))
    }
}

/// Checks that thresholds listed from the lowest cut up never decrease.
pub(crate) fn check_increasing(name: &str, values: &[f64]) -> Result<(), ScoreError> {
    if values.windows(2).all(|pair| pair[0] <= pair[1]) {
        Ok(())
    } else {
        Err(ScoreError::invalid_config(
            name,
            format!("cuts {values:?} must not decrease from 0|1+ to 2+|3+"),
        ))
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    use crate::features::SlideFeatures;

    /// Features with the paper's three indexes set and everything else zero.
    pub fn indexes(staining: f64, positive: f64, circumferential: f64) -> SlideFeatures {
        SlideFeatures {
            staining_average: staining,
            staining_average_unweighted: staining,
            positive_cell_ratio: positive,
            circumferential_ratio: circumferential,
            ..SlideFeatures::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_parse_back() {
        for kind in RuleKind::ALL {
            assert_eq!(kind.name().parse::<RuleKind>().unwrap(), kind);
        }
        assert_eq!("Paper".parse::<RuleKind>().unwrap(), RuleKind::Paper);
        assert!("integrated".parse::<RuleKind>().is_err());
    }

    #[test]
    fn decision_list_stops_at_the_first_passing_level() {
        let features = test_support::indexes(0.3, 0.0, 0.0);
        let levels = [
            Level::single(Her2Score::Three, Measure::StainingAverage, 0.5),
            Level::single(Her2Score::Two, Measure::StainingAverage, 0.2),
            Level::single(Her2Score::One, Measure::StainingAverage, 0.1),
        ];
        let outcome = decide_traced("t", &levels, &features);
        assert_eq!(outcome.score, Her2Score::Two);
        assert_eq!(decide(&levels, &features), Her2Score::Two);
        assert_eq!(outcome.checks.len(), 2);
        assert!(
            outcome
                .fired
                .starts_with("2+: staining average 0.300 > 0.200"),
            "{}",
            outcome.fired
        );
        let low = test_support::indexes(0.05, 0.0, 0.0);
        let none = decide_traced("t", &levels, &low);
        assert_eq!(none.score, Her2Score::Zero);
        assert_eq!(decide(&levels, &low), Her2Score::Zero);
        assert_eq!(none.checks.len(), 3);
    }

    #[test]
    fn majority_levels_need_more_than_half() {
        let level = Level {
            score: Her2Score::Two,
            votes: [
                Some((Measure::StainingAverage, 0.1)),
                Some((Measure::PositiveCellRatio, 0.1)),
                Some((Measure::CircumferentialRatio, 0.1)),
            ],
        };
        assert!(level.passes(&test_support::indexes(0.2, 0.2, 0.0)));
        assert!(!level.passes(&test_support::indexes(0.2, 0.0, 0.0)));
        let pair = Level {
            votes: [
                Some((Measure::StainingAverage, 0.1)),
                None,
                Some((Measure::PositiveCellRatio, 0.1)),
            ],
            ..level
        };
        assert!(
            !pair.passes(&test_support::indexes(0.2, 0.0, 0.0)),
            "one of two is no majority"
        );
    }

    #[test]
    fn threshold_validation_names_the_bad_value() {
        assert!(check_threshold("x", 0.5, 1.0).is_ok());
        let err = check_threshold("staining.two_three", f64::NAN, 1.0)
            .unwrap_err()
            .to_string();
        assert!(err.contains("staining.two_three"), "{err}");
        assert!(check_increasing("s", &[0.1, 0.2, 0.2]).is_ok());
        assert!(check_increasing("s", &[0.1, 0.3, 0.2]).is_err());
    }
}
