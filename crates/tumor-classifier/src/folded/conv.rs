//! The kernels of the folded network on a [`Stack`] of NHWC images (`[images, height,
//! width, channels]` contiguous): a convolution as im2col + `gemm` with the bias, the residual
//! add and ReLU fused into one pass over each output tile while it is still in cache, and the
//! 3x3 stride-2 max pool of the stem. A stack of a few images goes through each layer
//! together, so that a layer's weights are read from memory once per stack, not per image.

use std::cell::Cell;

use gemm::Parallelism;
use rayon::prelude::*;

use super::fold::FoldedConv;

/// im2col is done in tiles of output rows whose column matrix holds about this many floats
/// (4 MiB): few enough tiles that the weights are packed by gemm a few times per layer,
/// small enough to bound the scratch memory.
const COL_TILE_FLOATS: usize = 1 << 20;

thread_local! {
    /// Each thread's im2col buffer, kept between tiles and calls; taken out for one tile, so
    /// a tile that rayon starts on a thread waiting inside another gets a buffer of its own.
    static COL: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// Output tiles are never shorter than this many rows (pixels), so that `gemm` gets a
/// product big enough to run its microkernels at full speed even for wide layers, unless a
/// single stack's layer is shared out over the threads.
const MIN_TILE_ROWS: usize = 64;

/// What happens to `activations x weights` before it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Epilogue {
    /// `+ bias` (the projection shortcut).
    Bias,
    /// `relu(... + bias)` (stem and inner convolutions of a block).
    BiasRelu,
    /// `relu(... + bias + out)`: the output buffer holds the block's shortcut on entry and is
    /// overwritten in place (the last convolution of a block).
    BiasResidualRelu,
}

/// The shape of a stack of NHWC images (the channels are the layer's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stack {
    /// Images in the stack.
    pub images: usize,
    /// Height of each.
    pub height: usize,
    /// Width of each.
    pub width: usize,
}

impl Stack {
    /// Pixels of one image.
    pub fn plane(&self) -> usize {
        self.height * self.width
    }
}

impl FoldedConv {
    /// The output stack for an input `stack`.
    pub fn output_size(&self, stack: Stack) -> Stack {
        let out = |side: usize| (side + 2 * self.pad - self.kernel) / self.stride + 1;
        Stack {
            images: stack.images,
            height: out(stack.height),
            width: out(stack.width),
        }
    }

    /// Convolves the NHWC images `input` (of `stack`, `in_channels` each) into `out`
    /// (resized to the output stack times `out_channels`, NHWC), applying `epilogue`;
    /// returns the output stack. With `parallel` the output tiles are shared out over
    /// rayon's threads (for a single stack; small layers are cut into one tile per thread),
    /// else they run on this thread (one stack per thread).
    pub fn run(
        &self,
        input: &[f32],
        stack: Stack,
        out: &mut Vec<f32>,
        epilogue: Epilogue,
        parallel: bool,
    ) -> Stack {
        assert_eq!(
            input.len(),
            stack.images * stack.plane() * self.in_channels,
            "input of the wrong size"
        );
        let output = self.output_size(stack);
        let rows = output.images * output.plane();
        let cout = self.out_channels;
        if epilogue == Epilogue::BiasResidualRelu {
            assert_eq!(out.len(), rows * cout, "shortcut of the wrong size");
        } else {
            out.resize(rows * cout, 0.0);
        }
        if let Some(u) = self.winograd_pays(stack, parallel) {
            self.run_winograd(u, input, stack, out, epilogue, parallel);
        } else {
            self.run_im2col(input, stack, out, epilogue, parallel);
        }
        output
    }

    /// [`FoldedConv::run`] by im2col + gemm, whatever the convolution (`out` already sized).
    pub(crate) fn run_im2col(
        &self,
        input: &[f32],
        stack: Stack,
        out: &mut [f32],
        epilogue: Epilogue,
        parallel: bool,
    ) {
        let output = self.output_size(stack);
        let rows = output.images * output.plane();
        let cout = self.out_channels;
        let depth = self.kernel * self.kernel * self.in_channels;
        let threads = if parallel {
            rayon::current_num_threads()
        } else {
            1
        };
        let tile_rows = (COL_TILE_FLOATS / depth)
            .max(MIN_TILE_ROWS)
            .min(rows.div_ceil(threads))
            .max(1);
        let tile = |(index, out_tile): (usize, &mut [f32])| {
            self.tile(input, stack, output, index * tile_rows, out_tile, epilogue);
        };
        if parallel {
            out.par_chunks_mut(tile_rows * cout)
                .enumerate()
                .for_each(tile);
        } else {
            out.chunks_mut(tile_rows * cout).enumerate().for_each(tile);
        }
    }

    /// One output tile: rows `first_row..` of the output (`out_tile` holds them, and the
    /// shortcut on entry for [`Epilogue::BiasResidualRelu`]).
    fn tile(
        &self,
        input: &[f32],
        stack: Stack,
        output: Stack,
        first_row: usize,
        out_tile: &mut [f32],
        epilogue: Epilogue,
    ) {
        let depth = self.kernel * self.kernel * self.in_channels;
        let tile_len = out_tile.len() / self.out_channels;
        let accumulate = epilogue == Epilogue::BiasResidualRelu;
        if self.kernel == 1 && self.stride == 1 {
            // A 1x1 stride-1 convolution multiplies the input itself.
            let lhs = &input[first_row * depth..(first_row + tile_len) * depth];
            gemm_into(out_tile, lhs, &self.weights, depth, accumulate);
        } else {
            let mut col = COL.take();
            col.resize(tile_len * depth, 0.0);
            self.im2col(input, stack, output, first_row, &mut col);
            gemm_into(out_tile, &col, &self.weights, depth, accumulate);
            COL.set(col);
        }
        apply_epilogue(out_tile, &self.bias, epilogue);
    }

    /// Writes the receptive fields of output pixels `first_row..` (row-major over the
    /// `output` stack) into `col`, one row of `k * k * cin` values per pixel, zero outside the
    /// image.
    fn im2col(
        &self,
        input: &[f32],
        stack: Stack,
        output: Stack,
        first_row: usize,
        col: &mut [f32],
    ) {
        let (k, cin) = (self.kernel, self.in_channels);
        let (height, width) = (stack.height, stack.width);
        let span = k * cin;
        for (i, patch) in col.chunks_exact_mut(k * span).enumerate() {
            let (image, pixel) = (
                (first_row + i) / output.plane(),
                (first_row + i) % output.plane(),
            );
            let input = &input[image * stack.plane() * cin..(image + 1) * stack.plane() * cin];
            let (oy, ox) = (pixel / output.width, pixel % output.width);
            // Input columns x0 .. x0 + k (signed: the window may start left of the image).
            let x0 = (ox * self.stride) as isize - self.pad as isize;
            let left = (-x0).clamp(0, k as isize) as usize;
            let right = (x0 + k as isize - width as isize).clamp(0, k as isize) as usize;
            for (ky, line) in patch.chunks_exact_mut(span).enumerate() {
                let y = (oy * self.stride + ky) as isize - self.pad as isize;
                if y < 0 || y >= height as isize || left + right >= k {
                    line.fill(0.0);
                    continue;
                }
                // Taps left..k-right are inside the image and contiguous in NHWC.
                let start = ((y as usize) * width + (x0 + left as isize) as usize) * cin;
                let inside = (k - left - right) * cin;
                line[..left * cin].fill(0.0);
                line[left * cin..left * cin + inside]
                    .copy_from_slice(&input[start..start + inside]);
                line[left * cin + inside..].fill(0.0);
            }
        }
    }
}

/// Adds `bias` to every pixel of the NHWC rows `out` (the product, plus the shortcut for
/// [`Epilogue::BiasResidualRelu`]) and applies the epilogue's ReLU, in place.
pub(super) fn apply_epilogue(out: &mut [f32], bias: &[f32], epilogue: Epilogue) {
    let relu = epilogue != Epilogue::Bias;
    for row in out.chunks_exact_mut(bias.len()) {
        for (v, b) in row.iter_mut().zip(bias) {
            let x = *v + b;
            *v = if relu { x.max(0.0) } else { x };
        }
    }
}

/// `dst = lhs x rhs` (or `dst += lhs x rhs` when `accumulate`), all row-major:
/// `lhs` is `[m, depth]`, `rhs` is `[depth, n]`, `dst` is `[m, n]` with `m` taken from `lhs`;
/// on this thread (callers parallelise over tiles).
#[allow(unsafe_code)]
pub(super) fn gemm_into(dst: &mut [f32], lhs: &[f32], rhs: &[f32], depth: usize, accumulate: bool) {
    let m = lhs.len() / depth;
    let n = rhs.len() / depth;
    assert!(
        lhs.len() == m * depth && rhs.len() == depth * n && dst.len() == m * n,
        "gemm operands of inconsistent sizes"
    );
    // SAFETY: the assert above makes every pointer valid for the whole row-major matrix it
    // describes (`lhs` m x depth with row stride depth, `rhs` depth x n with row stride n,
    // `dst` m x n with row stride n, column stride 1 each); `dst` is a unique borrow, so it
    // aliases neither input; with `accumulate` false gemm never reads `dst` (alpha unused).
    unsafe {
        gemm::gemm(
            m,
            n,
            depth,
            dst.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            lhs.as_ptr(),
            1,
            depth as isize,
            rhs.as_ptr(),
            1,
            n as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}

/// torchvision's stem pool (3x3, stride 2, padding 1, padding never wins) on a stack of NHWC
/// images; resizes `out` and returns its stack.
pub(crate) fn max_pool_3x3_s2(
    input: &[f32],
    stack: Stack,
    channels: usize,
    out: &mut Vec<f32>,
) -> Stack {
    let (height, width) = (stack.height, stack.width);
    let output = Stack {
        images: stack.images,
        height: (height - 1) / 2 + 1,
        width: (width - 1) / 2 + 1,
    };
    out.clear();
    out.resize(output.images * output.plane() * channels, f32::NEG_INFINITY);
    let images = input
        .chunks_exact(stack.plane() * channels)
        .zip(out.chunks_exact_mut(output.plane() * channels));
    for (input, out) in images {
        for (o, pixel) in out.chunks_exact_mut(channels).enumerate() {
            let (oy, ox) = (o / output.width, o % output.width);
            for y in (2 * oy).saturating_sub(1)..(2 * oy + 2).min(height) {
                for x in (2 * ox).saturating_sub(1)..(2 * ox + 2).min(width) {
                    let at = (y * width + x) * channels;
                    for (m, &v) in pixel.iter_mut().zip(&input[at..at + channels]) {
                        *m = m.max(v);
                    }
                }
            }
        }
    }
    output
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::folded::fold::BatchNormStats;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random(rng: &mut ChaCha8Rng, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(lo..hi)).collect()
    }

    /// Direct convolution of an NHWC image with PyTorch-layout weights, then inference batch
    /// norm, the optional residual and ReLU: the definition the kernel must match.
    #[allow(clippy::too_many_arguments)]
    fn naive(
        input: &[f32],
        (h, w, cin): (usize, usize, usize),
        weight: &[f32],
        (cout, k, stride): (usize, usize, usize),
        bn: &BatchNormStats,
        residual: Option<&[f32]>,
        relu: bool,
    ) -> Vec<f32> {
        let pad = k / 2;
        let (oh, ow) = (
            (h + 2 * pad - k) / stride + 1,
            (w + 2 * pad - k) / stride + 1,
        );
        let mut out = vec![0f32; oh * ow * cout];
        for oy in 0..oh {
            for ox in 0..ow {
                for o in 0..cout {
                    let mut acc = 0f64;
                    for c in 0..cin {
                        for ky in 0..k {
                            for kx in 0..k {
                                let y = (oy * stride + ky) as isize - pad as isize;
                                let x = (ox * stride + kx) as isize - pad as isize;
                                if y < 0 || x < 0 || y >= h as isize || x >= w as isize {
                                    continue;
                                }
                                let v = input[((y as usize) * w + x as usize) * cin + c];
                                acc += f64::from(v)
                                    * f64::from(weight[((o * cin + c) * k + ky) * k + kx]);
                            }
                        }
                    }
                    let normed = (acc - f64::from(bn.mean[o]))
                        / (f64::from(bn.var[o]) + bn.epsilon).sqrt()
                        * f64::from(bn.gamma[o])
                        + f64::from(bn.beta[o]);
                    let at = (oy * ow + ox) * cout + o;
                    let v = normed as f32 + residual.map_or(0.0, |r| r[at]);
                    out[at] = if relu { v.max(0.0) } else { v };
                }
            }
        }
        out
    }

    #[test]
    fn every_resnet_convolution_matches_a_direct_convolution_with_batch_norm() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        // (kernel, stride, cin, cout, height, width): stem, 3x3/1, 3x3/2, 1x1/2, 1x1/1, on
        // odd sizes; the 40-channel 3x3 is deep enough to need several im2col tiles.
        let cases = [
            (7, 2, 3, 8, 19, 23),
            (3, 1, 5, 6, 9, 7),
            (3, 2, 6, 4, 9, 10),
            (1, 2, 6, 10, 9, 10),
            (1, 1, 7, 5, 5, 6),
            (3, 1, 40, 3, 40, 41),
        ];
        // Two images per stack, so that rows and tiles run across the image boundary.
        let images = 2;
        for (k, stride, cin, cout, h, w) in cases {
            let input = random(&mut rng, images * h * w * cin, -1.0, 1.0);
            let weight = random(&mut rng, cout * cin * k * k, -0.5, 0.5);
            let bn = BatchNormStats {
                gamma: random(&mut rng, cout, 0.5, 1.5),
                beta: random(&mut rng, cout, -0.3, 0.3),
                mean: random(&mut rng, cout, -0.5, 0.5),
                var: random(&mut rng, cout, 0.5, 2.0),
                epsilon: 1e-5,
            };
            let conv = FoldedConv::fold(&weight, [cout, cin, k, k], stride, &bn, false);
            let stack = Stack {
                images,
                height: h,
                width: w,
            };
            let output = conv.output_size(stack);
            let out_len = output.plane() * cout;
            let shortcut = random(&mut rng, images * out_len, -1.0, 1.0);
            for (epilogue, parallel) in [
                (Epilogue::Bias, false),
                (Epilogue::BiasRelu, true),
                (Epilogue::BiasResidualRelu, false),
                (Epilogue::BiasResidualRelu, true),
            ] {
                let residual = epilogue == Epilogue::BiasResidualRelu;
                let want: Vec<f32> = (0..images)
                    .flat_map(|i| {
                        naive(
                            &input[i * h * w * cin..(i + 1) * h * w * cin],
                            (h, w, cin),
                            &weight,
                            (cout, k, stride),
                            &bn,
                            residual.then_some(&shortcut[i * out_len..(i + 1) * out_len]),
                            epilogue != Epilogue::Bias,
                        )
                    })
                    .collect();
                let mut out = if residual {
                    shortcut.clone()
                } else {
                    Vec::new()
                };
                let size = conv.run(&input, stack, &mut out, epilogue, parallel);
                assert_eq!(size, output);
                assert_eq!(out.len(), want.len());
                let worst = out
                    .iter()
                    .zip(&want)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0f32, f32::max);
                assert!(worst < 1e-4, "k{k} s{stride} {epilogue:?}: off by {worst}");
            }
        }
    }

    #[test]
    fn max_pool_takes_the_window_maximum_and_ignores_padding() {
        // Two images of one channel, 3 x 4, all negative: padding must not win.
        let input: Vec<f32> = (0..24)
            .map(|i| -((i % 12) as f32) - 1.0 - (i / 12) as f32)
            .collect();
        let stack = Stack {
            images: 2,
            height: 3,
            width: 4,
        };
        let mut out = Vec::new();
        let pooled = max_pool_3x3_s2(&input, stack, 1, &mut out);
        assert_eq!((pooled.images, pooled.height, pooled.width), (2, 2, 2));
        // Windows: rows 0-1 x cols 0-1, rows 0-1 x cols 1-3, rows 1-2 x cols 0-1, ...
        assert_eq!(out, vec![-1.0, -2.0, -5.0, -6.0, -2.0, -3.0, -6.0, -7.0]);
    }
}
