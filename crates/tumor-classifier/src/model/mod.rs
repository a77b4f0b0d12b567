//! ResNet-18/34/50 with torchvision's parameter names and layouts.

mod blocks;
mod resnet;

pub use blocks::{BOTTLENECK_EXPANSION, BasicBlock, Block, Bottleneck, Downsample};
pub use resnet::{Arch, ResNet, ResNetConfig};
