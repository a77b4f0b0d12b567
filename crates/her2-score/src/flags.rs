//! Warnings that come with a score: borderline values, too few cells, control tissue problems
//! and heterogeneous staining.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::features::SlideFeatures;
use crate::rules::{Measure, RuleOutcome};

/// What the 3+ control tissue on the slide should measure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ControlExpectation {
    /// Flag slides that have no control tissue (off by default: many slides carry none).
    pub required: bool,
    /// Fewer cells than this and the control cannot be judged.
    pub min_cells: u64,
    /// Lowest acceptable staining average (default: the paper's 2+|3+ cut, 0.454).
    pub min_staining: f64,
    /// Highest acceptable staining average.
    pub max_staining: f64,
    /// Lowest acceptable % of cells with complete intense staining (a 3+ control: 10).
    pub min_intense_complete_percent: f64,
}

impl Default for ControlExpectation {
    fn default() -> Self {
        ControlExpectation {
            required: false,
            min_cells: 100,
            min_staining: 0.454,
            max_staining: 1.0,
            min_intense_complete_percent: 10.0,
        }
    }
}

/// When the flags fire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlagConfig {
    /// A percentage within this many points of a 10% cut is borderline (2: 8-12%); other
    /// percentage cuts scale it (0.2 points around a 1% cut).
    pub borderline_margin_percent: f64,
    /// An index (staining average, ratios) within this fraction of its cut is borderline.
    pub borderline_relative_margin: f64,
    /// Fewer tumour cells than this and the score is not reliable.
    pub min_tumour_cells: u64,
    /// Heterogeneous when at least this share of the tumour cells lie in patches whose own
    /// score is two or more steps from the slide's score.
    pub heterogeneity_share: f64,
    /// The control tissue's expected range.
    pub control: ControlExpectation,
}

impl Default for FlagConfig {
    fn default() -> Self {
        FlagConfig {
            borderline_margin_percent: 2.0,
            borderline_relative_margin: 0.1,
            min_tumour_cells: 200,
            heterogeneity_share: 0.2,
            control: ControlExpectation::default(),
        }
    }
}

/// A warning attached to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum Flag {
    /// A value the rule compared lies within the margin of its cut: a small measurement error
    /// could change the score.
    Borderline {
        /// The measure compared.
        measure: Measure,
        /// Its value.
        value: f64,
        /// The cut.
        threshold: f64,
    },
    /// Too few tumour cells were found to score the slide reliably.
    TooFewTumourCells {
        /// Cells found.
        cells: u64,
        /// The configured minimum.
        minimum: u64,
    },
    /// No control tissue was found (flagged when a control is required).
    ControlMissing,
    /// Control tissue was found but holds too few cells to judge the staining run.
    ControlTooSmall {
        /// Cells counted on the control.
        cells: u64,
        /// The configured minimum.
        minimum: u64,
    },
    /// The control tissue measured outside its expected range: staining may have failed.
    ControlOutOfRange {
        /// What was measured on the control.
        quantity: String,
        /// The value.
        value: f64,
        /// Lowest expected value.
        min: f64,
        /// Highest expected value.
        max: f64,
    },
    /// Patches disagree strongly: many cells lie in patches scoring two steps or more from the
    /// slide's score.
    Heterogeneous {
        /// Share of scored-patch cells in such patches.
        share: f64,
        /// The configured limit.
        limit: f64,
    },
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::Borderline {
                measure,
                value,
                threshold,
            } => {
                write!(
                    f,
                    "borderline: {} = {} is close to its cut {}",
                    measure.describe(),
                    measure.format_value(*value),
                    measure.format_value(*threshold)
                )
            }
            Flag::TooFewTumourCells { cells, minimum } => {
                write!(f, "too few tumour cells: {cells} < {minimum}")
            }
            Flag::ControlMissing => f.write_str("control tissue missing"),
            Flag::ControlTooSmall { cells, minimum } => {
                write!(
                    f,
                    "control tissue too small to judge: {cells} cells < {minimum}"
                )
            }
            Flag::ControlOutOfRange {
                quantity,
                value,
                min,
                max,
            } => {
                write!(
                    f,
                    "control tissue out of range: {quantity} = {value:.4} not in [{min}, {max}]"
                )
            }
            Flag::Heterogeneous { share, limit } => write!(
                f,
                "heterogeneous: {:.1}% of cells in patches two or more steps from the slide score (limit {:.1}%)",
                100.0 * share,
                100.0 * limit
            ),
        }
    }
}

/// The flags for a slide scored `outcome`, given its optional control tissue features.
pub fn flags(
    config: &FlagConfig,
    features: &SlideFeatures,
    outcome: &RuleOutcome,
    control: Option<&SlideFeatures>,
) -> Vec<Flag> {
    let mut flags = Vec::new();
    for check in &outcome.checks {
        let margin = if check.measure.is_percent() {
            config.borderline_margin_percent * check.threshold / 10.0
        } else {
            config.borderline_relative_margin * check.threshold
        };
        if (check.value - check.threshold).abs() <= margin {
            flags.push(Flag::Borderline {
                measure: check.measure,
                value: check.value,
                threshold: check.threshold,
            });
        }
    }
    if features.cells < config.min_tumour_cells {
        flags.push(Flag::TooFewTumourCells {
            cells: features.cells,
            minimum: config.min_tumour_cells,
        });
    }
    flags.extend(control_flags(&config.control, control));
    let scored: u64 = features.patch_score_cells.iter().sum();
    if scored > 0 {
        let slide = outcome.score.index();
        let far: u64 = (0..4usize)
            .filter(|patch| patch.abs_diff(slide) >= 2)
            .map(|patch| features.patch_score_cells[patch])
            .sum();
        let share = far as f64 / scored as f64;
        if share >= config.heterogeneity_share {
            flags.push(Flag::Heterogeneous {
                share,
                limit: config.heterogeneity_share,
            });
        }
    }
    flags
}

/// Flags about the control tissue.
fn control_flags(expected: &ControlExpectation, control: Option<&SlideFeatures>) -> Vec<Flag> {
    let Some(control) = control.filter(|control| control.patches > 0) else {
        return if expected.required {
            vec![Flag::ControlMissing]
        } else {
            Vec::new()
        };
    };
    if control.cells < expected.min_cells {
        return vec![Flag::ControlTooSmall {
            cells: control.cells,
            minimum: expected.min_cells,
        }];
    }
    let mut flags = Vec::new();
    let staining = control.staining_average;
    if !(expected.min_staining..=expected.max_staining).contains(&staining) {
        flags.push(Flag::ControlOutOfRange {
            quantity: Measure::StainingAverage.describe().to_string(),
            value: staining,
            min: expected.min_staining,
            max: expected.max_staining,
        });
    }
    let intense = control.intense_complete_percent();
    if intense < expected.min_intense_complete_percent {
        flags.push(Flag::ControlOutOfRange {
            quantity: Measure::IntenseCompletePercent.describe().to_string(),
            value: intense,
            min: expected.min_intense_complete_percent,
            max: 100.0,
        });
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::INTENSE;
    use crate::rules::{Guideline, Scorer, StainingOnly};
    use crate::score::Her2Score;

    fn slide(intense_complete: f64, cells: u64) -> SlideFeatures {
        let mut features = SlideFeatures {
            cells,
            patches: 10,
            staining_average: 0.6,
            ..SlideFeatures::default()
        };
        features.percent_complete[INTENSE] = intense_complete;
        features
    }

    #[test]
    fn borderline_fires_within_the_margin_only() {
        let config = FlagConfig::default();
        let rule = Guideline::default();
        for (percent, borderline) in [(12.0, true), (12.01, false), (8.0, true), (7.99, false)] {
            let features = slide(percent, 5000);
            let found = flags(&config, &features, &rule.score(&features), None);
            let fired = found.iter().any(|flag| {
                matches!(
                    flag,
                    Flag::Borderline {
                        measure: Measure::IntenseCompletePercent,
                        ..
                    }
                )
            });
            assert_eq!(fired, borderline, "{percent}%: {found:?}");
        }
        // the margin scales with the cut: 0 is not borderline to the 1% presence cut
        let none = slide(0.0, 5000);
        assert!(flags(&config, &none, &rule.score(&none), None).is_empty());
        let near_presence = slide(1.2, 5000);
        assert_eq!(
            flags(&config, &near_presence, &rule.score(&near_presence), None).len(),
            1
        );
        // relative margin on an index: 10% of the 0.454 cut
        let staining = StainingOnly::default();
        let near = SlideFeatures {
            staining_average: 0.49,
            cells: 5000,
            ..SlideFeatures::default()
        };
        let far = SlideFeatures {
            staining_average: 0.51,
            cells: 5000,
            ..SlideFeatures::default()
        };
        assert!(!flags(&config, &near, &staining.score(&near), None).is_empty());
        assert!(flags(&config, &far, &staining.score(&far), None).is_empty());
    }

    #[test]
    fn too_few_cells_and_control_checks() {
        let config = FlagConfig::default();
        let rule = Guideline::default();
        let features = slide(50.0, 199);
        let outcome = rule.score(&features);
        assert_eq!(
            flags(&config, &features, &outcome, None),
            vec![Flag::TooFewTumourCells {
                cells: 199,
                minimum: 200
            }]
        );

        let required = FlagConfig {
            control: ControlExpectation {
                required: true,
                ..ControlExpectation::default()
            },
            ..config.clone()
        };
        let features = slide(50.0, 5000);
        assert_eq!(
            flags(&required, &features, &outcome, None),
            vec![Flag::ControlMissing]
        );
        assert_eq!(flags(&config, &features, &outcome, None), vec![]);
        let good_control = slide(40.0, 500);
        assert_eq!(
            flags(&required, &features, &outcome, Some(&good_control)),
            vec![]
        );
        let tiny_control = slide(40.0, 99);
        assert_eq!(
            flags(&config, &features, &outcome, Some(&tiny_control)),
            vec![Flag::ControlTooSmall {
                cells: 99,
                minimum: 100
            }]
        );
        let weak_control = SlideFeatures {
            staining_average: 0.3,
            ..slide(5.0, 500)
        };
        let found = flags(&config, &features, &outcome, Some(&weak_control));
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0].to_string().contains("staining average = 0.3000"),
            "{}",
            found[0]
        );
    }

    #[test]
    fn heterogeneity_counts_cells_two_steps_away() {
        let config = FlagConfig::default();
        let mut features = slide(50.0, 5000);
        let outcome = Guideline::default().score(&features);
        assert_eq!(outcome.score, Her2Score::Three);
        features.patch_score_cells = [100, 700, 100, 4100];
        let found = flags(&config, &features, &outcome, None);
        assert!(
            found.is_empty(),
            "16% two steps away is under the 20% limit: {found:?}"
        );
        features.patch_score_cells = [200, 800, 0, 4000];
        let found = flags(&config, &features, &outcome, None);
        assert_eq!(
            found,
            vec![Flag::Heterogeneous {
                share: 0.2,
                limit: 0.2
            }]
        );
        assert!(
            found[0].to_string().starts_with("heterogeneous: 20.0%"),
            "{}",
            found[0]
        );
    }
}
