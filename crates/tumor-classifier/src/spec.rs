//! [`ModelSpec`]: what a checkpoint needs besides its tensors (architecture, input scaling,
//! patch size and resolution), stored inside every checkpoint this crate writes.

use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, Result};
use crate::model::ResNetConfig;
use crate::preprocess::Normalization;

/// Everything about a tumour model except its weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
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
    /// Index of the class that training uses for non-tumour patches (0, or 1 when the
    /// tumour class is 0).
    pub fn normal_class(&self) -> usize {
        usize::from(self.tumor_class == 0)
    }

    /// The class index of a patch labelled `tumor` (true) or normal (false).
    pub fn class_of(&self, tumor: bool) -> usize {
        if tumor {
            self.tumor_class
        } else {
            self.normal_class()
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_papers_and_bad_values_are_rejected() {
        let spec = ModelSpec::default();
        spec.validate().unwrap();
        assert_eq!(
            (spec.patch_size, spec.mpp, spec.resnet.arch.name()),
            (256, 0.5, "resnet34")
        );
        assert_eq!((spec.class_of(true), spec.class_of(false)), (1, 0));
        let flipped = ModelSpec {
            tumor_class: 0,
            ..ModelSpec::default()
        };
        assert_eq!((flipped.class_of(true), flipped.class_of(false)), (0, 1));
        assert!(
            ModelSpec {
                tumor_class: 2,
                ..ModelSpec::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ModelSpec {
                patch_size: 8,
                ..ModelSpec::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ModelSpec {
                mpp: 0.0,
                ..ModelSpec::default()
            }
            .validate()
            .is_err()
        );
        let json = serde_json::to_string(&spec).unwrap();
        assert_eq!(serde_json::from_str::<ModelSpec>(&json).unwrap(), spec);
    }
}
