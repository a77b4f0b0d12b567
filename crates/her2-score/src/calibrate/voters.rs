//! Voter selection for the paper rule: which of the three indexes vote at each boundary.
//!
//! Table 4 lets the staining average decide 2+|3+ alone because, on the paper's slides, the
//! other two indexes overlap there. On another lab's slides a different choice can be right
//! (an intense but incomplete 2+ stains as dark as a 3+; only completeness tells them apart).
//! The search is coordinate-wise over boundaries, from 2+|3+ down: each boundary tries every
//! non-empty set of voters with the others held, and keeps the set whose fitted rule agrees
//! best with held-out slides (cross-validated within the given slides); ties go to the
//! better training fit, then to fewer voters, then to the current set. Rounds repeat until
//! no boundary changes.

use serde::{Deserialize, Serialize};

use super::{CalibrationOptions, Fitted, better, cross_validate, fit, objective, objective_of};
use crate::labels::LabelledSlide;
use crate::rules::TunableRule;
use crate::rules::paper::{BOUNDARY_NAMES, BoundaryVotes, INDEXES, PaperIntegrated};

/// The indexes that vote at one boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoundaryVoters {
    /// The boundary's config name (`two_three`, `one_two`, `zero_one`).
    pub boundary: String,
    /// The voting indexes' config keys (`staining`, `positive_ratio`, `circumferential_ratio`).
    pub voters: Vec<String>,
}

/// One set of voters tried at one boundary, with how well the rule fitted with it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoterTrial {
    /// Search round (1 for the first pass over the boundaries).
    pub round: usize,
    /// The voters tried at the boundary, the other boundaries as they stood.
    pub tried: BoundaryVoters,
    /// The objective on held-out slides (cross-validated within the calibration slides; the
    /// training objective when folds <= 1).
    pub held_out: f64,
    /// The objective on the slides fitted on (optimistic).
    pub training: f64,
}

/// What voter selection chose, and the evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoterSelection {
    /// The voters of the starting config, from 2+|3+ down.
    pub before: Vec<BoundaryVoters>,
    /// The chosen voters, from 2+|3+ down.
    pub after: Vec<BoundaryVoters>,
    /// The starting voters' held-out objective.
    pub held_out_before: f64,
    /// The chosen voters' held-out objective.
    pub held_out_after: f64,
    /// Every set tried that differed from the one in place, in order.
    pub trials: Vec<VoterTrial>,
}

/// Every non-empty set of voters, as [`INDEXES`] flags.
fn voter_sets() -> impl Iterator<Item = [bool; 3]> {
    (1u8..8).map(|bits| [bits & 1 != 0, bits & 2 != 0, bits & 4 != 0])
}

/// The voters at the boundary at `position` (0 for 0|1+).
fn voters_at(rule: &PaperIntegrated, position: usize) -> BoundaryVoters {
    BoundaryVoters {
        boundary: BOUNDARY_NAMES[2 - position].to_string(),
        voters: INDEXES
            .into_iter()
            .zip(rule.boundary(position).voting())
            .filter(|&(_, votes)| votes)
            .map(|(measure, _)| BoundaryVotes::key(measure).to_string())
            .collect(),
    }
}

/// The voters at every boundary, from 2+|3+ down.
fn all_voters(rule: &PaperIntegrated) -> Vec<BoundaryVoters> {
    (0..3)
        .rev()
        .map(|position| voters_at(rule, position))
        .collect()
}

/// How well a set of voters does: (objective, accuracy) on held-out and on training slides.
#[derive(Debug, Clone, Copy)]
struct VoterScore {
    held_out: (f64, f64),
    training: (f64, f64),
}

/// Fits `rule`'s cuts and measures the fit on held-out slides and on the training slides.
fn assess(
    rule: &PaperIntegrated,
    slides: &[&LabelledSlide],
    options: &CalibrationOptions,
) -> VoterScore {
    let training = objective(
        &fit(rule, slides, options).levels(),
        slides,
        options.objective,
    );
    let held_out = if options.folds > 1 && slides.len() >= options.folds {
        let pooled = cross_validate(slides, options, |train| Fitted {
            cuts: None,
            levels: fit(rule, train, options).levels(),
        })
        .pooled;
        objective_of(&pooled.confusion, options.objective)
    } else {
        training
    };
    VoterScore { held_out, training }
}

/// Whether `a` with `a_voters` voters is preferred to `b` with `b_voters`.
fn preferred(a: VoterScore, a_voters: usize, b: VoterScore, b_voters: usize) -> bool {
    if better(a.held_out, b.held_out) || better(b.held_out, a.held_out) {
        return better(a.held_out, b.held_out);
    }
    if better(a.training, b.training) || better(b.training, a.training) {
        return better(a.training, b.training);
    }
    a_voters < b_voters
}

/// Chooses the voters at each boundary starting from `start`'s, then fits the cuts on all
/// `slides`.
pub(super) fn select_and_fit(
    start: &PaperIntegrated,
    slides: &[&LabelledSlide],
    options: &CalibrationOptions,
) -> (PaperIntegrated, VoterSelection) {
    let count = |set: [bool; 3]| set.iter().filter(|&&votes| votes).count();
    let mut current = start.clone();
    let mut current_score = assess(&current, slides, options);
    let held_out_before = current_score.held_out.0;
    let mut trials = Vec::new();
    for round in 1..=options.max_rounds.max(1) {
        let mut changed = false;
        for position in (0..3).rev() {
            let in_place = current.boundary(position).voting();
            let mut best = (in_place, current_score);
            for set in voter_sets().filter(|&set| set != in_place) {
                let candidate = current.with_voting(position, set);
                let score = assess(&candidate, slides, options);
                trials.push(VoterTrial {
                    round,
                    tried: voters_at(&candidate, position),
                    held_out: score.held_out.0,
                    training: score.training.0,
                });
                if preferred(score, count(set), best.1, count(best.0)) {
                    best = (set, score);
                }
            }
            if best.0 != in_place {
                current = current.with_voting(position, best.0);
                current_score = best.1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let fitted = fit(&current, slides, options);
    let selection = VoterSelection {
        before: all_voters(start),
        after: all_voters(&fitted),
        held_out_before,
        held_out_after: current_score.held_out.0,
        trials,
    };
    (fitted, selection)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibrate::Objective;
    use crate::features::SlideFeatures;
    use crate::score::Her2Score;

    /// Slides whose classes follow the staining average up to 2+, while 2+|3+ is told apart
    /// only by the circumferential ratio (dark but incomplete 2+ against dark complete 3+).
    fn slides(n_per_class: usize) -> Vec<LabelledSlide> {
        let mut slides = Vec::new();
        for (class, label) in Her2Score::ALL.into_iter().enumerate() {
            for i in 0..n_per_class {
                let t = (i as f64 + 0.5) / n_per_class as f64;
                let (staining, circumferential) = match class {
                    0 => (0.02 * t, 0.0),
                    1 => (0.1 + 0.1 * t, 0.05 + 0.1 * t),
                    // 2+ and 3+ share one staining range; 3+ is complete
                    2 => (
                        0.45 + 0.15 * ((i * 7 % n_per_class) as f64 / n_per_class as f64),
                        0.1 + 0.2 * t,
                    ),
                    _ => (0.45 + 0.15 * t, 0.45 + 0.3 * t),
                };
                slides.push(LabelledSlide {
                    slide: format!("{label}-{i}"),
                    label,
                    features: SlideFeatures {
                        staining_average: staining,
                        positive_cell_ratio: staining,
                        circumferential_ratio: circumferential,
                        ..SlideFeatures::default()
                    },
                });
            }
        }
        slides
    }

    #[test]
    fn completeness_is_chosen_where_staining_cannot_separate() {
        let slides = slides(10);
        let refs: Vec<&LabelledSlide> = slides.iter().collect();
        let options = CalibrationOptions {
            folds: 3,
            ..CalibrationOptions::default()
        };
        let start = PaperIntegrated::default();
        let before = assess(&start, &refs, &options);
        let (fitted, selection) = select_and_fit(&start, &refs, &options);
        let two_three = &selection.after[0];
        assert_eq!(two_three.boundary, "two_three");
        assert!(
            two_three
                .voters
                .contains(&"circumferential_ratio".to_string()),
            "{selection:?}"
        );
        assert_eq!(selection.before[0].voters, vec!["staining"]);
        assert!(selection.held_out_after > selection.held_out_before);
        assert!(before.training.0 < 1.0, "staining alone cannot fit 2+|3+");
        assert_eq!(
            objective(&fitted.levels(), &refs, Objective::Accuracy).0,
            1.0
        );
        assert!(fitted.validate().is_ok());
        assert!(!selection.trials.is_empty());
    }

    #[test]
    fn voter_sets_are_the_seven_non_empty_ones() {
        let sets: Vec<[bool; 3]> = voter_sets().collect();
        assert_eq!(sets.len(), 7);
        assert!(sets.iter().all(|set| set.contains(&true)));
        let mut unique = sets.clone();
        unique.dedup();
        assert_eq!(unique.len(), 7);
    }
}
