//! Residual blocks of a ResNet, named as torchvision names them (`conv1`, `bn1`, ...,
//! `downsample`) so that PyTorch state dicts map one to one.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Initializer, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

/// A bias-free square convolution with torchvision's padding (`kernel / 2`) and its
/// initialisation (Kaiming normal, fan-out, ReLU gain).
pub(crate) fn conv(
    in_channels: usize,
    out_channels: usize,
    kernel: usize,
    stride: usize,
    device: &Device,
) -> Conv2d {
    let pad = kernel / 2;
    Conv2dConfig::new([in_channels, out_channels], [kernel, kernel])
        .with_stride([stride, stride])
        .with_padding(PaddingConfig2d::Explicit(pad, pad, pad, pad))
        .with_bias(false)
        .with_initializer(Initializer::KaimingNormal {
            gain: std::f64::consts::SQRT_2,
            fan_out_only: true,
        })
        .init(device)
}

/// Batch normalisation with PyTorch's defaults (epsilon 1e-5, momentum 0.1).
pub(crate) fn batch_norm(channels: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(channels).init(device)
}

/// The projection shortcut (torchvision's `downsample.0` conv and `downsample.1` norm).
#[derive(Module, Debug)]
pub struct Downsample {
    /// 1x1 strided convolution (`downsample.0` in PyTorch).
    pub conv: Conv2d,
    /// Batch norm after it (`downsample.1` in PyTorch).
    pub bn: BatchNorm,
}

impl Downsample {
    /// A 1x1 projection from `in_channels` to `out_channels` with `stride`.
    pub fn new(in_channels: usize, out_channels: usize, stride: usize, device: &Device) -> Self {
        Self {
            conv: conv(in_channels, out_channels, 1, stride, device),
            bn: batch_norm(out_channels, device),
        }
    }

    /// Applies the projection.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        self.bn.forward(self.conv.forward(x))
    }
}

/// The two-convolution block of ResNet-18 and ResNet-34.
#[derive(Module, Debug)]
pub struct BasicBlock {
    /// First 3x3 convolution (carries the stride).
    pub conv1: Conv2d,
    /// Norm after `conv1`.
    pub bn1: BatchNorm,
    /// Second 3x3 convolution.
    pub conv2: Conv2d,
    /// Norm after `conv2`.
    pub bn2: BatchNorm,
    /// Projection shortcut when the shape changes.
    pub downsample: Option<Downsample>,
}

impl BasicBlock {
    /// A block from `in_channels` to `planes` channels with `stride`.
    pub fn new(in_channels: usize, planes: usize, stride: usize, device: &Device) -> Self {
        let downsample = (stride != 1 || in_channels != planes)
            .then(|| Downsample::new(in_channels, planes, stride, device));
        Self {
            conv1: conv(in_channels, planes, 3, stride, device),
            bn1: batch_norm(planes, device),
            conv2: conv(planes, planes, 3, 1, device),
            bn2: batch_norm(planes, device),
            downsample,
        }
    }

    /// Applies the block: `relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x))`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let identity = match &self.downsample {
            Some(down) => down.forward(x.clone()),
            None => x.clone(),
        };
        let out = relu(self.bn1.forward(self.conv1.forward(x)));
        let out = self.bn2.forward(self.conv2.forward(out));
        relu(out + identity)
    }
}

/// The three-convolution bottleneck block of ResNet-50 (torchvision's "v1.5": the stride
/// sits on the 3x3 convolution).
#[derive(Module, Debug)]
pub struct Bottleneck {
    /// 1x1 reduction.
    pub conv1: Conv2d,
    /// Norm after `conv1`.
    pub bn1: BatchNorm,
    /// 3x3 convolution (carries the stride).
    pub conv2: Conv2d,
    /// Norm after `conv2`.
    pub bn2: BatchNorm,
    /// 1x1 expansion (x4).
    pub conv3: Conv2d,
    /// Norm after `conv3`.
    pub bn3: BatchNorm,
    /// Projection shortcut when the shape changes.
    pub downsample: Option<Downsample>,
}

/// Channel expansion of a [`Bottleneck`] block's output over its `planes`.
pub const BOTTLENECK_EXPANSION: usize = 4;

impl Bottleneck {
    /// A block from `in_channels` to `planes * 4` channels with `stride`.
    pub fn new(in_channels: usize, planes: usize, stride: usize, device: &Device) -> Self {
        let out_channels = planes * BOTTLENECK_EXPANSION;
        let downsample = (stride != 1 || in_channels != out_channels)
            .then(|| Downsample::new(in_channels, out_channels, stride, device));
        Self {
            conv1: conv(in_channels, planes, 1, 1, device),
            bn1: batch_norm(planes, device),
            conv2: conv(planes, planes, 3, stride, device),
            bn2: batch_norm(planes, device),
            conv3: conv(planes, out_channels, 1, 1, device),
            bn3: batch_norm(out_channels, device),
            downsample,
        }
    }

    /// Applies the block.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let identity = match &self.downsample {
            Some(down) => down.forward(x.clone()),
            None => x.clone(),
        };
        let out = relu(self.bn1.forward(self.conv1.forward(x)));
        let out = relu(self.bn2.forward(self.conv2.forward(out)));
        let out = self.bn3.forward(self.conv3.forward(out));
        relu(out + identity)
    }
}

/// One residual block of either kind; a stage (`layer1` ... `layer4`) is a `Vec` of them.
// A model holds at most 16 blocks, so the size gap between the variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum Block {
    /// ResNet-18/34 block.
    Basic(BasicBlock),
    /// ResNet-50 block.
    Bottleneck(Bottleneck),
}

impl Block {
    /// Applies the block.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match self {
            Block::Basic(block) => block.forward(x),
            Block::Bottleneck(block) => block.forward(x),
        }
    }
}
