//! The options that describe a tumour classifier's network and input, shared by the commands
//! that make one (`her2 train`, `her2 import-model`).

use tumor_classifier::{Arch, ModelSpec, ResNetConfig};

/// Architecture, width and input of a classifier.
#[derive(Debug, Clone, clap::Args)]
pub struct ModelArgs {
    /// Architecture: resnet18, resnet34 (paper) or resnet50.
    #[arg(long, default_value = "resnet34")]
    pub arch: Arch,
    /// Width multiplier on torchvision's channel counts (1 = standard; 0.25 trains on a CPU).
    #[arg(long, default_value_t = 1.0)]
    pub width: f64,
    /// Side of the model's input patches in pixels; patches of another size are resized.
    #[arg(long, default_value_t = 256)]
    pub patch_size: u32,
    /// Resolution of the model's input in um/px (record of what it was trained on; halve
    /// the patch size of 0.5 um/px patches and this becomes 1.0).
    #[arg(long, default_value_t = 0.5)]
    pub mpp: f64,
}

impl ModelArgs {
    /// The spec these options give, everything else at its default (2 classes, tumour class
    /// 1, ImageNet normalisation).
    pub fn spec(&self) -> ModelSpec {
        ModelSpec {
            resnet: ResNetConfig::new(self.arch, self.width),
            patch_size: self.patch_size,
            mpp: self.mpp,
            ..ModelSpec::default()
        }
    }
}
