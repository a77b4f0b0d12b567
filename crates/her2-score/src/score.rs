//! HER2 IHC scores, the ASCO/CAP 2023 categories and the clinical groups they map to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ScoreError;

/// The IHC score a pathologist gives a slide: 0, 1+, 2+ or 3+ (ASCO/CAP 2018, CSCO 2021).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Her2Score {
    /// No or faint staining in at most 10% of tumour cells.
    #[serde(rename = "0")]
    Zero,
    /// Faint, incomplete membrane staining in more than 10% of tumour cells.
    #[serde(rename = "1+")]
    One,
    /// Weak-moderate complete staining in more than 10%, or intense complete in at most 10%.
    #[serde(rename = "2+")]
    Two,
    /// Intense complete membrane staining in more than 10% of tumour cells.
    #[serde(rename = "3+")]
    Three,
}

impl Her2Score {
    /// All scores in increasing order.
    pub const ALL: [Her2Score; 4] = [
        Her2Score::Zero,
        Her2Score::One,
        Her2Score::Two,
        Her2Score::Three,
    ];

    /// The score's position in [`Her2Score::ALL`] (0 for 0, ..., 3 for 3+).
    pub fn index(self) -> usize {
        self as usize
    }

    /// The score at `index` in [`Her2Score::ALL`], or `None` beyond 3.
    pub fn from_index(index: usize) -> Option<Her2Score> {
        Self::ALL.get(index).copied()
    }

    /// The label as pathologists write it: "0", "1+", "2+", "3+".
    pub fn label(self) -> &'static str {
        match self {
            Her2Score::Zero => "0",
            Her2Score::One => "1+",
            Her2Score::Two => "2+",
            Her2Score::Three => "3+",
        }
    }
}

impl fmt::Display for Her2Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for Her2Score {
    type Err = ScoreError;

    /// Accepts "0", "1+", "2+", "3+" (the "+" optional, an "IHC" prefix allowed) and the 2023
    /// names of the two kinds of 0, "null" and "ultralow".
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if normalise(text) == "0" {
            return Ok(Her2Score::Zero);
        }
        text.parse::<GuidelineCategory>()
            .map(GuidelineCategory::score)
            .map_err(|_| ScoreError::Parse {
                text: text.to_string(),
                what: "a HER2 score (0, null, ultralow, 1+, 2+, 3+)",
            })
    }
}

/// The ASCO/CAP 2023 categories: the 2018 scores with 0 split into null and ultralow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuidelineCategory {
    /// Score 0 with no membrane staining at all.
    Null,
    /// Score 0 with faint incomplete staining in more than 0% and at most 10% of tumour cells.
    Ultralow,
    /// Score 1+.
    One,
    /// Score 2+.
    Two,
    /// Score 3+.
    Three,
}

impl GuidelineCategory {
    /// All categories in increasing order.
    pub const ALL: [GuidelineCategory; 5] = [
        GuidelineCategory::Null,
        GuidelineCategory::Ultralow,
        GuidelineCategory::One,
        GuidelineCategory::Two,
        GuidelineCategory::Three,
    ];

    /// The 2018 score of the category (null and ultralow are both 0).
    pub fn score(self) -> Her2Score {
        match self {
            GuidelineCategory::Null | GuidelineCategory::Ultralow => Her2Score::Zero,
            GuidelineCategory::One => Her2Score::One,
            GuidelineCategory::Two => Her2Score::Two,
            GuidelineCategory::Three => Her2Score::Three,
        }
    }

    /// The category's position in [`GuidelineCategory::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The treatment-relevant group the category belongs to.
    pub fn clinical_group(self) -> ClinicalGroup {
        match self {
            GuidelineCategory::Null => ClinicalGroup::Null,
            GuidelineCategory::Ultralow => ClinicalGroup::Ultralow,
            GuidelineCategory::One => ClinicalGroup::Low,
            GuidelineCategory::Two => ClinicalGroup::Equivocal,
            GuidelineCategory::Three => ClinicalGroup::Positive,
        }
    }

    /// A short label: "0 (null)", "0 (ultralow)", "1+", "2+", "3+".
    pub fn label(self) -> &'static str {
        match self {
            GuidelineCategory::Null => "0 (null)",
            GuidelineCategory::Ultralow => "0 (ultralow)",
            other => other.score().label(),
        }
    }
}

impl fmt::Display for GuidelineCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for GuidelineCategory {
    type Err = ScoreError;

    /// Accepts "null", "ultralow", "1+", "2+", "3+" with an optional "IHC" prefix, "+" and
    /// spaces, and the labels of [`GuidelineCategory::label`]; a bare "0" is not a category
    /// (it does not say which kind of 0).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let category = match normalise(text).as_str() {
            "null" | "0null" => GuidelineCategory::Null,
            "ultralow" | "0ultralow" => GuidelineCategory::Ultralow,
            "1" | "1+" => GuidelineCategory::One,
            "2" | "2+" => GuidelineCategory::Two,
            "3" | "3+" => GuidelineCategory::Three,
            _ => {
                return Err(ScoreError::Parse {
                    text: text.to_string(),
                    what: "a HER2 category (null, ultralow, 1+, 2+, 3+)",
                });
            }
        };
        Ok(category)
    }
}

/// Lower case without spaces, brackets, dashes, underscores or an "IHC" prefix.
fn normalise(text: &str) -> String {
    let lower = text.trim().to_ascii_lowercase();
    lower
        .trim_start_matches("ihc")
        .replace([' ', '(', ')', '-', '_'], "")
}

/// What the category means for treatment (ASCO/CAP 2023 and the trastuzumab deruxtecan trials).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClinicalGroup {
    /// 3+: HER2-positive.
    Positive,
    /// 2+: equivocal, in situ hybridisation (ISH) decides; HER2-low if ISH is negative.
    Equivocal,
    /// 1+: HER2-low.
    Low,
    /// 0 with faint staining in at most 10% of cells: HER2-ultralow.
    Ultralow,
    /// 0 with no staining: HER2-null.
    Null,
}

impl fmt::Display for ClinicalGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClinicalGroup::Positive => "HER2-positive",
            ClinicalGroup::Equivocal => "equivocal (ISH needed)",
            ClinicalGroup::Low => "HER2-low",
            ClinicalGroup::Ultralow => "HER2-ultralow",
            ClinicalGroup::Null => "HER2-null",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_usual_spellings() {
        for (text, score) in [
            ("0", Her2Score::Zero),
            ("IHC 0", Her2Score::Zero),
            ("ultralow", Her2Score::Zero),
            ("null", Her2Score::Zero),
            ("1+", Her2Score::One),
            ("1", Her2Score::One),
            (" 2+ ", Her2Score::Two),
            ("IHC3+", Her2Score::Three),
        ] {
            assert_eq!(text.parse::<Her2Score>().unwrap(), score, "{text}");
        }
        assert_eq!(
            "0 (ultralow)".parse::<GuidelineCategory>().unwrap(),
            GuidelineCategory::Ultralow
        );
        assert!("0".parse::<GuidelineCategory>().is_err());
        assert!("4+".parse::<Her2Score>().is_err());
        assert!("".parse::<Her2Score>().is_err());
    }

    #[test]
    fn labels_round_trip_and_groups_follow_the_guideline() {
        for category in GuidelineCategory::ALL {
            assert_eq!(
                category.label().parse::<GuidelineCategory>().unwrap(),
                category
            );
        }
        assert_eq!(
            GuidelineCategory::Two.clinical_group(),
            ClinicalGroup::Equivocal
        );
        assert_eq!(GuidelineCategory::Ultralow.score(), Her2Score::Zero);
        assert_eq!(Her2Score::from_index(3), Some(Her2Score::Three));
        assert_eq!(Her2Score::from_index(4), None);
        assert_eq!(serde_json::to_string(&Her2Score::Two).unwrap(), "\"2+\"");
    }
}
