//! Fitting a lab's intensity cuts: one factor on the cuts the slides were measured at, chosen
//! so that the rule, with the cells recounted at the scaled cuts from each slide's membrane OD
//! histogram, agrees best with the labels. One factor, because a stain run or a scanner that
//! reads DAB darker or paler moves every membrane's optical density by the same factor
//! (Beer-Lambert); the cuts keep their ratios, as the control anchor keeps them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use stain_features::IntensityThresholds;

use super::{better, objective_of};
use crate::error::{Result, ScoreError};
use crate::labels::LabelledSlide;
use crate::metrics::ConfusionMatrix;
use crate::rules::{Level, decide};
use crate::score::Her2Score;

use super::Objective;

/// What calibration fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalibrationTarget {
    /// The rule's thresholds on the slides' percentages and indexes, as measured.
    #[default]
    Thresholds,
    /// The membrane OD intensity cuts (`intensity.lab_cuts`), the rule's thresholds kept:
    /// what a lab whose stain or scanner reads DAB unlike the defaults needs.
    Intensity,
    /// The intensity cuts first, then the thresholds on the cells recounted at them.
    Both,
}

impl CalibrationTarget {
    /// Whether the intensity cuts are fitted.
    pub fn intensity(self) -> bool {
        matches!(self, CalibrationTarget::Intensity | CalibrationTarget::Both)
    }

    /// Whether the rule's thresholds are fitted.
    pub fn thresholds(self) -> bool {
        matches!(
            self,
            CalibrationTarget::Thresholds | CalibrationTarget::Both
        )
    }
}

impl fmt::Display for CalibrationTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CalibrationTarget::Thresholds => "thresholds",
            CalibrationTarget::Intensity => "intensity",
            CalibrationTarget::Both => "both",
        })
    }
}

impl FromStr for CalibrationTarget {
    type Err = ScoreError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "thresholds" => Ok(CalibrationTarget::Thresholds),
            "intensity" => Ok(CalibrationTarget::Intensity),
            "both" => Ok(CalibrationTarget::Both),
            _ => Err(ScoreError::Parse {
                text: text.to_string(),
                what: "a calibration target (thresholds, intensity, both)",
            }),
        }
    }
}

/// The fitted intensity cuts and the evidence for them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntensityFit {
    /// The cuts the slides' cells were classed at when measured, which the factor scales.
    pub measured_cuts: IntensityThresholds,
    /// The fitted factor: the middle of the run of equally good factors.
    pub scale: f64,
    /// The smallest and largest factor of that run: how sharply the labels pin the cuts.
    pub equally_good: [f64; 2],
    /// The fitted cuts, written to the config as `intensity.lab_cuts`.
    pub cuts: IntensityThresholds,
}

/// Ratio between neighbouring candidate factors: 2% steps, finer than the spread of one
/// class's membrane OD.
const STEP: f64 = 1.02;

/// `slides` with their cells' intensity classes recounted at `cuts`.
pub(super) fn recounted(
    slides: &[&LabelledSlide],
    cuts: &IntensityThresholds,
) -> Vec<LabelledSlide> {
    slides
        .iter()
        .map(|slide| LabelledSlide {
            features: slide.features.recounted(cuts),
            ..(*slide).clone()
        })
        .collect()
}

/// Fails, naming the first, when a slide with positive cells has no membrane OD histogram
/// holding them all (features from a CSV written before the histogram column): its cells
/// could not be recounted, and the fit would silently ignore it.
pub(super) fn check_histograms(slides: &[&LabelledSlide]) -> Result<()> {
    let lacking: Vec<&str> = slides
        .iter()
        .filter(|slide| !slide.features.histogram_holds_positive_cells())
        .map(|slide| slide.slide.as_str())
        .collect();
    match lacking.first() {
        None => Ok(()),
        Some(first) => Err(ScoreError::MissingHistograms {
            first: (*first).to_owned(),
            more: lacking.len() - 1,
        }),
    }
}

/// The factor on `measured` that makes `levels` agree best with `slides` (labels), searched
/// on a 2% grid within `limits`; among equally good factors, the middle of the first run.
pub(super) fn fit_intensity(
    levels: &[Level],
    slides: &[&LabelledSlide],
    measured: &IntensityThresholds,
    limits: [f64; 2],
    objective: Objective,
) -> IntensityFit {
    let [lo, hi] = limits;
    let steps = ((hi / lo).ln() / STEP.ln()).ceil().max(1.0) as i32;
    let scales: Vec<f64> = (0..=steps)
        .map(|i| lo * (hi / lo).powf(f64::from(i) / f64::from(steps)))
        .collect();
    let scored: Vec<(f64, (f64, f64))> = scales
        .iter()
        .map(|&scale| {
            let cuts = measured.scaled(scale);
            let matrix = ConfusionMatrix::of_scores(slides.iter().map(|slide| {
                let score: Her2Score = decide(levels, &slide.features.recounted(&cuts));
                (slide.label, score)
            }));
            (scale, objective_of(&matrix, objective))
        })
        .collect();
    let best = scored
        .iter()
        .map(|&(_, score)| score)
        .fold(
            (f64::MIN, f64::MIN),
            |a, b| if better(b, a) { b } else { a },
        );
    let first = scored
        .iter()
        .position(|&(_, score)| !better(best, score))
        .unwrap_or(0);
    let run = scored[first..]
        .iter()
        .take_while(|&&(_, score)| !better(best, score))
        .count()
        .max(1);
    // the middle of the run on the log scale
    let (low, high) = (scored[first].0, scored[first + run - 1].0);
    let scale = (low * high).sqrt();
    IntensityFit {
        measured_cuts: measured.clone(),
        scale,
        equally_good: [low, high],
        cuts: measured.scaled(scale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ScoringConfig;
    use crate::features::SlideFeatures;
    use crate::rules::TunableRule;
    use stain_features::MembraneOdHistogram;

    /// A slide of 100 cells whose positive ones read `od` times `k`: `(od, complete, n)`.
    fn slide(name: &str, label: Her2Score, k: f64, cells: &[(f64, bool, usize)]) -> LabelledSlide {
        let mut membrane_od = MembraneOdHistogram::default();
        let mut positive = 0;
        for &(od, complete, n) in cells {
            for _ in 0..n {
                membrane_od.record(od * k, complete);
            }
            positive += n as u64;
        }
        let features = SlideFeatures {
            cells: 100,
            positive_cells: positive,
            membrane_od,
            ..SlideFeatures::default()
        };
        LabelledSlide {
            slide: name.to_owned(),
            features: features.recounted(&IntensityThresholds::default()),
            label,
        }
    }

    /// One slide of each score, every membrane read `k` times as dark as on the defaults'
    /// stain.
    fn cohort(k: f64) -> Vec<LabelledSlide> {
        use Her2Score::*;
        vec![
            slide("0", Zero, k, &[(0.15, false, 5)]),
            slide("1", One, k, &[(0.15, false, 40)]),
            slide("2", Two, k, &[(0.4, true, 30), (0.15, false, 20)]),
            slide("3", Three, k, &[(0.9, true, 60), (0.4, true, 20)]),
        ]
    }

    fn levels() -> Vec<Level> {
        ScoringConfig::default().guideline.levels()
    }

    #[test]
    fn a_pale_lab_is_fitted_back_to_its_labels() {
        let measured = IntensityThresholds::default();
        let slides = cohort(0.6);
        let refs: Vec<&LabelledSlide> = slides.iter().collect();
        let wrong = refs
            .iter()
            .filter(|s| decide(&levels(), &s.features) != s.label)
            .count();
        assert!(wrong >= 2, "the pale stain misleads the default cuts");
        let fit = fit_intensity(&levels(), &refs, &measured, [0.4, 2.5], Objective::Accuracy);
        assert!(
            fit.equally_good[0] <= 0.6 && 0.6 <= fit.equally_good[1] * 1.02,
            "{fit:?}"
        );
        assert!((fit.cuts.intense / measured.intense - fit.scale).abs() < 1e-12);
        for s in recounted(&refs, &fit.cuts) {
            assert_eq!(decide(&levels(), &s.features), s.label, "{}", s.slide);
        }
    }

    #[test]
    fn slides_without_histograms_are_named() {
        let mut slides = cohort(1.0);
        slides[2].features.membrane_od = MembraneOdHistogram::default();
        let refs: Vec<&LabelledSlide> = slides.iter().collect();
        let err = check_histograms(&refs).unwrap_err().to_string();
        assert!(err.contains("`2`") && err.contains("membrane_od"), "{err}");
        assert!(check_histograms(&refs[..2]).is_ok());
    }

    #[test]
    fn targets_parse_back() {
        for t in [
            CalibrationTarget::Thresholds,
            CalibrationTarget::Intensity,
            CalibrationTarget::Both,
        ] {
            assert_eq!(t.to_string().parse::<CalibrationTarget>().unwrap(), t);
        }
        assert!("cuts".parse::<CalibrationTarget>().is_err());
    }
}
