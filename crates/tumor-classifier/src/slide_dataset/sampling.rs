//! How many patches are drawn per slide and what counts as tumour or normal.

use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, Result};

/// How many patches to draw per slide and what counts as tumour or normal. `Default`:
/// 200 per slide, half tumour, tumour >= 60% inside the annotation, normal entirely outside
/// it, both >= 60% on tissue (the fractions `her2 synth patches` uses).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SamplingConfig {
    /// Patches drawn per slide (tumour + normal).
    pub patches_per_slide: usize,
    /// Share of tumour patches among a slide's patches (class balance).
    pub tumor_share: f64,
    /// Smallest fraction of a tumour patch inside the tumour annotation.
    pub min_tumor_fraction: f64,
    /// Largest fraction of a normal patch inside the tumour annotation.
    pub max_normal_tumor_fraction: f64,
    /// Smallest fraction of any patch on tissue.
    pub min_tissue_fraction: f64,
    /// Seed of the draw.
    pub seed: u64,
}

impl Default for SamplingConfig {
    fn default() -> Self {
        Self {
            patches_per_slide: 200,
            tumor_share: 0.5,
            min_tumor_fraction: 0.6,
            max_normal_tumor_fraction: 0.0,
            min_tissue_fraction: 0.6,
            seed: 20230119,
        }
    }
}

impl SamplingConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        let bad = |what: String| Err(ClassifierError::InvalidConfig(what));
        let unit = |v: f64| (0.0..=1.0).contains(&v);
        if self.patches_per_slide == 0 {
            return bad("patches_per_slide must be at least 1".into());
        }
        if !unit(self.tumor_share) {
            return bad(format!(
                "tumor_share must be in [0, 1], got {}",
                self.tumor_share
            ));
        }
        if !(unit(self.min_tumor_fraction) && self.min_tumor_fraction > 0.0) {
            return bad(format!(
                "min_tumor_fraction must be in (0, 1], got {}",
                self.min_tumor_fraction
            ));
        }
        if !(unit(self.max_normal_tumor_fraction)
            && self.max_normal_tumor_fraction < self.min_tumor_fraction)
        {
            return bad(format!(
                "max_normal_tumor_fraction must be in [0, min_tumor_fraction), got {}",
                self.max_normal_tumor_fraction
            ));
        }
        if !unit(self.min_tissue_fraction) {
            return bad(format!(
                "min_tissue_fraction must be in [0, 1], got {}",
                self.min_tissue_fraction
            ));
        }
        Ok(())
    }
}
