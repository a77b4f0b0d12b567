//! Batch norm folded into the convolution before it: `bn(conv(x))` in inference mode is
//! `conv'(x) + b'` with `w' = w * gamma / sqrt(var + eps)` and
//! `b' = beta - mean * gamma / sqrt(var + eps)`, so the folded network does no normalisation
//! pass at all. Weights are stored as the `[kh * kw * cin, cout]` matrix that the im2col +
//! gemm kernel of [`super::conv`] multiplies by.

use burn::nn::conv::Conv2d;
use burn::nn::{BatchNorm, PaddingConfig2d};
use burn::prelude::*;

use super::winograd::{ONLY_WINOGRAD_FLOATS, transform_weights};
use crate::error::{ClassifierError, Result};

/// A square convolution with its batch norm folded in, ready for [`FoldedConv::run`]
/// (`super::conv`).
#[derive(Debug, Clone)]
pub(crate) struct FoldedConv {
    /// Side of the square kernel.
    pub kernel: usize,
    /// Stride in both directions.
    pub stride: usize,
    /// Zero padding on every side.
    pub pad: usize,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Row-major `[kernel * kernel * in_channels, out_channels]`; row `(ky * kernel + kx) *
    /// in_channels + ci` holds the weights of input channel `ci` at kernel tap `(ky, kx)`,
    /// which is the order im2col lays an NHWC window out in. Empty when the convolution
    /// always runs by Winograd (`winograd` small enough, see `fold`).
    pub weights: Vec<f32>,
    /// Per output channel, added after the product.
    pub bias: Vec<f32>,
    /// For a 3x3 stride-1 convolution, the Winograd F(2x2, 3x3) transformed weights
    /// (`super::winograd::transform_weights`), which `run` uses when they pay.
    pub winograd: Option<Vec<f32>>,
}

/// A batch norm's inference-time statistics (PyTorch's and burn's
/// `(x - mean) / sqrt(var + eps) * gamma + beta`).
#[derive(Debug, Clone)]
pub(crate) struct BatchNormStats {
    /// Scale per channel.
    pub gamma: Vec<f32>,
    /// Shift per channel.
    pub beta: Vec<f32>,
    /// Running mean per channel.
    pub mean: Vec<f32>,
    /// Running variance per channel.
    pub var: Vec<f32>,
    /// Added to the variance.
    pub epsilon: f64,
}

impl FoldedConv {
    /// Folds `bn` into a bias-free convolution given as PyTorch-layout weights
    /// `[cout, cin, k, k]` (`shape`), with torchvision's padding `k / 2`; with `winograd`, a
    /// 3x3 stride-1 convolution also gets its Winograd weights (and only those when they are
    /// small, `super::winograd::ONLY_WINOGRAD_FLOATS`).
    pub fn fold(
        weight: &[f32],
        shape: [usize; 4],
        stride: usize,
        bn: &BatchNormStats,
        winograd: bool,
    ) -> Self {
        let [out_channels, in_channels, kernel, _] = shape;
        let scale: Vec<f32> = bn
            .gamma
            .iter()
            .zip(&bn.var)
            .map(|(&g, &v)| (f64::from(g) / (f64::from(v) + bn.epsilon).sqrt()) as f32)
            .collect();
        let bias = (0..out_channels)
            .map(|o| bn.beta[o] - bn.mean[o] * scale[o])
            .collect();
        let taps = kernel * kernel;
        let mut weights = vec![0f32; taps * in_channels * out_channels];
        for o in 0..out_channels {
            for c in 0..in_channels {
                for tap in 0..taps {
                    let w = weight[(o * in_channels + c) * taps + tap];
                    weights[(tap * in_channels + c) * out_channels + o] = w * scale[o];
                }
            }
        }
        let winograd = (winograd && kernel == 3 && stride == 1)
            .then(|| transform_weights(&weights, in_channels, out_channels));
        if winograd
            .as_ref()
            .is_some_and(|u| u.len() <= ONLY_WINOGRAD_FLOATS)
        {
            // Always run by Winograd (`FoldedConv::winograd_pays`): hold the weights once.
            weights = Vec::new();
        }
        Self {
            kernel,
            stride,
            pad: kernel / 2,
            in_channels,
            out_channels,
            weights,
            bias,
            winograd,
        }
    }

    /// Reads a burn convolution and the batch norm after it (`what` names them in errors);
    /// `winograd` as in [`FoldedConv::fold`].
    /// Only what this crate's ResNets contain is accepted: square kernels, equal strides,
    /// padding `k / 2` on every side, no groups or dilation; a convolution bias is folded too.
    pub fn from_burn(conv: &Conv2d, bn: &BatchNorm, what: &str, winograd: bool) -> Result<Self> {
        let [out_channels, in_channels, kh, kw] = conv.weight.val().dims();
        let pad = kh / 2;
        let supported = kh == kw
            && conv.stride[0] == conv.stride[1]
            && conv.groups == 1
            && conv.dilation == [1, 1]
            && matches!(conv.padding, PaddingConfig2d::Explicit(t, l, b, r)
                if [t, l, b, r] == [pad; 4]);
        if !supported {
            return Err(ClassifierError::InvalidConfig(format!(
                "{what}: the folded CPU path needs a square kernel with padding k/2, equal \
                 strides, no groups or dilation (got kernel {kh}x{kw}, stride {:?}, padding {:?})",
                conv.stride, conv.padding
            )));
        }
        let mut stats = BatchNormStats {
            gamma: values(bn.gamma.val(), what)?,
            beta: values(bn.beta.val(), what)?,
            mean: values(bn.running_mean.value(), what)?,
            var: values(bn.running_var.value(), what)?,
            epsilon: bn.epsilon,
        };
        if [&stats.gamma, &stats.beta, &stats.mean, &stats.var]
            .iter()
            .any(|v| v.len() != out_channels)
        {
            return Err(ClassifierError::InvalidConfig(format!(
                "{what}: batch norm size does not match the convolution's {out_channels} outputs"
            )));
        }
        // bn(conv(x) + b) = bn'(conv(x)) with the mean shifted by b.
        if let Some(conv_bias) = &conv.bias {
            for (m, b) in stats.mean.iter_mut().zip(values(conv_bias.val(), what)?) {
                *m -= b;
            }
        }
        let weight = values(conv.weight.val(), what)?;
        Ok(Self::fold(
            &weight,
            [out_channels, in_channels, kh, kw],
            conv.stride[0],
            &stats,
            winograd,
        ))
    }
}

/// A tensor's values as `f32` (`what` names it in the error).
pub(crate) fn values<const D: usize>(tensor: Tensor<D>, what: &str) -> Result<Vec<f32>> {
    tensor
        .into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .map_err(|e| ClassifierError::InvalidConfig(format!("{what}: cannot read weights: {e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_scales_each_output_channel_and_moves_the_mean_into_the_bias() {
        // A 1x1 convolution from 2 to 3 channels, weights w[o][c] = o + 10 c.
        let weight: Vec<f32> = (0..3)
            .flat_map(|o| (0..2).map(move |c| (o + 10 * c) as f32))
            .collect();
        let bn = BatchNormStats {
            gamma: vec![1.0, 2.0, -0.5],
            beta: vec![0.1, 0.2, 0.3],
            mean: vec![1.0, -2.0, 0.5],
            var: vec![3.0, 0.25, 1.0],
            epsilon: 1e-5,
        };
        let folded = FoldedConv::fold(&weight, [3, 2, 1, 1], 1, &bn, true);
        assert_eq!((folded.kernel, folded.pad, folded.stride), (1, 0, 1));
        for o in 0..3 {
            let scale = bn.gamma[o] / (bn.var[o] + 1e-5).sqrt();
            for c in 0..2 {
                let want = (o + 10 * c) as f32 * scale;
                assert!((folded.weights[c * 3 + o] - want).abs() < 1e-6);
            }
            let want = bn.beta[o] - bn.mean[o] * scale;
            assert!((folded.bias[o] - want).abs() < 1e-6);
        }
    }
}
