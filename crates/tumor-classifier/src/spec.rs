//! [`ModelSpec`]: what a checkpoint needs besides its tensors (architecture, input scaling,
//! patch size and resolution), stored inside every checkpoint this crate writes.

use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, Result};
use crate::model::ResNetConfig;
use crate::preprocess::Normalization;

/// Everything about a tumour model except its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelSpec {
    /// Architecture, width and classes.
    pub resnet: ResNetConfig,
    /// Input scaling.
    pub normalization: Normalization,
    /// Side of the square input patches in pixels. Paper: 256.
    pub patch_size: u32,
    /// Resolution the patches are read at, in microns per pixel. Paper: 20x, ~0.5.
    pub mpp: f64,
    /// Index of the tumour class among the logits. Convention here: 0 normal, 1 tumour.
    pub tumor_class: usize,
}

impl Default for ModelSpec {
    fn default() -> Self {
        Self {
            resnet: ResNetConfig::default(),
            normalization: Normalization::default(),
            patch_size: 256,
            mpp: 0.5,
            tumor_class: 1,
        }
    }
}

impl ModelSpec {
    /// Checks every field.
    pub fn validate(&self) -> Result<()> {
        self.resnet.validate()?;
        self.normalization.validate()?;
        if self.patch_size < 16 {
            return Err(ClassifierError::InvalidConfig(format!(
                "patch_size must be at least 16 px, got {}",
                self.patch_size
            )));
        }
        if !(self.mpp.is_finite() && self.mpp > 0.0) {
            return Err(ClassifierError::InvalidConfig(format!(
                "mpp must be positive, got {}",
                self.mpp
            )));
        }
        if self.tumor_class >= self.resnet.num_classes {
            return Err(ClassifierError::InvalidConfig(format!(
                "tumor_class {} is not below num_classes {}",
                self.tumor_class, self.resnet.num_classes
            )));
        }
        Ok(())
    }
}
