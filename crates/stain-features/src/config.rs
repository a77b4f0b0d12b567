//! Configuration of the stain analysis; `Default` gives the paper's set-up with the decisions
//! of METHOD.md where the paper is vague.

use serde::{Deserialize, Serialize};

use crate::brown::BrownRange;
use crate::error::Result;
use crate::estimate::EstimationConfig;
use crate::matrix::StainMatrix;
use crate::membrane::{IntensityThresholds, MembraneConfig, PositivityConfig};
use crate::segment::SegmentationConfig;

/// Configuration of [`crate::StainAnalyzer`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct StainConfig {
    /// Stain matrix for deconvolution (default: scikit-image `rgb2hed`, Ruifrok & Johnston).
    pub matrix: StainMatrix,
    /// HSV range of brown pixels (the paper's staining intensity and stained fraction).
    pub brown: BrownRange,
    /// Cell segmentation settings.
    pub segmentation: SegmentationConfig,
    /// Membrane ring and completeness settings.
    pub membrane: MembraneConfig,
    /// Positivity rule.
    pub positivity: PositivityConfig,
    /// Intensity class thresholds.
    pub classes: IntensityThresholds,
    /// Which segmented nuclei are counted as tumour cells.
    pub counting: CountingConfig,
    /// Per-slide stain vector estimation (off by default: the paper uses fixed vectors).
    pub stain_estimation: EstimationConfig,
}

/// Which segmented nuclei count as tumour cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CountingConfig {
    /// Nuclei smaller than this (µm²) are not counted: lymphocytes and stromal fibroblasts
    /// among the tumour cells, which the guideline's percentages of invasive tumour cells leave
    /// out. They stay in the segmentation, so the space between cells is still shared with
    /// them and their neighbours' membrane rings do not grow into it. 0 counts every nucleus.
    pub min_nucleus_um2: f64,
}

impl Default for CountingConfig {
    /// 25 µm²: carcinoma nuclei are larger (on `ihc-synth` 29-62 µm² drawn, 26 µm² and up
    /// segmented; real ones more), lymphocytes (round, ~5 µm across) and fibroblasts
    /// (spindles ~1.5 µm wide) smaller (segmented at 8-25 µm² on `ihc-synth`).
    fn default() -> Self {
        Self {
            min_nucleus_um2: 25.0,
        }
    }
}

impl StainConfig {
    /// Checks every part; the error names the offending value.
    pub fn validate(&self) -> Result<()> {
        self.matrix.inverse()?;
        self.matrix.require(crate::matrix::Stain::Hematoxylin)?;
        self.matrix.require(crate::matrix::Stain::Dab)?;
        self.brown.validate()?;
        self.segmentation.validate()?;
        self.membrane.validate()?;
        self.stain_estimation.validate()?;
        let m = self.counting.min_nucleus_um2;
        if !(m.is_finite() && m >= 0.0) {
            return Err(crate::StainError::invalid_config(
                "counting.min_nucleus_um2",
                format!("{m} must be >= 0"),
            ));
        }
        let c = &self.classes;
        if !(c.faint.is_finite()
            && c.faint <= c.weak_moderate
            && c.weak_moderate <= c.intense
            && c.intense.is_finite())
        {
            return Err(crate::StainError::invalid_config(
                "classes",
                format!(
                    "thresholds faint {} <= weak_moderate {} <= intense {} must be finite and ordered",
                    c.faint, c.weak_moderate, c.intense
                ),
            ));
        }
        if let crate::membrane::PositiveMethod::NearestCell { max_distance_um } =
            self.positivity.method
            && !(max_distance_um.is_finite() && max_distance_um >= 0.0)
        {
            return Err(crate::StainError::invalid_config(
                "positivity.method.nearest_cell.max_distance_um",
                format!("{max_distance_um} must be >= 0"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::StainError;

    #[test]
    fn an_invalid_value_is_a_typed_error_naming_its_field() {
        let mut config = StainConfig::default();
        config.membrane.ring_width_um = 0.0;
        match config.validate() {
            Err(StainError::InvalidConfig { field, problem }) => {
                assert_eq!(field, "membrane.ring_width_um");
                assert!(problem.contains("(0, 50]"), "{problem}");
            }
            other => panic!("{other:?}"),
        }
        let mut config = StainConfig::default();
        config.segmentation.local.edge_fraction = 2.0;
        let err = config.validate().unwrap_err();
        assert!(
            matches!(&err, StainError::InvalidConfig { field, .. } if field == "segmentation.local.edge_fraction"),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("segmentation.local.edge_fraction: 2 must be"),
            "{err}"
        );
    }
}
