//! HER2 classes, per-cell membrane intensity classes, and the guideline rule that maps cell
//! percentages to a class (ASCO/CAP 2018 + 2023 "ultralow"; see `METHOD.md`).

use serde::{Deserialize, Serialize};

/// The HER2 IHC class a synthetic slide is generated as (one preset per guideline pattern).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Her2Class {
    /// Score 0, "null": no membrane staining at all.
    Null,
    /// Score 0, "ultralow": faint, incomplete staining in >0% and <=10% of tumour cells.
    Ultralow,
    /// Score 1+: faint, incomplete staining in >10% of tumour cells.
    Low1,
    /// Score 2+ by weak-to-moderate complete staining in >10% of tumour cells.
    #[default]
    Equivocal2WeakComplete,
    /// Score 2+ by intense complete staining in >0% and <=10% of tumour cells.
    Equivocal2IntenseFew,
    /// Score 3+: intense complete staining in >10% of tumour cells.
    Positive3,
}

impl Her2Class {
    /// All classes, in order of increasing HER2 expression.
    pub const ALL: [Her2Class; 6] = [
        Her2Class::Null,
        Her2Class::Ultralow,
        Her2Class::Low1,
        Her2Class::Equivocal2WeakComplete,
        Her2Class::Equivocal2IntenseFew,
        Her2Class::Positive3,
    ];

    /// The IHC score as a pathologist writes it: "0", "1+", "2+" or "3+".
    pub fn score(self) -> &'static str {
        match self {
            Her2Class::Null | Her2Class::Ultralow => "0",
            Her2Class::Low1 => "1+",
            Her2Class::Equivocal2WeakComplete | Her2Class::Equivocal2IntenseFew => "2+",
            Her2Class::Positive3 => "3+",
        }
    }

    /// The score as an integer 0..=3 (the label classifiers and calibration use).
    pub fn score_value(self) -> u8 {
        match self {
            Her2Class::Null | Her2Class::Ultralow => 0,
            Her2Class::Low1 => 1,
            Her2Class::Equivocal2WeakComplete | Her2Class::Equivocal2IntenseFew => 2,
            Her2Class::Positive3 => 3,
        }
    }

    /// The clinical category: "HER2-null", "HER2-ultralow", "HER2-low", "HER2-equivocal",
    /// "HER2-positive".
    pub fn category(self) -> &'static str {
        match self {
            Her2Class::Null => "HER2-null",
            Her2Class::Ultralow => "HER2-ultralow",
            Her2Class::Low1 => "HER2-low",
            Her2Class::Equivocal2WeakComplete | Her2Class::Equivocal2IntenseFew => "HER2-equivocal",
            Her2Class::Positive3 => "HER2-positive",
        }
    }

    /// A short, file-name-safe name ("null", "ultralow", "1plus", "2plus-weak", "2plus-intense",
    /// "3plus") used in cohort folders and manifests.
    pub fn slug(self) -> &'static str {
        match self {
            Her2Class::Null => "null",
            Her2Class::Ultralow => "ultralow",
            Her2Class::Low1 => "1plus",
            Her2Class::Equivocal2WeakComplete => "2plus-weak",
            Her2Class::Equivocal2IntenseFew => "2plus-intense",
            Her2Class::Positive3 => "3plus",
        }
    }

    /// Parses a slug (as `slug` writes it) or the serde name.
    pub fn from_name(name: &str) -> Option<Self> {
        Her2Class::ALL.into_iter().find(|c| {
            c.slug() == name
                || serde_json::to_value(c)
                    .ok()
                    .and_then(|v| v.as_str().map(|s| s == name))
                    == Some(true)
        })
    }
}

/// Per-cell membrane staining intensity, as a pathologist grades it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    /// No membrane staining.
    None,
    /// Faint / barely perceptible.
    Faint,
    /// Weak to moderate.
    WeakModerate,
    /// Intense (strong).
    Intense,
}

impl Intensity {
    /// The name used in CSV files ("none", "faint", "weak_moderate", "intense").
    pub fn name(self) -> &'static str {
        match self {
            Intensity::None => "none",
            Intensity::Faint => "faint",
            Intensity::WeakModerate => "weak_moderate",
            Intensity::Intense => "intense",
        }
    }
}

/// Percentages (0..=100) of patient tumour cells per staining pattern: the numbers the
/// guideline rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct GuidelinePercentages {
    /// Cells with any membrane staining (faint or stronger, complete or not).
    pub positive: f64,
    /// Cells with weak-to-moderate or intense staining of the complete membrane.
    pub complete_weak_or_stronger: f64,
    /// Cells with intense staining of the complete membrane.
    pub intense_complete: f64,
}

/// The guideline rule: maps cell percentages to the class they define.
///
/// 3+ when intense complete > 10%; else 2+ (weak pattern) when weak-or-stronger complete > 10%;
/// else 2+ (intense-few pattern) when intense complete > 0%; else 1+ when any staining > 10%;
/// else ultralow when any staining > 0%; else null.
pub fn guideline_class(p: &GuidelinePercentages) -> Her2Class {
    if p.intense_complete > 10.0 {
        Her2Class::Positive3
    } else if p.complete_weak_or_stronger > 10.0 {
        Her2Class::Equivocal2WeakComplete
    } else if p.intense_complete > 0.0 {
        Her2Class::Equivocal2IntenseFew
    } else if p.positive > 10.0 {
        Her2Class::Low1
    } else if p.positive > 0.0 {
        Her2Class::Ultralow
    } else {
        Her2Class::Null
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(positive: f64, weak: f64, intense: f64) -> GuidelinePercentages {
        GuidelinePercentages {
            positive,
            complete_weak_or_stronger: weak,
            intense_complete: intense,
        }
    }

    #[test]
    fn guideline_rule_follows_the_cut_offs() {
        assert_eq!(guideline_class(&pct(0.0, 0.0, 0.0)), Her2Class::Null);
        assert_eq!(guideline_class(&pct(10.0, 0.0, 0.0)), Her2Class::Ultralow);
        assert_eq!(guideline_class(&pct(10.1, 0.0, 0.0)), Her2Class::Low1);
        assert_eq!(guideline_class(&pct(30.0, 10.0, 0.0)), Her2Class::Low1);
        assert_eq!(
            guideline_class(&pct(30.0, 10.5, 0.0)),
            Her2Class::Equivocal2WeakComplete
        );
        assert_eq!(
            guideline_class(&pct(30.0, 8.0, 5.0)),
            Her2Class::Equivocal2IntenseFew
        );
        assert_eq!(
            guideline_class(&pct(30.0, 12.0, 10.0)),
            Her2Class::Equivocal2WeakComplete
        );
        assert_eq!(
            guideline_class(&pct(30.0, 12.0, 10.1)),
            Her2Class::Positive3
        );
    }

    #[test]
    fn names_round_trip() {
        for c in Her2Class::ALL {
            assert_eq!(Her2Class::from_name(c.slug()), Some(c));
            let json = serde_json::to_value(c).unwrap();
            assert_eq!(Her2Class::from_name(json.as_str().unwrap()), Some(c));
        }
        assert_eq!(Her2Class::from_name("4plus"), None);
    }
}
