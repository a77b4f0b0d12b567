//! The patch analyser: deconvolution, brown, cells, membranes -> [`PatchFeatures`].

use image::RgbImage;

use crate::cell::Cell;
use crate::config::StainConfig;
use crate::error::{Result, StainError};
use crate::features::PatchFeatures;

/// Computes [`PatchFeatures`] (and optionally the cells) for RGB patches.
#[derive(Debug, Clone)]
pub struct StainAnalyzer {
    config: StainConfig,
}

impl StainAnalyzer {
    /// Builds an analyser, checking the configuration.
    pub fn new(config: StainConfig) -> Result<Self> {
        Ok(Self { config })
    }

    /// The configuration in use.
    pub fn config(&self) -> &StainConfig {
        &self.config
    }

    /// Features of one patch imaged at `mpp` micrometres per pixel.
    pub fn analyze(&self, image: &RgbImage, mpp: f64) -> Result<PatchFeatures> {
        self.analyze_with_cells(image, mpp)
            .map(|(features, _)| features)
    }

    /// Features of one patch plus its cells (for overlays and GeoJSON).
    pub fn analyze_with_cells(
        &self,
        image: &RgbImage,
        mpp: f64,
    ) -> Result<(PatchFeatures, Vec<Cell>)> {
        Err(StainError::InvalidImage(format!(
            "{}x{} patch at {mpp} um/px: analysis lands in the next commit",
            image.width(),
            image.height()
        )))
    }
}
