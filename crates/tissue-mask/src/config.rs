//! [`TissueConfig`]: every parameter of the tissue detector, serde. The default method is ours
//! (Otsu on the optical density relative to the slide's own glass, [`TissueMethod`]): the
//! paper's HSV + Otsu is kept as an option, with defaults that follow the paper where it says
//! something (HSV, Otsu on H and S, combined); the rest (morphology sizes, guards, control
//! heuristic) are documented choices of ours.

use serde::{Deserialize, Serialize};

/// What the tissue/glass split is made on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TissueMethod {
    /// Otsu on the optical density relative to the slide's own glass (its colour estimated
    /// from the thumbnail's brightest mode, [`GlassConfig`]). The default: real scans' glass
    /// has a colour cast and pale IHC 0 tissue is barely saturated, so absolute saturation
    /// takes the glass for tissue on some scans and misses the tissue on others
    /// (docs/tissue-mask.md, docs/accuracy.md).
    #[default]
    GlassContrast,
    /// The paper's method: HSV, Otsu on S and H, masks combined by [`CombineRule`].
    HueSaturation,
}

/// Parameters of the glass estimate and of the split of [`TissueMethod::GlassContrast`].
/// Optical densities are base 10, summed over R, G and B.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GlassConfig {
    /// The glass is the brightness mode just below this percentile of the thumbnail's
    /// brightness (the top 1% left out: specks, saturated pixels).
    pub bright_percentile: f64,
    /// How far below that percentile (brightness levels, 0..=255) the mode is looked for.
    pub mode_window: u8,
    /// The mode is glass only when at least this bright (mean of R, G, B); else white is the
    /// reference (a thumbnail that is all tissue has no glass).
    pub min_brightness: f64,
    /// The mode is glass only when at most this saturated (OpenCV 8-bit S; real scanners'
    /// casts read 8-25, hematoxylin-stained tissue 40 and more).
    pub max_saturation: u8,
    /// Otsu's contrast threshold is clamped into `[min, max]`: `min` keeps glass noise and
    /// JPEG ringing (up to 0.03 on real scans) out, `max` keeps pale tissue when the
    /// thumbnail is mostly tissue (Otsu then splits weak from strong stain).
    pub threshold_range: [f64; 2],
    /// Blank-slide guard: the pixels above the threshold must have at least this mean
    /// contrast, otherwise the result is "no tissue found".
    pub min_tissue_contrast: f64,
}

impl Default for GlassConfig {
    fn default() -> Self {
        Self {
            bright_percentile: 0.99,
            mode_window: 30,
            min_brightness: 180.0,
            max_saturation: 32,
            threshold_range: [0.04, 0.15],
            min_tissue_contrast: 0.08,
        }
    }
}

/// How the hue mask and the saturation mask are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CombineRule {
    /// Tissue = saturation mask AND hue mask: the literal reading of the paper's "combining
    /// the masks of the H and S channels" (also the peer scripts'). The hue mask keeps the side
    /// of the hue threshold that holds the median hue of the saturated pixels. On IHC, Otsu's
    /// hue threshold falls between the brown DAB and the blue hematoxylin hues, so this keeps
    /// one stain and drops the other (see docs/tissue-mask.md for the measurements).
    And,
    /// Tissue = saturation mask OR hue mask.
    Or,
    /// Tissue = saturation mask only; the hue threshold is computed and reported, not used.
    /// The default: it keeps brown and blue tissue alike (our reading of the paper's intent,
    /// background removal, where the hue cut cannot help: glass has no defined hue).
    #[default]
    SaturationOnly,
}

/// Parameters of the control-piece heuristic (a small, separate, strongly DAB-stained piece
/// near a slide edge, e.g. the 3+ control tissue many HER2 slides carry).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ControlConfig {
    /// Run the heuristic at all.
    pub enabled: bool,
    /// A candidate covers at most this fraction of the total tissue area.
    pub max_area_fraction: f64,
    /// A candidate's bounding box comes within this fraction of the slide's shorter side of
    /// the nearest slide edge.
    pub max_edge_distance_fraction: f64,
    /// Mean DAB optical density (base 10, Ruifrok DAB vector) a candidate must reach. A floor
    /// that only keeps unstained tissue out (about 0.05 on ihc-synth, hematoxylin cross-talk):
    /// the mean of a 3+ control falls with the thumbnail's resolution and with how much pale
    /// tissue the mask keeps (ihc-synth controls read through the slide pyramid: 0.14 at
    /// 1 um/px, 0.10-0.13 at 2-10 um/px), so [`min_dab_ratio`](Self::min_dab_ratio) decides.
    pub min_mean_dab: f64,
    /// A candidate's mean DAB must be at least this multiple of the area-weighted mean DAB of
    /// the other pieces (a control is mostly stained tumour; patient tissue has unstained
    /// stroma even on a 3+ slide).
    pub min_dab_ratio: f64,
    /// Fraction of a candidate's pixels that must be DAB-positive
    /// (DAB OD above 0.15). Kept low: at thumbnail
    /// resolutions near level 0 only the membranes are positive, so even a 3+ control has
    /// about 20% positive pixels, and coarse thumbnails blur the membranes below the cut (9%
    /// at 10 um/px on ihc-synth, patient pieces 0-3%); the mean and ratio criteria carry the
    /// decision.
    pub min_positive_fraction: f64,
}

impl Default for ControlConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            max_area_fraction: 0.25,
            max_edge_distance_fraction: 0.2,
            min_mean_dab: 0.08,
            min_dab_ratio: 1.5,
            min_positive_fraction: 0.05,
        }
    }
}

/// Parameters of [`OtsuDetector`](crate::OtsuDetector).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TissueConfig {
    /// What the split is made on: contrast against the glass (default) or the paper's H and S.
    pub method: TissueMethod,
    /// The glass estimate and contrast split ([`TissueMethod::GlassContrast`]).
    pub glass: GlassConfig,
    /// How the H and S masks combine ([`TissueMethod::HueSaturation`]).
    pub combine: CombineRule,
    /// The Otsu saturation threshold (OpenCV 8-bit S) is clamped into `[min, max]`:
    /// `min` keeps noisy blank glass from becoming tissue, `max` keeps pale tissue when the
    /// thumbnail is mostly tissue (Otsu then splits weak from strong stain, not glass from
    /// tissue).
    pub saturation_threshold_range: [u8; 2],
    /// Blank-slide guard: the pixels above the saturation threshold must have at least this
    /// mean saturation (OpenCV 8-bit S), otherwise the result is "no tissue found".
    pub min_tissue_saturation: f64,
    /// Radius (µm) of the disk of the opening that removes specks before the closing; 0: none.
    pub opening_radius_um: f64,
    /// Radius (µm) of the disk of the closing that joins nearby tissue; 0: none.
    pub closing_radius_um: f64,
    /// Holes (background enclosed by tissue) smaller than this area (µm²) are filled; 0: none.
    pub max_hole_area_um2: f64,
    /// Pieces smaller than this area (µm²) are removed (dust, debris).
    pub min_piece_area_um2: f64,
    /// The control-piece heuristic.
    pub control: ControlConfig,
}

impl Default for TissueConfig {
    fn default() -> Self {
        Self {
            method: TissueMethod::GlassContrast,
            glass: GlassConfig::default(),
            combine: CombineRule::SaturationOnly,
            saturation_threshold_range: [12, 40],
            min_tissue_saturation: 16.0,
            opening_radius_um: 0.0,
            closing_radius_um: 50.0,
            max_hole_area_um2: 100_000.0,
            min_piece_area_um2: 10_000.0,
            control: ControlConfig::default(),
        }
    }
}

impl TissueConfig {
    /// Checks the ranges; the error names the field.
    pub fn validate(&self) -> crate::Result<()> {
        let bad = |m: String| Err(crate::TissueError::InvalidParameter(m));
        let [lo, hi] = self.saturation_threshold_range;
        if lo > hi {
            return bad(format!(
                "saturation_threshold_range [{lo}, {hi}]: min above max"
            ));
        }
        for (name, v) in [
            ("opening_radius_um", self.opening_radius_um),
            ("closing_radius_um", self.closing_radius_um),
            ("max_hole_area_um2", self.max_hole_area_um2),
            ("min_piece_area_um2", self.min_piece_area_um2),
            ("min_tissue_saturation", self.min_tissue_saturation),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(format!("{name} = {v}: must be a finite number >= 0"));
            }
        }
        let g = &self.glass;
        if !(0.5..=1.0).contains(&g.bright_percentile) {
            return bad(format!(
                "glass.bright_percentile = {}: must be in [0.5, 1]",
                g.bright_percentile
            ));
        }
        if !(0.0..=255.0).contains(&g.min_brightness) {
            return bad(format!(
                "glass.min_brightness = {}: must be in [0, 255]",
                g.min_brightness
            ));
        }
        let [lo, hi] = g.threshold_range;
        let max = crate::contrast::CONTRAST_MAX_OD;
        if !(lo.is_finite() && hi.is_finite() && 0.0 <= lo && lo <= hi && hi <= max) {
            return bad(format!(
                "glass.threshold_range [{lo}, {hi}]: must satisfy 0 <= min <= max <= {max}"
            ));
        }
        if !(g.min_tissue_contrast.is_finite() && (0.0..=max).contains(&g.min_tissue_contrast)) {
            return bad(format!(
                "glass.min_tissue_contrast = {}: must be in [0, {max}]",
                g.min_tissue_contrast
            ));
        }
        let c = &self.control;
        for (name, v) in [
            ("control.max_area_fraction", c.max_area_fraction),
            (
                "control.max_edge_distance_fraction",
                c.max_edge_distance_fraction,
            ),
            ("control.min_positive_fraction", c.min_positive_fraction),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} = {v}: must be in [0, 1]"));
            }
        }
        if !c.min_dab_ratio.is_finite() || c.min_dab_ratio < 0.0 {
            return bad(format!(
                "control.min_dab_ratio = {}: must be a finite number >= 0",
                c.min_dab_ratio
            ));
        }
        if !c.min_mean_dab.is_finite() {
            return bad(format!(
                "control.min_mean_dab = {}: must be finite",
                c.min_mean_dab
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let cfg = TissueConfig::default();
        cfg.validate().unwrap();
        let json = serde_json::to_string(&cfg).unwrap();
        assert_eq!(serde_json::from_str::<TissueConfig>(&json).unwrap(), cfg);
        let partial: TissueConfig =
            serde_json::from_str(r#"{"combine":"saturation_only"}"#).unwrap();
        assert_eq!(partial.combine, CombineRule::SaturationOnly);
        assert_eq!(partial.closing_radius_um, cfg.closing_radius_um);
    }

    #[test]
    fn bad_values_are_named() {
        let cfg = TissueConfig {
            closing_radius_um: -1.0,
            ..TissueConfig::default()
        };
        assert!(
            cfg.validate()
                .unwrap_err()
                .to_string()
                .contains("closing_radius_um")
        );
        let cfg = TissueConfig {
            glass: GlassConfig {
                threshold_range: [0.2, 0.1],
                ..GlassConfig::default()
            },
            ..TissueConfig::default()
        };
        let err = cfg.validate().unwrap_err().to_string();
        assert!(err.contains("glass.threshold_range"), "{err}");
        let partial: TissueConfig = serde_json::from_str(r#"{"method":"hue_saturation"}"#).unwrap();
        assert_eq!(partial.method, TissueMethod::HueSaturation);
    }
}
