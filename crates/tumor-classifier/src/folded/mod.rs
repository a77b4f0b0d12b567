//! An inference-only CPU ResNet with every batch norm folded into its convolution
//! ([`FoldedResNet`]). Burn's `flex` backend runs the same network with a separate pass per
//! batch norm, ReLU and residual add and NCHW/NHWC conversions around each im2col; here each
//! convolution is im2col + `gemm` on NHWC activations (Winograd F(2x2, 3x3) + `gemm` for the
//! 3x3 stride-1 ones where it pays) with the bias, the shortcut and ReLU applied to each
//! output tile while it is in cache. A batch is cut into stacks of up to
//! [`MAX_STACK`] images that go through the network layer by layer (so each layer's weights
//! are read once per stack), one stack per thread, or each layer's output tiles shared out
//! over the threads when there is a single stack; per-thread buffers are reused between
//! calls. Same logits as [`ResNet::forward`] in inference mode to float rounding
//! (`tests/folded.rs`).
//!
//! - [`fold`]: weights out of the burn module, batch norm folded in.
//! - [`conv`]: the convolution and max-pool kernels.
//! - [`winograd`]: Winograd F(2x2, 3x3) for the 3x3 stride-1 convolutions where it pays.

mod conv;
mod fold;
mod winograd;

use std::cell::Cell;

use rayon::prelude::*;

use crate::error::{ClassifierError, Result};
use crate::model::{Block, ResNet};
use conv::{Epilogue, Stack, max_pool_3x3_s2};
use fold::{FoldedConv, values};

/// Most images that go through the layers together on one thread. More images per stack read
/// the weights of the deep layers (up to 9 MiB for a 3x3 of ResNet-34's last stage) from
/// memory fewer times; four keeps the activation buffers of a 256 px stack near 16 MiB each.
const MAX_STACK: usize = 4;

/// A [`ResNet`] folded for fast CPU inference: NHWC activations, batch norm folded into the
/// convolutions, fused epilogues, Winograd F(2x2, 3x3) for the 3x3 stride-1 convolutions.
/// Build it from a trained model with [`FoldedResNet::new`]; it holds its own copy of the
/// weights and never changes them (for ResNet-34 about 2.2x the model's 87 MB: Winograd
/// weights are 16/9 the direct ones, and the 512-channel layers keep both, see
/// `winograd::ONLY_WINOGRAD_FLOATS`).
#[derive(Clone)]
pub struct FoldedResNet {
    /// 7x7 stride-2 stem (with `bn1`).
    stem: FoldedConv,
    /// Every residual block of `layer1` ... `layer4`, in order.
    blocks: Vec<FoldedBlock>,
    /// `fc` weights, row-major `[features, classes]` (burn's `Linear` layout).
    fc_weight: Vec<f32>,
    /// `fc` bias per class.
    fc_bias: Vec<f32>,
    /// Channels entering `fc`.
    features: usize,
    /// Logits per image.
    classes: usize,
}

/// One residual block: a chain of convolutions (two for a basic block, three for a
/// bottleneck), each but the last followed by ReLU, the last adding the shortcut before its
/// ReLU; the shortcut is the block's input or its projection.
#[derive(Debug, Clone)]
struct FoldedBlock {
    /// `conv1` ... with `bn1` ... folded in.
    convs: Vec<FoldedConv>,
    /// The projection shortcut, when the block changes shape.
    downsample: Option<FoldedConv>,
}

/// One thread's activation buffers, kept between images and calls so that a forward pass
/// allocates nothing once they have grown to the largest layer.
#[derive(Debug, Default)]
struct Scratch {
    /// The NHWC input images, then each block's input and output.
    x: Vec<f32>,
    /// Output of a block's inner convolutions (alternating with `mid2`).
    mid: Vec<f32>,
    /// Second buffer for a bottleneck's middle convolution.
    mid2: Vec<f32>,
    /// The projected shortcut; becomes the block's output, then swaps with `x`.
    shortcut: Vec<f32>,
}

thread_local! {
    /// Each thread's [`Scratch`]; taken out for the duration of one stack, so a nested call
    /// on the same thread (rayon work stealing while a single stack's tiles run in parallel)
    /// gets a fresh one.
    static SCRATCH: Cell<Scratch> = Cell::new(Scratch::default());
}

impl std::fmt::Debug for FoldedResNet {
    /// A summary: the weights themselves (millions of values) are left out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FoldedResNet")
            .field("stem_channels", &self.stem.out_channels)
            .field("blocks", &self.blocks.len())
            .field("features", &self.features)
            .field("classes", &self.classes)
            .finish_non_exhaustive()
    }
}

impl FoldedResNet {
    /// Folds a model (its inference statistics: running mean and variance). Fails only on a
    /// layer this path does not implement, which the models of [`crate::ResNetConfig`]
    /// never contain.
    pub fn new(model: &ResNet) -> Result<Self> {
        Self::fold(model, true)
    }

    /// [`FoldedResNet::new`], with Winograd F(2x2, 3x3) for the 3x3 stride-1 convolutions
    /// when `winograd`.
    fn fold(model: &ResNet, winograd: bool) -> Result<Self> {
        let stem = FoldedConv::from_burn(&model.conv1, &model.bn1, "conv1", winograd)?;
        let mut blocks = Vec::new();
        let stages = [&model.layer1, &model.layer2, &model.layer3, &model.layer4];
        for (stage, layer) in stages.into_iter().enumerate() {
            for (index, block) in layer.iter().enumerate() {
                let name = |part: &str| format!("layer{}.{index}.{part}", stage + 1);
                let (pairs, downsample) = match block {
                    Block::Basic(b) => (
                        vec![(&b.conv1, &b.bn1), (&b.conv2, &b.bn2)],
                        b.downsample.as_ref(),
                    ),
                    Block::Bottleneck(b) => (
                        vec![(&b.conv1, &b.bn1), (&b.conv2, &b.bn2), (&b.conv3, &b.bn3)],
                        b.downsample.as_ref(),
                    ),
                };
                let convs = pairs
                    .into_iter()
                    .enumerate()
                    .map(|(i, (conv, bn))| {
                        FoldedConv::from_burn(conv, bn, &name(&format!("conv{}", i + 1)), winograd)
                    })
                    .collect::<Result<Vec<_>>>()?;
                let downsample = downsample
                    .map(|d| FoldedConv::from_burn(&d.conv, &d.bn, &name("downsample"), winograd))
                    .transpose()?;
                blocks.push(FoldedBlock { convs, downsample });
            }
        }
        let [features, classes] = model.fc.weight.val().dims();
        let fc_weight = values(model.fc.weight.val(), "fc.weight")?;
        let fc_bias = match &model.fc.bias {
            Some(bias) => values(bias.val(), "fc.bias")?,
            None => vec![0.0; classes],
        };
        let last_channels = blocks
            .last()
            .and_then(|b| b.convs.last())
            .map_or(stem.out_channels, |c| c.out_channels);
        if last_channels != features || fc_bias.len() != classes {
            return Err(ClassifierError::InvalidConfig(format!(
                "fc expects {features} features and {classes} classes, the network gives \
                 {last_channels} features and fc.bias has {} values",
                fc_bias.len()
            )));
        }
        Ok(Self {
            stem,
            blocks,
            fc_weight,
            fc_bias,
            features,
            classes,
        })
    }

    /// The same network on the im2col path only (no Winograd F(2x2, 3x3)): same logits to
    /// float rounding, for comparing the two paths (`docs/benchmarks.md`). Public with the
    /// `train` feature, like the type.
    #[cfg(feature = "train")]
    pub fn new_without_winograd(model: &ResNet) -> Result<Self> {
        Self::fold(model, false)
    }

    /// Logits per image.
    #[cfg(feature = "train")]
    pub fn num_classes(&self) -> usize {
        self.classes
    }

    /// Logits, row-major `[batch, classes]`, for a batch of normalised images given as the
    /// NCHW values of `shape = [batch, 3, height, width]` (what
    /// [`crate::preprocess::images_to_nchw`] gives and [`ResNet::forward`] takes).
    pub fn forward(&self, input: &[f32], shape: [usize; 4]) -> Result<Vec<f32>> {
        let [batch, channels, height, width] = shape;
        if channels != self.stem.in_channels
            || height == 0
            || width == 0
            || shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) != Some(input.len())
        {
            return Err(ClassifierError::Input(format!(
                "the folded network takes [batch, {}, height, width] images, got shape \
                 {shape:?} with {} values",
                self.stem.in_channels,
                input.len()
            )));
        }
        let image_len = channels * height * width;
        // Enough stacks to give every thread one, none over MAX_STACK images.
        let stack = batch
            .div_ceil(rayon::current_num_threads())
            .clamp(1, MAX_STACK);
        // A single stack shares each layer out over the threads instead.
        let parallel = batch <= stack;
        let features: Vec<f32> = input
            .par_chunks(stack * image_len)
            .flat_map_iter(|images| self.features(images, (height, width), parallel))
            .collect();
        let mut logits = Vec::with_capacity(batch * self.classes);
        for feature in features.chunks_exact(self.features) {
            let mut row = self.fc_bias.clone();
            for (&f, weights) in feature
                .iter()
                .zip(self.fc_weight.chunks_exact(self.classes))
            {
                for (l, &w) in row.iter_mut().zip(weights) {
                    *l += f * w;
                }
            }
            logits.extend(row);
        }
        Ok(logits)
    }

    /// The globally average-pooled features (everything before `fc`) of NCHW images, one
    /// row of `self.features` values per image.
    fn features(&self, images: &[f32], size: (usize, usize), parallel: bool) -> Vec<f32> {
        let mut s = SCRATCH.take();
        let (height, width) = size;
        let channels = self.stem.in_channels;
        let plane = height * width;
        s.x.clear();
        for image in images.chunks_exact(channels * plane) {
            s.x.extend((0..plane).flat_map(|p| (0..channels).map(move |c| image[c * plane + p])));
        }
        let stack = Stack {
            images: images.len() / (channels * plane),
            height,
            width,
        };
        let stem = self
            .stem
            .run(&s.x, stack, &mut s.mid, Epilogue::BiasRelu, parallel);
        let mut stack = max_pool_3x3_s2(&s.mid, stem, self.stem.out_channels, &mut s.x);
        for block in &self.blocks {
            stack = block.run(&mut s, stack, parallel);
        }
        let mut pooled = vec![0f32; stack.images * self.features];
        let activations = s.x.chunks_exact(stack.plane() * self.features);
        for (image, pooled) in activations.zip(pooled.chunks_exact_mut(self.features)) {
            for pixel in image.chunks_exact(self.features) {
                for (p, v) in pooled.iter_mut().zip(pixel) {
                    *p += v;
                }
            }
        }
        let count = stack.plane() as f32;
        pooled.iter_mut().for_each(|p| *p /= count);
        SCRATCH.set(s);
        pooled
    }
}

impl FoldedBlock {
    /// Runs the block on `s.x` (of `stack`), leaving its output in `s.x`; returns the new
    /// stack.
    fn run(&self, s: &mut Scratch, stack: Stack, parallel: bool) -> Stack {
        if let Some(down) = &self.downsample {
            down.run(&s.x, stack, &mut s.shortcut, Epilogue::Bias, parallel);
        }
        // Basic blocks have two convolutions, bottlenecks three (`FoldedResNet::new`).
        let [first, middle @ .., last] = &self.convs[..] else {
            return stack;
        };
        let mut stack = first.run(&s.x, stack, &mut s.mid, Epilogue::BiasRelu, parallel);
        let mut in_mid = true;
        for conv in middle {
            let (src, dst) = if in_mid {
                (&s.mid, &mut s.mid2)
            } else {
                (&s.mid2, &mut s.mid)
            };
            stack = conv.run(src, stack, dst, Epilogue::BiasRelu, parallel);
            in_mid = !in_mid;
        }
        let src = if in_mid { &s.mid } else { &s.mid2 };
        // The last convolution adds the shortcut in place: the projection's buffer, or the
        // block input itself (which no remaining convolution reads).
        let dst = if self.downsample.is_some() {
            &mut s.shortcut
        } else {
            &mut s.x
        };
        let stack = last.run(src, stack, dst, Epilogue::BiasResidualRelu, parallel);
        if self.downsample.is_some() {
            std::mem::swap(&mut s.x, &mut s.shortcut);
        }
        stack
    }
}
