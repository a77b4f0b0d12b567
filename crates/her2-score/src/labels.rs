//! The labels CSV (`slide_id,label`, label as a pathologist wrote it: 0, null, ultralow, 1+,
//! 2+, 3+) and its join with a features CSV.

use std::collections::HashMap;
use std::path::Path;

use crate::csv_table::CsvTable;
use crate::error::{Result, ScoreError};
use crate::features::SlideFeatures;
use crate::features_csv::SlideRecord;
use crate::score::{GuidelineCategory, Her2Score};

/// A pathologist's label for one slide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlideLabel {
    /// The slide's id, as in the features CSV.
    pub slide: String,
    /// The IHC score.
    pub score: Her2Score,
    /// The 2023 category when the label gives it (a bare "0" does not say null or ultralow).
    pub category: Option<GuidelineCategory>,
}

/// A slide with both features and a label: what calibration and evaluation consume.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledSlide {
    /// The slide's id.
    pub slide: String,
    /// Its features.
    pub features: SlideFeatures,
    /// Its true score.
    pub label: Her2Score,
}

/// Reads a labels CSV with columns `slide_id` and `label` (or `score`); other columns are
/// ignored.
pub fn read_labels_csv(path: &Path) -> Result<Vec<SlideLabel>> {
    let table = CsvTable::read(path)?;
    let slides = table.slide_ids(table.column("slide_id")?)?;
    let label_at = table.column("label").or_else(|_| table.column("score"))?;
    table
        .rows
        .iter()
        .zip(slides)
        .map(|((line, row), slide)| {
            let text = row.get(label_at).unwrap_or_default();
            let score: Her2Score = text
                .parse()
                .map_err(|err: ScoreError| table.bad(*line, label_at, err.to_string()))?;
            Ok(SlideLabel {
                slide,
                score,
                category: text.parse().ok(),
            })
        })
        .collect()
}

/// Pairs every label with its slide's features, in label order. A labelled slide with no
/// features is an error naming it (`features_path` is used in the message); slides with
/// features but no label are left out.
pub fn join_labels(
    features_path: &Path,
    records: Vec<SlideRecord>,
    labels: &[SlideLabel],
) -> Result<Vec<LabelledSlide>> {
    let mut by_slide: HashMap<String, SlideFeatures> = records
        .into_iter()
        .map(|record| (record.slide, record.features))
        .collect();
    let missing: Vec<&str> = labels
        .iter()
        .filter(|label| !by_slide.contains_key(&label.slide))
        .map(|label| label.slide.as_str())
        .collect();
    if let Some(first) = missing.first() {
        return Err(ScoreError::MissingSlide {
            path: features_path.to_path_buf(),
            slide: first.to_string(),
            count: missing.len(),
        });
    }
    Ok(labels
        .iter()
        .filter_map(|label| {
            by_slide.remove(&label.slide).map(|features| LabelledSlide {
                slide: label.slide.clone(),
                features,
                label: label.score,
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_labels_in_the_usual_spellings() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.csv");
        std::fs::write(
            &path,
            "slide_id,label,note\na,0,x\nb,ultralow,\nc,IHC 2+,\nd,3,\n",
        )
        .unwrap();
        let labels = read_labels_csv(&path).unwrap();
        let scores: Vec<Her2Score> = labels.iter().map(|l| l.score).collect();
        assert_eq!(
            scores,
            [
                Her2Score::Zero,
                Her2Score::Zero,
                Her2Score::Two,
                Her2Score::Three
            ]
        );
        assert_eq!(labels[0].category, None);
        assert_eq!(labels[1].category, Some(GuidelineCategory::Ultralow));

        std::fs::write(&path, "slide_id,score\na,1+\nb,4+\n").unwrap();
        let err = read_labels_csv(&path).unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("4+"), "{err}");
        std::fs::write(&path, "slide,label\na,1+\n").unwrap();
        assert!(
            read_labels_csv(&path)
                .unwrap_err()
                .to_string()
                .contains("missing column `slide_id`")
        );
    }

    #[test]
    fn join_needs_features_for_every_label() {
        let record = |slide: &str| SlideRecord {
            slide: slide.into(),
            features: SlideFeatures::default(),
        };
        let label = |slide: &str| SlideLabel {
            slide: slide.into(),
            score: Her2Score::One,
            category: None,
        };
        let joined = join_labels(
            Path::new("f.csv"),
            vec![record("a"), record("b")],
            &[label("b")],
        )
        .unwrap();
        assert_eq!(joined.len(), 1);
        assert_eq!(joined[0].slide, "b");
        let err = join_labels(
            Path::new("f.csv"),
            vec![record("a")],
            &[label("a"), label("z")],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("f.csv") && err.contains("`z`"), "{err}");
    }
}
