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
#[serde(default)]
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
    /// Per-slide stain vector estimation (off by default: the paper uses fixed vectors).
    pub stain_estimation: EstimationConfig,
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
        let c = &self.classes;
        if !(c.faint.is_finite()
            && c.faint <= c.weak_moderate
            && c.weak_moderate <= c.intense
            && c.intense.is_finite())
        {
            return Err(crate::StainError::InvalidConfig(format!(
                "classes: thresholds faint {} <= weak_moderate {} <= intense {} must be finite and ordered",
                c.faint, c.weak_moderate, c.intense
            )));
        }
        if let crate::membrane::PositiveMethod::NearestCell { max_distance_um } =
            self.positivity.method
            && !(max_distance_um.is_finite() && max_distance_um >= 0.0)
        {
            return Err(crate::StainError::InvalidConfig(format!(
                "positivity.method.nearest_cell.max_distance_um = {max_distance_um} must be >= 0"
            )));
        }
        Ok(())
    }
}
