//! Winograd F(2x2, 3x3) for the 3x3 stride-1 padding-1 convolutions (most of a ResNet's
//! work): each 2x2 block of output pixels ("tile") comes from a 4x4 block of input pixels `d`
//! as `A^T [(G g G^T) . (B^T d B)] A`, 16 multiplies per tile and channel pair instead of the
//! direct algorithm's 36, so 2.25x fewer multiply-adds. Over a chunk of tiles the 16
//! element-wise products become 16 matrix products `M_xi = V_xi [tiles, cin] x U_xi [cin,
//! cout]` that `gemm` runs (`super::conv::gemm_into`), with:
//!
//! - `U = G g G^T` done once at fold time ([`transform_weights`]), 16 row-major `[cin, cout]`
//!   matrices (gemm's rhs layout);
//! - `V = B^T d B` of every tile of the chunk (zero outside the image), laid out
//!   `[16][tiles][cin]`;
//! - `A^T M A` written straight into the output rows, then the epilogue of the im2col path
//!   (`super::conv::apply_epilogue`) while they are in cache; the residual add of
//!   [`Epilogue::BiasResidualRelu`] reads the shortcut already in `out`.
//!
//! A chunk is a run of whole tile rows of the stack (it may cross image boundaries: each tile
//! row covers one or two whole output rows, so a chunk writes one contiguous block of NHWC
//! output rows); odd heights and widths leave partial tiles whose missing pixels are read as
//! zero and never written. Numerics: the transforms only add, subtract and halve, so the
//! results differ from the direct convolution by float rounding (tests below, 1e-4 on
//! ResNet-sized sums).

use std::cell::Cell;
use std::ops::Range;

use rayon::prelude::*;

use super::conv::{Epilogue, Stack, apply_epilogue, gemm_into};
use super::fold::FoldedConv;

/// Floats of `V` and `M` together per chunk (2 MiB): the chunk's transformed tiles stay in
/// a core's L2 cache (2 MiB on Sapphire Rapids, 1 MiB on Zen 4) or near it between the input
/// transform, the 16 products and the output transform. Half of it (1 MiB) measured the
/// same on a Zen 4 VM, within noise.
const CHUNK_FLOATS: usize = 1 << 19;

/// Chunks hold at least this many tiles even past [`CHUNK_FLOATS`] (wide layers on small
/// planes: ResNet-34's `layer4`, 512 channels on 8 x 8): every chunk reads and packs all 16
/// transformed weight matrices (16 MiB for `layer4`), so too small a chunk would spend its
/// time on weights rather than on products.
const MIN_CHUNK_TILES: usize = 64;

/// Winograd runs only when a chunk holds at least this many tiles. Each chunk multiplies by
/// all 16 transformed weight matrices (16/9 the bytes of the direct ones, packed by gemm
/// once per chunk), so on small planes with wide layers (ResNet-34's 8 x 8 `layer4` for one
/// image on one thread: 16 tiles, 2.4 M weights per convolution) the products become bound
/// by reading and packing weights and are slower than im2col (0.6x), which reads 9/16 of the
/// bytes for the same output; from a few dozen tiles on the 2.25x fewer multiplies win
/// (measured in `docs/benchmarks.md`, "tumor-classifier"). A single stack over several
/// threads shares the products out instead and needs no minimum.
const MIN_TILES: usize = 48;

/// A convolution whose transformed weights are at most this many floats (4 MiB: ResNet-34's
/// 3x3 convolutions up to `layer3`, 256 channels) holds only those and always runs by
/// Winograd, however few its tiles: reading its weights costs little even on a small plane,
/// and it keeps the weights held once. Wider ones (`layer4`, 512 channels, 16 MiB
/// transformed) also keep the im2col weights, for stacks with few tiles ([`MIN_TILES`]).
pub(crate) const ONLY_WINOGRAD_FLOATS: usize = 16 * 256 * 256;

thread_local! {
    /// Each thread's `V` and `M` buffers, kept between chunks and calls; taken out for one
    /// chunk, so a chunk that rayon starts on a thread waiting inside another gets its own.
    static BUFFERS: Cell<(Vec<f32>, Vec<f32>)> = const { Cell::new((Vec::new(), Vec::new())) };
}

/// The 16 transformed weight matrices `U_xi = (G g G^T)_xi` of a 3x3 convolution whose
/// weights are given in im2col layout (`[9 * cin, cout]`, row `(ky * 3 + kx) * cin + c`,
/// [`FoldedConv::weights`]): row-major `[16, cin, cout]`, `xi = 4 * i + j`.
pub(crate) fn transform_weights(weights: &[f32], cin: usize, cout: usize) -> Vec<f32> {
    assert_eq!(
        weights.len(),
        9 * cin * cout,
        "not a 3x3 convolution's weights"
    );
    // G g G^T with G = [[1, 0, 0], [1/2, 1/2, 1/2], [1/2, -1/2, 1/2], [0, 0, 1]], applied
    // to a row or column of three.
    let g = |[a, b, c]: [f32; 3]| [a, 0.5 * (a + b + c), 0.5 * (a - b + c), c];
    let mut u = vec![0f32; 16 * cin * cout];
    for c in 0..cin {
        for o in 0..cout {
            let w = |ky: usize, kx: usize| weights[((ky * 3 + kx) * cin + c) * cout + o];
            // G g: each column (fixed kx) of g through G.
            let columns = [0, 1, 2].map(|kx| g([w(0, kx), w(1, kx), w(2, kx)]));
            for i in 0..4 {
                // Row i of G g, through G again (as G^T on the right).
                let row = g([columns[0][i], columns[1][i], columns[2][i]]);
                for (j, v) in row.into_iter().enumerate() {
                    u[((4 * i + j) * cin + c) * cout + o] = v;
                }
            }
        }
    }
    u
}

/// The tile grid of a stack: `tiles_h` tile rows per image, `tiles_w` tiles per row.
#[derive(Debug, Clone, Copy)]
struct Grid {
    /// The (input and output) stack.
    stack: Stack,
    /// Input channels.
    cin: usize,
    /// Output channels.
    cout: usize,
    /// Tile rows per image (a last partial one for an odd height).
    tiles_h: usize,
    /// Tiles per tile row (a last partial one for an odd width).
    tiles_w: usize,
}

impl Grid {
    /// The grid of `conv` (3x3, stride 1, padding 1: same size out as in) on `stack`.
    fn new(conv: &FoldedConv, stack: Stack) -> Self {
        Self {
            stack,
            cin: conv.in_channels,
            cout: conv.out_channels,
            tiles_h: stack.height.div_ceil(2),
            tiles_w: stack.width.div_ceil(2),
        }
    }

    /// Tile rows of the whole stack.
    fn tile_rows(&self) -> usize {
        self.stack.images * self.tiles_h
    }

    /// The first output row (over the stack, row-major) of tile row `g`; `tile_rows()` gives
    /// the end of the stack.
    fn first_output_row(&self, g: usize) -> usize {
        (g / self.tiles_h) * self.stack.height + 2 * (g % self.tiles_h)
    }

    /// Tile rows per chunk: as many as fit [`CHUNK_FLOATS`] but at least
    /// [`MIN_CHUNK_TILES`] tiles' worth (at most the stack's), at least one; with `parallel`
    /// few enough that every thread gets a chunk.
    fn chunk_rows(&self, parallel: bool) -> usize {
        let per_row = 16 * self.tiles_w * (self.cin + self.cout);
        let threads = if parallel {
            rayon::current_num_threads()
        } else {
            1
        };
        (CHUNK_FLOATS / per_row)
            .max(MIN_CHUNK_TILES.div_ceil(self.tiles_w))
            .min(self.tile_rows().div_ceil(threads))
            .max(1)
    }
}

impl FoldedConv {
    /// The transformed weights when the Winograd path should run this convolution on
    /// `stack` (see [`MIN_TILES`]): it has them, and it holds no im2col weights
    /// ([`ONLY_WINOGRAD_FLOATS`]), runs a single stack over several threads (the products
    /// are then shared out) or its chunks hold enough tiles.
    pub(crate) fn winograd_pays(&self, stack: Stack, parallel: bool) -> Option<&[f32]> {
        let u = self.winograd.as_deref()?;
        if self.weights.is_empty() {
            return Some(u);
        }
        // Sharing the products out only helps with more than one thread.
        let shared = parallel && rayon::current_num_threads() > 1;
        let grid = Grid::new(self, stack);
        (shared || grid.chunk_rows(parallel) * grid.tiles_w >= MIN_TILES).then_some(u)
    }

    /// [`FoldedConv::run`] by Winograd F(2x2, 3x3) for a 3x3 stride-1 convolution whose
    /// transformed weights are `u` ([`FoldedConv::winograd_pays`]): same arguments (`out`
    /// already sized), same result to float rounding.
    pub(crate) fn run_winograd(
        &self,
        u: &[f32],
        input: &[f32],
        stack: Stack,
        out: &mut [f32],
        epilogue: Epilogue,
        parallel: bool,
    ) {
        let grid = Grid::new(self, stack);
        let rows = grid.chunk_rows(parallel);
        if parallel && rows * grid.tiles_w < MIN_TILES && rayon::current_num_threads() > 1 {
            // Too few tiles to share out by chunks (a deep layer of a single stack): one
            // chunk, its 16 products shared out over the threads, so that each thread reads
            // only its share of the weights.
            self.winograd_chunk(u, input, grid, 0..grid.tile_rows(), out, epilogue, true);
            return;
        }
        let row_len = stack.width * grid.cout;
        // Cut `out` into the output rows of each chunk of tile rows.
        let mut chunks = Vec::with_capacity(grid.tile_rows().div_ceil(rows));
        let mut rest = out;
        for g0 in (0..grid.tile_rows()).step_by(rows) {
            let g1 = (g0 + rows).min(grid.tile_rows());
            let len = (grid.first_output_row(g1) - grid.first_output_row(g0)) * row_len;
            let (head, tail) = rest.split_at_mut(len);
            chunks.push((g0..g1, head));
            rest = tail;
        }
        let chunk = |(tile_rows, out): (Range<usize>, &mut [f32])| {
            self.winograd_chunk(u, input, grid, tile_rows, out, epilogue, false);
        };
        if parallel {
            chunks.into_par_iter().for_each(chunk);
        } else {
            chunks.into_iter().for_each(chunk);
        }
    }

    /// One chunk: tile rows `tile_rows` of `grid` into their output rows `out`; the 16
    /// products shared out over rayon's threads when `parallel_products`.
    #[allow(clippy::too_many_arguments)]
    fn winograd_chunk(
        &self,
        u: &[f32],
        input: &[f32],
        grid: Grid,
        tile_rows: Range<usize>,
        out: &mut [f32],
        epilogue: Epilogue,
        parallel_products: bool,
    ) {
        let (mut v, mut m) = BUFFERS.take();
        let tiles = tile_rows.len() * grid.tiles_w;
        v.resize(16 * tiles * grid.cin, 0.0);
        m.resize(16 * tiles * grid.cout, 0.0);
        grid.input_transform(input, tile_rows.clone(), &mut v);
        let product = |((m, v), u): ((&mut [f32], &[f32]), &[f32])| {
            gemm_into(m, v, u, grid.cin, false);
        };
        let (m_len, v_len, u_len) = (tiles * grid.cout, tiles * grid.cin, grid.cin * grid.cout);
        if parallel_products {
            m.par_chunks_exact_mut(m_len)
                .zip(v.par_chunks_exact(v_len))
                .zip(u.par_chunks_exact(u_len))
                .for_each(product);
        } else {
            m.chunks_exact_mut(m_len)
                .zip(v.chunks_exact(v_len))
                .zip(u.chunks_exact(u_len))
                .for_each(product);
        }
        grid.output_transform(&m, tile_rows, out, epilogue == Epilogue::BiasResidualRelu);
        apply_epilogue(out, &self.bias, epilogue);
        BUFFERS.set((v, m));
    }
}

impl Grid {
    /// `V = B^T d B` of every tile of tile rows `tile_rows` into `v` (`[16][tiles][cin]`),
    /// `d` the 4x4 input block at `(2 ty - 1, 2 tx - 1)`, zero outside the image.
    fn input_transform(&self, input: &[f32], tile_rows: Range<usize>, v: &mut [f32]) {
        let (cin, height, width) = (self.cin, self.stack.height, self.stack.width);
        let tiles = tile_rows.len() * self.tiles_w;
        let zero = vec![0f32; cin];
        // B^T d for one tile: row i holds four pixels of `cin` values.
        let mut left = vec![0f32; 16 * cin];
        let image_len = height * width * cin;
        for (r, g) in tile_rows.enumerate() {
            let (ty, image) = (g % self.tiles_h, g / self.tiles_h);
            let image = &input[image * image_len..(image + 1) * image_len];
            for tx in 0..self.tiles_w {
                let pixel = |i: usize, j: usize| -> &[f32] {
                    let (y, x) = ((2 * ty + i).wrapping_sub(1), (2 * tx + j).wrapping_sub(1));
                    if y < height && x < width {
                        &image[(y * width + x) * cin..(y * width + x + 1) * cin]
                    } else {
                        &zero
                    }
                };
                // Columns first: left[i][j] = (B^T d)[i][j].
                for ((p, q, add), row) in B_T.into_iter().zip(left.chunks_exact_mut(4 * cin)) {
                    for (j, out) in row.chunks_exact_mut(cin).enumerate() {
                        combine(out, pixel(p, j), pixel(q, j), add);
                    }
                }
                // Then rows: V[4 i + j][t] = ((B^T d) B)[i][j].
                let t = r * self.tiles_w + tx;
                for (i, row) in left.chunks_exact(4 * cin).enumerate() {
                    let at = |j: usize| &row[j * cin..(j + 1) * cin];
                    for (j, (p, q, add)) in B_T.into_iter().enumerate() {
                        let start = ((4 * i + j) * tiles + t) * cin;
                        combine(&mut v[start..start + cin], at(p), at(q), add);
                    }
                }
            }
        }
    }

    /// `A^T M A` of every tile of tile rows `tile_rows` (`m` is `[16][tiles][cout]`) into the
    /// output pixels they cover (`out`: the chunk's output rows), added to what `out` holds
    /// when `accumulate`.
    fn output_transform(
        &self,
        m: &[f32],
        tile_rows: Range<usize>,
        out: &mut [f32],
        accumulate: bool,
    ) {
        let (cout, height, width) = (self.cout, self.stack.height, self.stack.width);
        let tiles = tile_rows.len() * self.tiles_w;
        let first_row = self.first_output_row(tile_rows.start);
        // A^T M for one tile: two rows of four pixels of `cout` values.
        let mut top = vec![0f32; 8 * cout];
        for (r, g) in tile_rows.enumerate() {
            let ty = g % self.tiles_h;
            let row0 = self.first_output_row(g) - first_row;
            for tx in 0..self.tiles_w {
                let t = r * self.tiles_w + tx;
                let at = |i: usize, j: usize| {
                    let start = ((4 * i + j) * tiles + t) * cout;
                    &m[start..start + cout]
                };
                for (i, row) in top.chunks_exact_mut(4 * cout).enumerate() {
                    for (j, dst) in row.chunks_exact_mut(cout).enumerate() {
                        let [a, b, c] = A_T[i].map(|k| at(k, j));
                        combine3(dst, a, b, c, i == 0, false);
                    }
                }
                for (i, row) in top.chunks_exact(4 * cout).enumerate() {
                    if 2 * ty + i >= height {
                        continue;
                    }
                    let at = |j: usize| &row[j * cout..(j + 1) * cout];
                    for (j, k) in A_T.into_iter().enumerate() {
                        let x = 2 * tx + j;
                        if x >= width {
                            continue;
                        }
                        let start = ((row0 + i) * width + x) * cout;
                        let [a, b, c] = k.map(at);
                        combine3(&mut out[start..start + cout], a, b, c, j == 0, accumulate);
                    }
                }
            }
        }
    }
}

/// `B^T` as `(p, q, add)` per row: row `i` of `B^T x` is `x[p] + x[q]` when `add`, else
/// `x[p] - x[q]` (`B^T = [[1, 0, -1, 0], [0, 1, 1, 0], [0, -1, 1, 0], [0, 1, 0, -1]]`).
const B_T: [(usize, usize, bool); 4] = [(0, 2, false), (1, 2, true), (2, 1, false), (1, 3, false)];

/// `A^T` as the three terms of each row: row 0 is `x[0] + x[1] + x[2]`, row 1 is
/// `x[1] - x[2] - x[3]` (`A^T = [[1, 1, 1, 0], [0, 1, -1, -1]]`).
const A_T: [[usize; 3]; 2] = [[0, 1, 2], [1, 2, 3]];

/// `out = a + b` when `add`, else `a - b`, element-wise (vectorised by the compiler).
fn combine(out: &mut [f32], a: &[f32], b: &[f32], add: bool) {
    let terms = out.iter_mut().zip(a).zip(b);
    if add {
        terms.for_each(|((o, a), b)| *o = a + b);
    } else {
        terms.for_each(|((o, a), b)| *o = a - b);
    }
}

/// `out = a + b + c` when `plus`, else `a - b - c`, element-wise; added to `out` when
/// `accumulate`.
fn combine3(out: &mut [f32], a: &[f32], b: &[f32], c: &[f32], plus: bool, accumulate: bool) {
    let terms = out.iter_mut().zip(a).zip(b).zip(c);
    match (plus, accumulate) {
        (true, false) => terms.for_each(|(((o, a), b), c)| *o = a + b + c),
        (false, false) => terms.for_each(|(((o, a), b), c)| *o = a - b - c),
        (true, true) => terms.for_each(|(((o, a), b), c)| *o += a + b + c),
        (false, true) => terms.for_each(|(((o, a), b), c)| *o += a - b - c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::folded::fold::BatchNormStats;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random(rng: &mut ChaCha8Rng, n: usize) -> Vec<f32> {
        (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
    }

    #[test]
    fn winograd_matches_im2col_for_every_epilogue_and_odd_sizes() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        // (cin, cout, height, width, images): odd and even sides, single pixels and rows,
        // channel counts that are not multiples of 16, one and several images; parallel,
        // the small ones share their products out over the threads, 40 x 40 its chunks; the
        // last is several chunks on one thread, across the image boundary.
        let cases = [
            (8, 8, 40, 40, 1),
            (48, 40, 40, 39, 2),
            (5, 6, 9, 7, 1),
            (20, 17, 8, 8, 3),
            (3, 40, 1, 1, 2),
            (33, 7, 5, 12, 2),
            (17, 24, 16, 15, 1),
            (64, 64, 11, 2, 4),
        ];
        for (cin, cout, height, width, images) in cases {
            let weight = random(&mut rng, cout * cin * 9);
            let bn = BatchNormStats {
                gamma: random(&mut rng, cout)
                    .iter()
                    .map(|g| 1.0 + 0.5 * g)
                    .collect(),
                beta: random(&mut rng, cout),
                mean: random(&mut rng, cout),
                var: random(&mut rng, cout)
                    .iter()
                    .map(|v| 1.0 + 0.5 * v)
                    .collect(),
                epsilon: 1e-5,
            };
            let conv = FoldedConv::fold(&weight, [cout, cin, 3, 3], 1, &bn, true);
            let u = conv.winograd.clone().expect("a 3x3 stride-1 convolution");
            let im2col = FoldedConv::fold(&weight, [cout, cin, 3, 3], 1, &bn, false);
            let stack = Stack {
                images,
                height,
                width,
            };
            let input = random(&mut rng, images * height * width * cin);
            let shortcut = random(&mut rng, images * height * width * cout);
            for epilogue in [
                Epilogue::Bias,
                Epilogue::BiasRelu,
                Epilogue::BiasResidualRelu,
            ] {
                let start = if epilogue == Epilogue::BiasResidualRelu {
                    shortcut.clone()
                } else {
                    vec![f32::NAN; shortcut.len()]
                };
                let mut want = start.clone();
                assert_eq!(im2col.run(&input, stack, &mut want, epilogue, false), stack);
                for parallel in [false, true] {
                    let mut got = start.clone();
                    conv.run_winograd(&u, &input, stack, &mut got, epilogue, parallel);
                    let worst =
                        got.iter()
                            .zip(&want)
                            .map(|(a, b)| (a - b).abs())
                            .fold(
                                0f32,
                                |w, d| if d.is_nan() { f32::INFINITY } else { w.max(d) },
                            );
                    assert!(
                        worst < 1e-4,
                        "{cin}->{cout} {height}x{width}x{images} {epilogue:?} parallel \
                         {parallel}: off by {worst}"
                    );
                }
            }
        }
    }

    /// A batch norm that changes nothing, for `channels` channels.
    pub(super) fn identity_bn(channels: usize) -> BatchNormStats {
        BatchNormStats {
            gamma: vec![1.0; channels],
            beta: vec![0.0; channels],
            mean: vec![0.0; channels],
            var: vec![1.0; channels],
            epsilon: 0.0,
        }
    }

    #[test]
    fn narrow_layers_hold_only_winograd_weights_and_wide_ones_choose_by_tiles() {
        let conv = |channels: usize, stride: usize| {
            let bn = identity_bn(channels);
            let weight = vec![0.1; channels * channels * 9];
            FoldedConv::fold(&weight, [channels, channels, 3, 3], stride, &bn, true)
        };
        let stack = |images, side| Stack {
            images,
            height: side,
            width: side,
        };
        // Narrow: Winograd weights only, whatever the plane.
        let narrow = conv(8, 1);
        assert!(narrow.weights.is_empty());
        assert!(narrow.winograd_pays(stack(1, 2), false).is_some());
        // Strided: im2col only.
        let strided = conv(8, 2);
        assert!(strided.winograd.is_none() && !strided.weights.is_empty());
        assert!(strided.winograd_pays(stack(1, 64), false).is_none());
        // Wide (ResNet-34's layer4): both; im2col for one 8 x 8 image on one thread (16
        // tiles), Winograd for a stack of four or one image over several threads.
        let wide = conv(512, 1);
        assert!(wide.winograd.is_some() && !wide.weights.is_empty());
        assert!(wide.winograd_pays(stack(1, 8), false).is_none());
        assert!(wide.winograd_pays(stack(4, 8), false).is_some());
        let threads = rayon::current_num_threads();
        assert_eq!(wide.winograd_pays(stack(1, 8), true).is_some(), threads > 1);
    }
}

/// Timing of one convolution of each ResNet-34 stage at 256 px, Winograd against im2col,
/// for a single image shared out over the threads and for a stack of four on one thread;
/// how [`MIN_TILES`] was chosen. Run in release:
/// `cargo test --release -p tumor-classifier --lib winograd_timing -- --ignored --nocapture`.
#[cfg(test)]
mod timing {
    use super::tests::identity_bn;
    use super::*;
    use std::time::Instant;

    /// Median seconds of `f` over seven runs after one warm-up.
    fn median(mut f: impl FnMut()) -> f64 {
        f();
        let mut times: Vec<f64> = (0..7)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect();
        times.sort_by(f64::total_cmp);
        times[3]
    }

    #[test]
    #[ignore = "timing, run in release"]
    fn winograd_timing() {
        for (channels, side) in [(64, 64), (128, 32), (256, 16), (512, 8)] {
            let weight: Vec<f32> = (0..channels * channels * 9)
                .map(|i| ((i * 7919) % 1000) as f32 * 1e-4 - 0.05)
                .collect();
            let bn = identity_bn(channels);
            let conv = FoldedConv::fold(&weight, [channels, channels, 3, 3], 1, &bn, true);
            let direct = FoldedConv::fold(&weight, [channels, channels, 3, 3], 1, &bn, false);
            let u = conv.winograd.clone().unwrap_or_default();
            for (images, parallel) in [(1, true), (1, false), (4, false)] {
                let stack = Stack {
                    images,
                    height: side,
                    width: side,
                };
                let len = images * side * side * channels;
                let input: Vec<f32> = (0..len).map(|i| (i % 13) as f32 * 0.1).collect();
                let mut out = vec![0f32; len];
                let direct = median(|| {
                    direct.run_im2col(&input, stack, &mut out, Epilogue::BiasRelu, parallel);
                });
                let winograd = median(|| {
                    conv.run_winograd(&u, &input, stack, &mut out, Epilogue::BiasRelu, parallel);
                });
                let grid = Grid::new(&conv, stack);
                println!(
                    "{channels:3} ch {side:2}x{side:2} x{images} parallel {parallel:5}: tiles/chunk \
                     {:4} (runs {}), im2col {:7.3} ms, winograd {:7.3} ms, ratio {:.2}",
                    grid.chunk_rows(parallel) * grid.tiles_w,
                    if conv.winograd_pays(stack, parallel).is_some() {
                        "winograd"
                    } else {
                        "im2col"
                    },
                    direct * 1e3,
                    winograd * 1e3,
                    direct / winograd
                );
            }
        }
    }
}
