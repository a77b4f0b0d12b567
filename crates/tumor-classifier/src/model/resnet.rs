//! The ResNet itself: torchvision's layout (`conv1`, `bn1`, `maxpool`, `layer1`..`layer4`,
//! `avgpool`, `fc`) with a width multiplier for models small enough to train on a CPU.

use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, Linear, LinearConfig, PaddingConfig2d, conv::Conv2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use serde::{Deserialize, Serialize};

use super::blocks::{BOTTLENECK_EXPANSION, BasicBlock, Block, Bottleneck, batch_norm, conv};
use crate::error::{ClassifierError, Result};

/// Which ResNet: the depth fixes the block kind and the number of blocks per stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// ResNet-18: basic blocks [2, 2, 2, 2].
    ResNet18,
    /// ResNet-34 (the paper's model): basic blocks [3, 4, 6, 3].
    ResNet34,
    /// ResNet-50: bottleneck blocks [3, 4, 6, 3].
    ResNet50,
}

impl Arch {
    /// Blocks per stage.
    pub fn blocks(self) -> [usize; 4] {
        match self {
            Arch::ResNet18 => [2, 2, 2, 2],
            Arch::ResNet34 | Arch::ResNet50 => [3, 4, 6, 3],
        }
    }

    /// Whether the stages use [`Bottleneck`] blocks.
    pub fn is_bottleneck(self) -> bool {
        matches!(self, Arch::ResNet50)
    }

    /// Lower-case name (`resnet34`), as used on the command line and in model cards.
    pub fn name(self) -> &'static str {
        match self {
            Arch::ResNet18 => "resnet18",
            Arch::ResNet34 => "resnet34",
            Arch::ResNet50 => "resnet50",
        }
    }
}

impl std::str::FromStr for Arch {
    type Err = ClassifierError;

    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace('-', "").as_str() {
            "resnet18" | "18" => Ok(Arch::ResNet18),
            "resnet34" | "34" => Ok(Arch::ResNet34),
            "resnet50" | "50" => Ok(Arch::ResNet50),
            _ => Err(ClassifierError::InvalidConfig(format!(
                "unknown architecture `{s}` (expected resnet18, resnet34 or resnet50)"
            ))),
        }
    }
}

/// Everything needed to build a [`ResNet`]; stored in every checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResNetConfig {
    /// Depth and block kind. Paper: ResNet-34.
    pub arch: Arch,
    /// Width multiplier on torchvision's stage widths (64, 128, 256, 512); 1.0 is the
    /// standard model, 0.125 gives 8 channels in the stem.
    pub width: f64,
    /// Output classes. Paper: 2 (non-tumour = 0, tumour = 1).
    pub num_classes: usize,
}

impl Default for ResNetConfig {
    fn default() -> Self {
        Self {
            arch: Arch::ResNet34,
            width: 1.0,
            num_classes: 2,
        }
    }
}

/// torchvision's stem width and per-stage widths at multiplier 1.
const BASE_WIDTHS: [usize; 5] = [64, 64, 128, 256, 512];

impl ResNetConfig {
    /// A config for `arch` at `width` with 2 classes.
    pub fn new(arch: Arch, width: f64) -> Self {
        Self {
            arch,
            width,
            num_classes: 2,
        }
    }

    /// Checks the width and class count.
    pub fn validate(&self) -> Result<()> {
        if !(self.width.is_finite() && self.width > 0.0 && self.width <= 8.0) {
            return Err(ClassifierError::InvalidConfig(format!(
                "width multiplier must be in (0, 8], got {}",
                self.width
            )));
        }
        if self.num_classes < 2 {
            return Err(ClassifierError::InvalidConfig(format!(
                "num_classes must be at least 2, got {}",
                self.num_classes
            )));
        }
        Ok(())
    }

    /// Stem channels followed by the `planes` of the four stages, scaled by `width`
    /// (rounded, at least 1).
    pub fn widths(&self) -> [usize; 5] {
        BASE_WIDTHS.map(|c| ((c as f64 * self.width).round() as usize).max(1))
    }

    /// Channels entering `fc`.
    pub fn feature_channels(&self) -> usize {
        let planes = self.widths()[4];
        if self.arch.is_bottleneck() {
            planes * BOTTLENECK_EXPANSION
        } else {
            planes
        }
    }

    /// Builds a freshly initialised burn model on `device`, for training (`train` feature);
    /// inference builds its model through [`crate::ResNetTumorModel`] and needs no burn type.
    #[cfg(feature = "train")]
    pub fn init(&self, device: &Device) -> Result<ResNet> {
        self.build(device)
    }

    /// Builds a freshly initialised model on `device` (the crate's constructor behind
    /// [`ResNetTumorModel::untrained`](crate::ResNetTumorModel::untrained) and the loaders).
    pub(crate) fn build(&self, device: &Device) -> Result<ResNet> {
        self.validate()?;
        let widths = self.widths();
        let mut in_channels = widths[0];
        let mut stages: Vec<Vec<Block>> = Vec::with_capacity(4);
        for (stage, &count) in self.arch.blocks().iter().enumerate() {
            let planes = widths[stage + 1];
            let first_stride = if stage == 0 { 1 } else { 2 };
            let mut blocks = Vec::with_capacity(count);
            for index in 0..count {
                let stride = if index == 0 { first_stride } else { 1 };
                if self.arch.is_bottleneck() {
                    blocks.push(Block::Bottleneck(Bottleneck::new(
                        in_channels,
                        planes,
                        stride,
                        device,
                    )));
                    in_channels = planes * BOTTLENECK_EXPANSION;
                } else {
                    blocks.push(Block::Basic(BasicBlock::new(
                        in_channels,
                        planes,
                        stride,
                        device,
                    )));
                    in_channels = planes;
                }
            }
            stages.push(blocks);
        }
        let mut stages = stages.into_iter();
        let mut next = || stages.next().unwrap_or_default();
        Ok(ResNet {
            conv1: conv(3, widths[0], 7, 2, device),
            bn1: batch_norm(widths[0], device),
            maxpool: MaxPool2dConfig::new([3, 3])
                .with_strides([2, 2])
                .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                .init(),
            layer1: next(),
            layer2: next(),
            layer3: next(),
            layer4: next(),
            avgpool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            fc: LinearConfig::new(in_channels, self.num_classes).init(device),
        })
    }
}

/// A ResNet classifier over `[batch, 3, height, width]` images, giving `[batch, classes]`
/// logits. Build it with [`ResNetConfig::init`].
#[derive(Module, Debug)]
pub struct ResNet {
    /// 7x7 stride-2 stem convolution.
    pub conv1: Conv2d,
    /// Stem norm.
    pub bn1: BatchNorm,
    /// 3x3 stride-2 max pool.
    pub maxpool: MaxPool2d,
    /// Stage 1 (stride 1).
    pub layer1: Vec<Block>,
    /// Stage 2 (stride 2).
    pub layer2: Vec<Block>,
    /// Stage 3 (stride 2).
    pub layer3: Vec<Block>,
    /// Stage 4 (stride 2).
    pub layer4: Vec<Block>,
    /// Global average pool.
    pub avgpool: AdaptiveAvgPool2d,
    /// Final linear layer to the class logits.
    pub fc: Linear,
}

impl ResNet {
    /// Logits for a batch of normalised images `[batch, 3, height, width]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<2> {
        let x = relu(self.bn1.forward(self.conv1.forward(x)));
        let mut x = self.maxpool.forward(x);
        for block in self
            .layer1
            .iter()
            .chain(&self.layer2)
            .chain(&self.layer3)
            .chain(&self.layer4)
        {
            x = block.forward(x);
        }
        let x: Tensor<2> = self.avgpool.forward(x).flatten(1, 3);
        self.fc.forward(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_scale_and_never_reach_zero() {
        assert_eq!(
            ResNetConfig::new(Arch::ResNet34, 1.0).widths(),
            [64, 64, 128, 256, 512]
        );
        assert_eq!(
            ResNetConfig::new(Arch::ResNet18, 0.125).widths(),
            [8, 8, 16, 32, 64]
        );
        assert_eq!(
            ResNetConfig::new(Arch::ResNet18, 0.001).widths(),
            [1, 1, 1, 1, 1]
        );
        assert_eq!(
            ResNetConfig::new(Arch::ResNet50, 0.25).feature_channels(),
            512
        );
    }

    #[test]
    fn bad_configs_are_rejected() {
        assert!(ResNetConfig::new(Arch::ResNet18, 0.0).validate().is_err());
        assert!(
            ResNetConfig::new(Arch::ResNet18, f64::NAN)
                .validate()
                .is_err()
        );
        let one_class = ResNetConfig {
            num_classes: 1,
            ..ResNetConfig::default()
        };
        assert!(one_class.validate().is_err());
        assert!("resnet101".parse::<Arch>().is_err());
        assert_eq!("ResNet-34".parse::<Arch>().ok(), Some(Arch::ResNet34));
    }

    #[test]
    fn every_arch_gives_logits_of_the_right_shape() {
        let device = Device::flex();
        for arch in [Arch::ResNet18, Arch::ResNet34, Arch::ResNet50] {
            let model = ResNetConfig::new(arch, 0.0625).build(&device).unwrap();
            let x = Tensor::<4>::zeros([2, 3, 32, 32], &device);
            assert_eq!(model.forward(x).dims(), [2, 2], "{arch:?}");
        }
    }
}
