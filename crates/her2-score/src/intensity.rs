//! Intensity cuts anchored to a reference, as a pathologist judges intensity against the
//! slide's control and a lab calibrates its stain: the membrane OD cuts (faint,
//! weak-moderate, intense) are scaled, in this order of preference, by
//! 1. the slide's own 3+ control piece, when it has enough complete membranes: its complete
//!    membranes' median OD against [`AnchorConfig::reference_control_od`], so that a stain
//!    run or a scanner that reads DAB 0.6x or 1.4x as dark moves the cuts with it;
//! 2. the lab's cuts ([`AnchorConfig::lab_cuts`]), fitted by `her2 calibrate` from labelled
//!    slides or from control slides alone;
//! 3. nothing: the configured cuts hold.
//!
//! DAB optical density is proportional to the amount of stain (Beer-Lambert), so one factor
//! moves every cut.

use serde::{Deserialize, Serialize};
use stain_features::IntensityThresholds;

use crate::error::{Result, ScoreError};
use crate::features::SlideFeatures;

/// Where a slide's intensity cuts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntensitySource {
    /// The configured cuts as given: no control, or none that could anchor them.
    Configured,
    /// The configured cuts scaled by the slide's own 3+ control.
    Control,
    /// The lab's calibrated cuts ([`AnchorConfig::lab_cuts`]).
    Lab,
}

/// How a slide's intensity cuts are anchored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnchorConfig {
    /// Scale the cuts by the slide's 3+ control when it has enough complete membranes.
    pub use_control: bool,
    /// Fewest complete-membrane cells the control needs to anchor the cuts.
    pub min_control_cells: u64,
    /// Median membrane OD of a 3+ control's complete cells at which the configured cuts hold
    /// as they are: a control reading 0.6x this scales every cut by 0.6.
    pub reference_control_od: f64,
    /// Smallest and largest scale trusted: outside them the control is taken for a failed
    /// stain or a wrong piece (the control flags say which), and the configured cuts hold.
    pub scale_limits: [f64; 2],
    /// The lab's cuts, from `her2 calibrate`: used when the slide's control cannot anchor
    /// the configured ones (none, too small, implausible, or `use_control` off). `None`: the
    /// configured cuts hold.
    pub lab_cuts: Option<IntensityThresholds>,
}

impl Default for AnchorConfig {
    /// The reference is the median membrane OD of complete cells on `ihc-synth`'s 3+ control
    /// pieces read with the default stain analysis (docs/accuracy.md, "Anchored
    /// intensity"), the look the default cuts were set on.
    fn default() -> Self {
        AnchorConfig {
            use_control: true,
            min_control_cells: 50,
            reference_control_od: 1.0,
            scale_limits: [0.4, 2.5],
            lab_cuts: None,
        }
    }
}

impl AnchorConfig {
    /// Checks the settings; the message names the field.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, problem: String| Err(ScoreError::invalid_config(field, problem));
        if !(self.reference_control_od.is_finite() && self.reference_control_od > 0.0) {
            return bad(
                "intensity.reference_control_od",
                format!("{} must be > 0", self.reference_control_od),
            );
        }
        let [lo, hi] = self.scale_limits;
        if !(lo.is_finite() && hi.is_finite() && 0.0 < lo && lo <= 1.0 && 1.0 <= hi) {
            return bad(
                "intensity.scale_limits",
                format!("[{lo}, {hi}] must satisfy 0 < min <= 1 <= max"),
            );
        }
        if let Some(c) = &self.lab_cuts {
            let (f, w, i) = (c.faint, c.weak_moderate, c.intense);
            if !(f.is_finite() && i.is_finite() && 0.0 < f && f < w && w < i) {
                return bad(
                    "intensity.lab_cuts",
                    format!(
                        "faint {f}, weak_moderate {w}, intense {i} must be finite with \
                         0 < faint < weak_moderate < intense"
                    ),
                );
            }
        }
        Ok(())
    }

    /// The cuts for a slide whose configured cuts are `configured` and whose control tissue
    /// measured `control` (if any), with where they came from.
    pub fn reference(
        &self,
        configured: &IntensityThresholds,
        control: Option<&SlideFeatures>,
    ) -> IntensityReference {
        let control_membrane_od = control.and_then(|c| c.membrane_od.quantile(0.5, true));
        let control_complete_cells = control.map_or(0, |c| c.membrane_od.total(true));
        let scale = control_membrane_od.map(|od| od / self.reference_control_od);
        let [lo, hi] = self.scale_limits;
        let anchored = self.use_control
            && control_complete_cells >= self.min_control_cells.max(1)
            && scale.is_some_and(|s| (lo..=hi).contains(&s));
        let (source, scale, cuts) = match (scale, &self.lab_cuts) {
            (Some(s), _) if anchored => (IntensitySource::Control, s, configured.scaled(s)),
            (_, Some(lab)) => (
                IntensitySource::Lab,
                lab.intense / configured.intense,
                lab.clone(),
            ),
            _ => (IntensitySource::Configured, 1.0, configured.clone()),
        };
        IntensityReference {
            source,
            scale,
            cuts,
            control_membrane_od,
            control_complete_cells,
        }
    }
}

/// The membrane OD cuts a slide's cells were classed by, and where they came from; the
/// report states it so that every class can be traced to its cut.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntensityReference {
    /// What set the cuts.
    pub source: IntensitySource,
    /// Factor the configured cuts were multiplied by (1 unless anchored; for the lab's cuts,
    /// their intense cut over the configured one).
    pub scale: f64,
    /// The cuts used.
    pub cuts: IntensityThresholds,
    /// Median membrane OD of the control's complete cells, when a control was measured.
    pub control_membrane_od: Option<f64>,
    /// Complete-membrane cells found on the control (0 without one).
    pub control_complete_cells: u64,
}

impl IntensityReference {
    /// The cuts a control or the lab set, which the slide's cells are to be classed at;
    /// `None` when the configured cuts hold.
    pub fn anchored_cuts(&self) -> Option<&IntensityThresholds> {
        match self.source {
            IntensitySource::Control | IntensitySource::Lab => Some(&self.cuts),
            IntensitySource::Configured => None,
        }
    }
}

impl SlideFeatures {
    /// Whether the membrane OD histogram holds every positive cell, so that the cells can be
    /// recounted at other cuts (not so for features read from an old CSV, or made by a
    /// segmenter that keeps no histogram).
    pub fn histogram_holds_positive_cells(&self) -> bool {
        let h = &self.membrane_od;
        h.total(true) + h.total(false) == self.positive_cells
    }

    /// These features with the cells' intensity classes recounted at `cuts` from the membrane
    /// OD histogram (percentages, and counts rounded to whole cells). Unchanged when the
    /// histogram does not hold every positive cell (features read from a CSV or made by a
    /// segmenter that keeps none): a recount would then lose cells.
    pub fn recounted(&self, cuts: &IntensityThresholds) -> SlideFeatures {
        if !self.histogram_holds_positive_cells() {
            return self.clone();
        }
        let h = &self.membrane_od;
        let (complete, mut incomplete) = h.class_cells(cuts);
        incomplete[0] += self.cells.saturating_sub(self.positive_cells) as f64;
        let percent = |n: f64| 100.0 * n / self.cells.max(1) as f64;
        SlideFeatures {
            cells_complete: complete.map(|n| n.round() as u64),
            cells_incomplete: incomplete.map(|n| n.round() as u64),
            percent_complete: complete.map(percent),
            percent_incomplete: incomplete.map(percent),
            ..self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{FAINT, INTENSE, WEAK_MODERATE};
    use stain_features::MembraneOdHistogram;

    /// Features of `cells` tumour cells of which those listed are positive: `(od, complete)`.
    fn slide(cells: u64, positive: &[(f64, bool)]) -> SlideFeatures {
        let mut membrane_od = MembraneOdHistogram::default();
        for &(od, complete) in positive {
            membrane_od.record(od, complete);
        }
        SlideFeatures {
            cells,
            positive_cells: positive.len() as u64,
            membrane_od,
            ..SlideFeatures::default()
        }
    }

    /// A 3+ control whose `n` complete membranes read `od`.
    fn control(n: usize, od: f64) -> SlideFeatures {
        slide(n as u64, &vec![(od, true); n])
    }

    #[test]
    fn without_a_control_the_configured_cuts_hold() {
        let configured = IntensityThresholds::default();
        let r = AnchorConfig::default().reference(&configured, None);
        assert_eq!(r.source, IntensitySource::Configured);
        assert_eq!((r.scale, r.cuts.clone()), (1.0, configured));
        assert_eq!(r.control_membrane_od, None);
    }

    #[test]
    fn a_pale_control_scales_every_cut() {
        let configured = IntensityThresholds::default();
        let config = AnchorConfig::default();
        let pale = control(200, 0.6 * config.reference_control_od);
        let r = config.reference(&configured, Some(&pale));
        assert_eq!(r.source, IntensitySource::Control);
        assert!((r.scale - 0.6).abs() < 0.03, "{}", r.scale);
        assert!((r.cuts.intense / configured.intense - r.scale).abs() < 1e-12);
        assert!((r.cuts.faint / configured.faint - r.scale).abs() < 1e-12);
        assert_eq!(r.control_complete_cells, 200);
    }

    #[test]
    fn small_or_implausible_controls_do_not_anchor() {
        let configured = IntensityThresholds::default();
        let config = AnchorConfig::default();
        let small = control(10, 0.5);
        let failed = control(500, 0.05);
        let off = AnchorConfig {
            use_control: false,
            ..AnchorConfig::default()
        };
        for (config, c) in [
            (&config, &small),
            (&config, &failed),
            (&off, &control(500, 0.5)),
        ] {
            let r = config.reference(&configured, Some(c));
            assert_eq!(r.source, IntensitySource::Configured, "{r:?}");
            assert_eq!(r.cuts, configured);
            assert!(r.control_membrane_od.is_some());
        }
    }

    #[test]
    fn the_lab_scale_holds_where_the_control_cannot_anchor() {
        let configured = IntensityThresholds::default();
        let config = AnchorConfig {
            lab_cuts: Some(configured.scaled(0.7)),
            ..AnchorConfig::default()
        };
        assert!(config.validate().is_ok());
        for c in [None, Some(control(10, 0.5)), Some(control(500, 0.05))] {
            let r = config.reference(&configured, c.as_ref());
            assert_eq!(r.source, IntensitySource::Lab, "{r:?}");
            assert!((r.scale - 0.7).abs() < 1e-12);
            assert!((r.cuts.weak_moderate - 0.7 * configured.weak_moderate).abs() < 1e-12);
        }
        // a usable control still comes first
        let r = config.reference(&configured, Some(&control(200, 1.3)));
        assert_eq!(r.source, IntensitySource::Control);
        assert!((r.scale - 1.3).abs() < 0.05, "{}", r.scale);
        // the lab's cuts recount the cells
        let f = slide(10, &[(0.2, true)]);
        let cuts = r_lab(&config).anchored_cuts().cloned().unwrap();
        assert_eq!(f.recounted(&cuts).cells_complete[WEAK_MODERATE], 1);
        assert_eq!(f.cells_complete[WEAK_MODERATE], 0);
        assert_eq!(
            AnchorConfig::default()
                .reference(&configured, None)
                .anchored_cuts(),
            None
        );
    }

    /// The reference of a slide without a control under `config`.
    fn r_lab(config: &AnchorConfig) -> IntensityReference {
        config.reference(&IntensityThresholds::default(), None)
    }

    #[test]
    fn recounting_at_scaled_cuts_undoes_a_weak_stain() {
        let configured = IntensityThresholds::default();
        // 100 cells: 30 complete intense (0.9), 20 complete weak-moderate (0.35), 10
        // incomplete faint (0.15), 40 unstained; then the same read at 0.6x
        let cells = |k: f64| {
            let mut p = vec![(0.9 * k, true); 30];
            p.extend(vec![(0.35 * k, true); 20]);
            p.extend(vec![(0.15 * k, false); 10]);
            slide(100, &p)
        };
        let weak = cells(0.6).recounted(&configured);
        assert!(weak.percent_complete[INTENSE] < 1.0, "{weak:?}");
        let anchored = cells(0.6).recounted(&configured.scaled(0.6));
        let truth = cells(1.0).recounted(&configured);
        for f in [&anchored, &truth] {
            assert!((f.percent_complete[INTENSE] - 30.0).abs() < 0.5, "{f:?}");
            assert!((f.percent_complete[WEAK_MODERATE] - 20.0).abs() < 0.5);
            assert!((f.percent_incomplete[FAINT] - 10.0).abs() < 0.5);
            assert!((f.percent_incomplete[0] - 40.0).abs() < 0.5);
            assert_eq!(f.cells_complete[INTENSE], 30);
        }
    }

    #[test]
    fn features_without_their_cells_are_left_as_they_are() {
        let mut f = slide(100, &[(0.9, true)]);
        f.positive_cells = 50; // the histogram holds 1 of them: no recount
        f.percent_complete[INTENSE] = 7.0;
        assert_eq!(f.recounted(&IntensityThresholds::default()), f);
    }

    #[test]
    fn bad_settings_are_named() {
        let c = AnchorConfig {
            scale_limits: [1.5, 2.0],
            ..AnchorConfig::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("scale_limits")
        );
        let c = AnchorConfig {
            reference_control_od: f64::NAN,
            ..AnchorConfig::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("reference_control_od")
        );
        let c = AnchorConfig {
            lab_cuts: Some(IntensityThresholds {
                faint: 0.3,
                weak_moderate: 0.2,
                intense: 0.6,
            }),
            ..AnchorConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("lab_cuts"));
        assert!(AnchorConfig::default().validate().is_ok());
    }
}
