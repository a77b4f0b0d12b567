//! The paper's integrated rule: staining average, positive cell ratio and circumferential
//! membrane cell ratio together (97.9% on their slides, Table 4).

use serde::{Deserialize, Serialize};

use super::{
    Level, Measure, RuleOutcome, Scorer, Tunable, TunableRule, check_increasing, check_threshold,
    decide_traced,
};
use crate::error::ScoreError;
use crate::features::SlideFeatures;
use crate::score::Her2Score;

/// The cuts the three indexes vote with at one class boundary; an absent index does not vote
/// there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundaryVotes {
    /// Cut on the staining average.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staining: Option<f64>,
    /// Cut on the positive cell ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub positive_ratio: Option<f64>,
    /// Cut on the circumferential membrane cell ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub circumferential_ratio: Option<f64>,
}

/// The paper's three indexes, in the order they are listed and vote.
pub(crate) const INDEXES: [Measure; 3] = [
    Measure::StainingAverage,
    Measure::PositiveCellRatio,
    Measure::CircumferentialRatio,
];

impl BoundaryVotes {
    /// The voting indexes and their cuts, in a fixed order.
    fn votes(&self) -> impl Iterator<Item = (Measure, f64)> + '_ {
        INDEXES
            .into_iter()
            .zip([
                self.staining,
                self.positive_ratio,
                self.circumferential_ratio,
            ])
            .filter_map(|(measure, cut)| cut.map(|cut| (measure, cut)))
    }

    /// Which of [`INDEXES`] vote here.
    pub(crate) fn voting(&self) -> [bool; 3] {
        [
            self.staining.is_some(),
            self.positive_ratio.is_some(),
            self.circumferential_ratio.is_some(),
        ]
    }

    /// The config key of a voting index.
    pub(crate) fn key(measure: Measure) -> &'static str {
        match measure {
            Measure::PositiveCellRatio => "positive_ratio",
            Measure::CircumferentialRatio => "circumferential_ratio",
            _ => "staining",
        }
    }

    /// The cut of `measure`, if it votes.
    fn cut_mut(&mut self, measure: Measure) -> &mut Option<f64> {
        match measure {
            Measure::PositiveCellRatio => &mut self.positive_ratio,
            Measure::CircumferentialRatio => &mut self.circumferential_ratio,
            _ => &mut self.staining,
        }
    }
}

/// Scores a slide from the paper's three indexes: at each class boundary, from 2+|3+ down, the
/// indexes that vote there each compare their value with their cut, and the slide is above the
/// boundary when a strict majority of them say so.
///
/// Defaults (derivation in `docs/scoring.md`): each cut is the midpoint of the gap, or of the
/// overlap, between the two classes' ranges in Table 4; an index votes at a boundary unless
/// its two ranges overlap so much that Table 4's own slides would be misplaced by it (positive
/// ratio and circumferential ratio at 2+|3+).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaperIntegrated {
    /// Votes for 1+ over 0.
    pub zero_one: BoundaryVotes,
    /// Votes for 2+ over 1+.
    pub one_two: BoundaryVotes,
    /// Votes for 3+ over 2+.
    pub two_three: BoundaryVotes,
}

impl Default for PaperIntegrated {
    fn default() -> Self {
        PaperIntegrated {
            zero_one: BoundaryVotes {
                staining: Some(0.007),
                positive_ratio: Some(0.0225),
                circumferential_ratio: Some(0.0055),
            },
            one_two: BoundaryVotes {
                staining: Some(0.1675),
                positive_ratio: Some(0.1275),
                circumferential_ratio: Some(0.407),
            },
            two_three: BoundaryVotes {
                staining: Some(0.454),
                positive_ratio: None,
                circumferential_ratio: None,
            },
        }
    }
}

/// The config names of the boundaries, from the top.
pub(crate) const BOUNDARY_NAMES: [&str; 3] = ["two_three", "one_two", "zero_one"];

impl PaperIntegrated {
    /// The boundaries from the top (2+|3+, 1+|2+, 0|1+) with the score above each.
    fn boundaries(&self) -> [(Her2Score, &BoundaryVotes); 3] {
        [
            (Her2Score::Three, &self.two_three),
            (Her2Score::Two, &self.one_two),
            (Her2Score::One, &self.zero_one),
        ]
    }

    /// Checks every cut is in [0, 1], every boundary has a vote, and each index's cuts increase.
    pub fn validate(&self) -> Result<(), ScoreError> {
        for ((_, votes), name) in self.boundaries().into_iter().zip(BOUNDARY_NAMES) {
            if votes.votes().next().is_none() {
                return Err(ScoreError::invalid_config(
                    format!("paper.{name}"),
                    "no index votes at this boundary",
                ));
            }
            for (measure, cut) in votes.votes() {
                check_threshold(
                    &format!("paper.{name}.{}", BoundaryVotes::key(measure)),
                    cut,
                    1.0,
                )?;
            }
        }
        for measure in INDEXES {
            let cuts: Vec<f64> = self
                .chain(measure)
                .into_iter()
                .map(|(_, cut)| cut)
                .collect();
            check_increasing(&format!("paper.*.{}", BoundaryVotes::key(measure)), &cuts)?;
        }
        Ok(())
    }

    /// The cuts of one index from the lowest boundary up, with each boundary's position (0 for
    /// 0|1+).
    fn chain(&self, measure: Measure) -> Vec<(usize, f64)> {
        [&self.zero_one, &self.one_two, &self.two_three]
            .into_iter()
            .enumerate()
            .filter_map(|(position, votes)| {
                votes
                    .votes()
                    .find(|(m, _)| *m == measure)
                    .map(|(_, cut)| (position, cut))
            })
            .collect()
    }

    /// The boundary at `position` (0 for 0|1+).
    pub(crate) fn boundary(&self, position: usize) -> &BoundaryVotes {
        match position {
            0 => &self.zero_one,
            1 => &self.one_two,
            _ => &self.two_three,
        }
    }

    /// A copy in which exactly the `voting` indexes (in [`INDEXES`] order) vote at the boundary
    /// at `position` (0 for 0|1+): an index that already voted keeps its cut; a new voter starts
    /// midway between its own cuts at the boundaries below and above (0 and 1 where it has
    /// none), so the copy stays valid and calibration can move it from there.
    pub(crate) fn with_voting(&self, position: usize, voting: [bool; 3]) -> Self {
        let mut rule = self.clone();
        for (measure, votes) in INDEXES.into_iter().zip(voting) {
            let chain = self.chain(measure);
            let cut = rule.boundary_mut(position).cut_mut(measure);
            if !votes {
                *cut = None;
            } else if cut.is_none() {
                let below = chain.iter().rfind(|(p, _)| *p < position);
                let above = chain.iter().find(|(p, _)| *p > position);
                let low = below.map_or(0.0, |&(_, cut)| cut);
                let high = above.map_or(1.0, |&(_, cut)| cut);
                *cut = Some(0.5 * (low + high));
            }
        }
        rule
    }

    /// The boundary at `position` (0 for 0|1+), to change.
    fn boundary_mut(&mut self, position: usize) -> &mut BoundaryVotes {
        match position {
            0 => &mut self.zero_one,
            1 => &mut self.one_two,
            _ => &mut self.two_three,
        }
    }
}

impl Scorer for PaperIntegrated {
    fn name(&self) -> &str {
        "paper"
    }

    fn score(&self, features: &SlideFeatures) -> RuleOutcome {
        decide_traced(self.name(), &self.levels(), features)
    }
}

impl TunableRule for PaperIntegrated {
    fn levels(&self) -> Vec<Level> {
        self.boundaries()
            .into_iter()
            .map(|(score, votes)| {
                let mut level = Level {
                    score,
                    votes: [None; 3],
                };
                for (slot, vote) in level.votes.iter_mut().zip(votes.votes()) {
                    *slot = Some(vote);
                }
                level
            })
            .collect()
    }

    fn tunables(&self) -> Vec<Tunable> {
        let mut tunables = Vec::new();
        for measure in INDEXES {
            let chain = self.chain(measure);
            for (i, &(position, cut)) in chain.iter().enumerate() {
                tunables.push(Tunable {
                    name: format!(
                        "paper.{}.{}",
                        BOUNDARY_NAMES[2 - position],
                        BoundaryVotes::key(measure)
                    ),
                    measure,
                    value: cut,
                    lower: if i == 0 { 0.0 } else { chain[i - 1].1 },
                    upper: chain.get(i + 1).map_or(1.0, |next| next.1),
                    above: Her2Score::ALL[position + 1],
                });
            }
        }
        tunables
    }

    fn set_tunable(&mut self, index: usize, value: f64) {
        let mut seen = 0;
        for measure in INDEXES {
            for (position, _) in self.chain(measure) {
                if seen == index {
                    *self.boundary_mut(position).cut_mut(measure) = Some(value);
                    return;
                }
                seen += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::indexes;

    /// Slides in the middle of each class's Table 4 ranges score that class.
    #[test]
    fn table4_range_centres_score_their_class() {
        let rule = PaperIntegrated::default();
        let centres = [
            ((0.004, 0.0205, 0.0), Her2Score::Zero),
            ((0.0975, 0.0645, 0.1855), Her2Score::One),
            ((0.2565, 0.224, 0.5975), Her2Score::Two),
            ((0.576, 0.2555, 0.6845), Her2Score::Three),
        ];
        for ((s, p, c), expected) in centres {
            assert_eq!(rule.score(&indexes(s, p, c)).score, expected, "{s} {p} {c}");
        }
    }

    /// Moving one index across its cut changes the vote only when it flips the majority.
    #[test]
    fn votes_at_and_around_every_cut() {
        let rule = PaperIntegrated::default();
        // 2+|3+: staining alone votes.
        assert_eq!(rule.score(&indexes(0.454, 0.3, 0.9)).score, Her2Score::Two);
        assert_eq!(
            rule.score(&indexes(0.4541, 0.0, 0.0)).score,
            Her2Score::Three
        );
        // 1+|2+: two of three needed.
        assert_eq!(
            rule.score(&indexes(0.1676, 0.1276, 0.1)).score,
            Her2Score::Two
        );
        assert_eq!(
            rule.score(&indexes(0.1675, 0.1276, 0.1)).score,
            Her2Score::One
        );
        assert_eq!(
            rule.score(&indexes(0.1, 0.1275, 0.4071)).score,
            Her2Score::One
        );
        assert_eq!(
            rule.score(&indexes(0.1, 0.1276, 0.4071)).score,
            Her2Score::Two
        );
        // 0|1+: two of three needed.
        assert_eq!(
            rule.score(&indexes(0.0071, 0.0, 0.0056)).score,
            Her2Score::One
        );
        assert_eq!(
            rule.score(&indexes(0.007, 0.0, 0.0056)).score,
            Her2Score::Zero
        );
        assert_eq!(
            rule.score(&indexes(0.0, 0.0226, 0.0055)).score,
            Her2Score::Zero
        );
        assert_eq!(
            rule.score(&indexes(0.0, 0.0226, 0.0056)).score,
            Her2Score::One
        );
    }

    #[test]
    fn trace_lists_every_vote_and_names_the_fired_boundary() {
        let outcome = PaperIntegrated::default().score(&indexes(0.2, 0.2, 0.1));
        assert_eq!(outcome.score, Her2Score::Two);
        // one vote at 2+|3+, then three at 1+|2+
        assert_eq!(outcome.checks.len(), 4);
        assert!(
            outcome.fired.starts_with("2+: 2 of 3 indexes vote for 2+"),
            "{}",
            outcome.fired
        );
    }

    #[test]
    fn with_voting_keeps_cuts_and_starts_new_voters_between_neighbours() {
        let rule = PaperIntegrated::default();
        // circumferential ratio joins at 2+|3+: between its 1+|2+ cut (0.407) and 1
        let joined = rule.with_voting(2, [true, false, true]);
        assert_eq!(joined.two_three.staining, Some(0.454));
        assert_eq!(
            joined.two_three.circumferential_ratio,
            Some(0.5 * (0.407 + 1.0))
        );
        assert_eq!(joined.two_three.voting(), [true, false, true]);
        // staining leaves 1+|2+, positive ratio stays
        let left = joined.with_voting(1, [false, true, true]);
        assert_eq!(left.one_two.staining, None);
        assert_eq!(left.one_two.positive_ratio, Some(0.1275));
        assert!(left.validate().is_ok());
        // positive ratio joins at 2+|3+ between 0.1275 and 1
        let all = rule.with_voting(2, [true, true, true]);
        assert_eq!(all.two_three.positive_ratio, Some(0.5 * (0.1275 + 1.0)));
        assert_eq!(all.boundary(2).voting(), [true, true, true]);
    }

    #[test]
    fn tunables_follow_each_index_chain() {
        let mut rule = PaperIntegrated::default();
        let tunables = rule.tunables();
        assert_eq!(tunables.len(), 7);
        assert_eq!(tunables[2].name, "paper.two_three.staining");
        assert_eq!((tunables[1].lower, tunables[1].upper), (0.007, 0.454));
        let circ_high = tunables
            .iter()
            .position(|t| t.name == "paper.one_two.circumferential_ratio")
            .unwrap();
        rule.set_tunable(circ_high, 0.5);
        assert_eq!(rule.one_two.circumferential_ratio, Some(0.5));
        assert!(rule.validate().is_ok());
        rule.one_two = BoundaryVotes {
            staining: None,
            positive_ratio: None,
            circumferential_ratio: None,
        };
        let err = rule.validate().unwrap_err().to_string();
        assert!(err.contains("paper.one_two"), "{err}");
    }
}
