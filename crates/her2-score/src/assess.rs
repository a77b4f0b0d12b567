//! `Assessment`: a slide's score with its category, reasons and flags, ready for a report.

use serde::{Deserialize, Serialize};

use crate::config::ScoringConfig;
use crate::features::SlideFeatures;
use crate::flags::{Flag, flags};
use crate::rules::{Check, RuleKind, Scorer};
use crate::score::{ClinicalGroup, GuidelineCategory, Her2Score};

/// The scored slide: what a report shows a pathologist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// The rule that scored it.
    pub rule: String,
    /// The IHC score.
    pub score: Her2Score,
    /// The ASCO/CAP 2023 category (0 split into null and ultralow by the guideline's
    /// percentages, whatever the rule).
    pub category: GuidelineCategory,
    /// What the category means for treatment.
    pub clinical_group: ClinicalGroup,
    /// The condition that decided the score, in words.
    pub fired: String,
    /// Every comparison the rule made.
    pub checks: Vec<Check>,
    /// Warnings.
    pub flags: Vec<Flag>,
}

impl Assessment {
    /// One line for a terminal: score, category, rule, reason and flags.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "HER2 {} - {} ({} rule: {})",
            self.category, self.clinical_group, self.rule, self.fired
        );
        if !self.flags.is_empty() {
            let flags: Vec<String> = self.flags.iter().map(ToString::to_string).collect();
            line.push_str(&format!("; flags: {}", flags.join("; ")));
        }
        line
    }
}

impl ScoringConfig {
    /// Scores a slide with the configured rule; `control` is the slide's control tissue, if
    /// any was found (it is checked, never scored).
    pub fn assess(&self, features: &SlideFeatures, control: Option<&SlideFeatures>) -> Assessment {
        self.assess_with(self.scorer(self.rule), features, control)
    }

    /// Scores a slide with every built-in rule (for evaluation and comparison).
    pub fn assess_all(
        &self,
        features: &SlideFeatures,
        control: Option<&SlideFeatures>,
    ) -> Vec<(RuleKind, Assessment)> {
        RuleKind::ALL
            .into_iter()
            .map(|kind| (kind, self.assess_with(self.scorer(kind), features, control)))
            .collect()
    }

    /// Scores a slide with any scorer, using this config for the 0 split and the flags.
    pub fn assess_with(
        &self,
        scorer: &dyn Scorer,
        features: &SlideFeatures,
        control: Option<&SlideFeatures>,
    ) -> Assessment {
        let outcome = scorer.score(features);
        let category = self.guideline.category(features, outcome.score);
        let flags = flags(&self.flags, features, &outcome, control);
        Assessment {
            rule: outcome.rule,
            score: outcome.score,
            category,
            clinical_group: category.clinical_group(),
            fired: outcome.fired,
            checks: outcome.checks,
            flags,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FAINT, INTENSE};

    #[test]
    fn assessment_carries_category_group_and_flags() {
        let mut features = SlideFeatures {
            cells: 5000,
            patches: 20,
            ..SlideFeatures::default()
        };
        features.percent_incomplete[FAINT] = 6.0;
        let config = ScoringConfig::default();
        let assessment = config.assess(&features, None);
        assert_eq!(assessment.score, Her2Score::Zero);
        assert_eq!(assessment.category, GuidelineCategory::Ultralow);
        assert_eq!(assessment.clinical_group, ClinicalGroup::Ultralow);
        assert!(assessment.flags.is_empty(), "{:?}", assessment.flags);
        assert!(
            assessment
                .summary()
                .starts_with("HER2 0 (ultralow) - HER2-ultralow (guideline rule"),
            "{}",
            assessment.summary()
        );

        features.percent_complete[INTENSE] = 11.0;
        let all = config.assess_all(&features, None);
        assert_eq!(all.len(), 3);
        assert_eq!(all[0].1.score, Her2Score::Three);
        assert!(
            all[0].1.summary().contains("flags: borderline"),
            "{}",
            all[0].1.summary()
        );
        // the staining rule sees no staining average: 0, and the split uses the percentages
        assert_eq!(all[2].1.category, GuidelineCategory::Ultralow);
    }
}
