//! A lab's intensity cuts from its 3+ controls alone, no labels needed: the controls'
//! complete membranes read at some OD on this lab's stain and scanner; the cuts scale by that
//! OD over the reference a 3+ control reads on the stain the defaults were set on
//! ([`AnchorConfig::reference_control_od`](crate::AnchorConfig)), as the slide-level anchor
//! does for one slide. Slides without a control are then scored at these cuts.

use serde::{Deserialize, Serialize};
use stain_features::{IntensityThresholds, MembraneOdHistogram};

use super::median;
use crate::config::ScoringConfig;
use crate::error::{Result, ScoreError};

/// One control's reading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlReading {
    /// Where it came from (a slide id or a report's path).
    pub source: String,
    /// Complete-membrane cells found on it.
    pub complete_cells: u64,
    /// Median membrane OD of its complete cells (`None` without any).
    pub median_od: Option<f64>,
    /// Whether it had enough complete cells to count (`intensity.min_control_cells`).
    pub used: bool,
}

/// What [`calibrate_from_controls`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ControlCalibration {
    /// Every control read, used or not.
    pub controls: Vec<ControlReading>,
    /// Median over the used controls of their median membrane OD.
    pub median_od: f64,
    /// That over the reference: the factor on the measured cuts.
    pub scale: f64,
    /// The cuts the slides were measured at.
    pub measured_cuts: IntensityThresholds,
    /// The lab's cuts (`intensity.lab_cuts` of `config`).
    pub cuts: IntensityThresholds,
    /// `base` with the lab's cuts.
    pub config: ScoringConfig,
}

/// The lab's cuts from the membrane OD histograms of its 3+ controls (`(source, histogram)`):
/// the measured cuts times the median control OD over `base.intensity.reference_control_od`.
/// Controls with fewer than `base.intensity.min_control_cells` complete cells are listed but
/// not used. Fails when no control is usable or the factor lies outside
/// `base.intensity.scale_limits` (a failed stain or a wrong piece, not a lab's stain).
pub fn calibrate_from_controls(
    base: &ScoringConfig,
    controls: &[(String, MembraneOdHistogram)],
    measured: &IntensityThresholds,
) -> Result<ControlCalibration> {
    base.validate()?;
    let anchor = &base.intensity;
    let readings: Vec<ControlReading> = controls
        .iter()
        .map(|(source, histogram)| {
            let complete_cells = histogram.total(true);
            let median_od = histogram.quantile(0.5, true);
            ControlReading {
                source: source.clone(),
                complete_cells,
                median_od,
                used: complete_cells >= anchor.min_control_cells.max(1) && median_od.is_some(),
            }
        })
        .collect();
    let used: Vec<f64> = readings
        .iter()
        .filter(|r| r.used)
        .filter_map(|r| r.median_od)
        .collect();
    if used.is_empty() {
        return Err(ScoreError::NotEnoughSlides(format!(
            "none of the {} controls has {} complete-membrane cells (intensity.min_control_cells)",
            readings.len(),
            anchor.min_control_cells
        )));
    }
    let median_od = median(used);
    let scale = median_od / anchor.reference_control_od;
    let [lo, hi] = anchor.scale_limits;
    if !(lo..=hi).contains(&scale) {
        return Err(ScoreError::ControlsOutOfRange {
            median_od,
            scale,
            reference_od: anchor.reference_control_od,
            limits: [lo, hi],
        });
    }
    let cuts = measured.scaled(scale);
    let mut config = base.clone();
    config.intensity.lab_cuts = Some(cuts.clone());
    Ok(ControlCalibration {
        controls: readings,
        median_od,
        scale,
        measured_cuts: measured.clone(),
        cuts,
        config,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A control whose `n` complete membranes read `od`.
    fn control(name: &str, n: usize, od: f64) -> (String, MembraneOdHistogram) {
        let mut h = MembraneOdHistogram::default();
        for i in 0..n {
            h.record(od * (0.9 + 0.2 * i as f64 / n as f64), true);
        }
        (name.to_owned(), h)
    }

    #[test]
    fn pale_controls_scale_the_cuts_and_small_ones_are_skipped() {
        let base = ScoringConfig::default();
        let measured = IntensityThresholds::default();
        let controls = [
            control("a", 200, 0.6),
            control("b", 300, 0.65),
            control("c", 250, 0.62),
            control("tiny", 10, 2.0),
        ];
        let c = calibrate_from_controls(&base, &controls, &measured).unwrap();
        assert!((c.scale - 0.62).abs() < 0.03, "{c:?}");
        assert_eq!(c.controls.iter().filter(|r| r.used).count(), 3);
        assert!(!c.controls[3].used);
        assert_eq!(c.config.intensity.lab_cuts.as_ref(), Some(&c.cuts));
        assert!((c.cuts.faint / measured.faint - c.scale).abs() < 1e-12);
        assert!(c.config.validate().is_ok());
    }

    #[test]
    fn no_usable_control_or_an_implausible_one_is_an_error() {
        let base = ScoringConfig::default();
        let measured = IntensityThresholds::default();
        let err = calibrate_from_controls(&base, &[control("tiny", 5, 1.0)], &measured)
            .unwrap_err()
            .to_string();
        assert!(err.contains("min_control_cells"), "{err}");
        let err = calibrate_from_controls(&base, &[control("failed", 500, 0.1)], &measured)
            .unwrap_err()
            .to_string();
        assert!(err.contains("scale_limits"), "{err}");
    }
}
