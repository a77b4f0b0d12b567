//! Grey-level filters on planes, at costs that grow little or not at all with the filter's
//! size, written as element-wise passes over whole rows so that they vectorise: a Gaussian
//! blur approximated by three box blurs, square minimum / maximum filters (doubling), the grey
//! opening built from them, the Laplacian that makes a blurred plane a blob response, and block
//! reductions to a coarser grid. Pixels beyond the border repeat the nearest edge pixel (as
//! scikit-image's `mode='nearest'`), so a patch's border does not read as a dark or bright
//! frame.

/// Mean over the window `x - radius ..= x + radius` of every row of `src` (rows of `width`),
/// edges repeated: the window's shifted copies of a padded row added element-wise (a running
/// sum along a row would be one long dependency chain; the nucleus scales need radii of a few
/// pixels).
fn box_rows(src: &[f32], dst: &mut [f32], width: usize, radius: usize) {
    if width == 0 {
        return;
    }
    let norm = 1.0 / (2 * radius + 1) as f32;
    let mut padded = Vec::with_capacity(width + 2 * radius);
    for (row, out) in src.chunks_exact(width).zip(dst.chunks_exact_mut(width)) {
        padded.clear();
        padded.extend(std::iter::repeat_n(row[0], radius));
        padded.extend_from_slice(row);
        padded.extend(std::iter::repeat_n(row[width - 1], radius));
        out.copy_from_slice(&padded[..width]);
        for k in 1..=2 * radius {
            for (o, &v) in out.iter_mut().zip(&padded[k..k + width]) {
                *o += v;
            }
        }
        for o in out.iter_mut() {
            *o *= norm;
        }
    }
}

/// Mean over the rows `y - radius ..= y + radius` of `src` (`height` rows of `width`) for every
/// row `y`, edge rows repeated: a running sum per column, all columns at once (element-wise on
/// whole rows, so it vectorises; a running sum along a row is one long dependency chain).
fn box_columns(src: &[f32], dst: &mut [f32], width: usize, height: usize, radius: usize) {
    if width == 0 || height == 0 {
        return;
    }
    let row = |y: isize| {
        let y = y.clamp(0, height as isize - 1) as usize;
        &src[y * width..(y + 1) * width]
    };
    let r = radius as isize;
    let mut sum = vec![0f32; width];
    for y in -r..=r {
        for (s, &v) in sum.iter_mut().zip(row(y)) {
            *s += v;
        }
    }
    let norm = 1.0 / (2 * radius + 1) as f32;
    for (y, out) in dst.chunks_exact_mut(width).enumerate() {
        for (o, &s) in out.iter_mut().zip(&sum) {
            *o = s * norm;
        }
        let y = y as isize;
        for ((s, &add), &sub) in sum.iter_mut().zip(row(y + r + 1)).zip(row(y - r)) {
            *s += add - sub;
        }
    }
}

/// Box radii of three successive box blurs whose combined variance is closest to `sigma^2`
/// (Kovesi's construction: some boxes one size, the others the next odd size up).
fn box_radii(sigma: f64) -> [usize; 3] {
    let n = 3.0;
    let ideal = (12.0 * sigma * sigma / n + 1.0).sqrt();
    let mut lower = ideal.floor() as usize;
    if lower.is_multiple_of(2) {
        lower = lower.saturating_sub(1);
    }
    let lower = lower.max(1);
    let upper = lower + 2;
    let wl = lower as f64;
    // how many of the three boxes take the lower width
    let m = ((12.0 * sigma * sigma - n * wl * wl - 4.0 * n * wl - 3.0 * n) / (-4.0 * wl - 4.0))
        .round()
        .clamp(0.0, n) as usize;
    let mut radii = [upper / 2; 3];
    for r in radii.iter_mut().take(m) {
        *r = lower / 2;
    }
    radii
}

/// Gaussian blur of standard deviation `sigma` pixels, as three box blurs per axis (within a
/// few per cent of the true Gaussian's weights; cost independent of `sigma`). `sigma <= 0`
/// returns the plane unchanged.
pub fn gaussian_blur(plane: &[f32], width: usize, height: usize, sigma: f64) -> Vec<f32> {
    if sigma.is_nan() || sigma <= 0.0 || width == 0 || height == 0 {
        return plane.to_vec();
    }
    let radii = box_radii(sigma);
    let mut plane = plane.to_vec();
    let mut out = vec![0f32; plane.len()];
    for &r in &radii {
        box_rows(&plane, &mut out, width, r);
        std::mem::swap(&mut plane, &mut out);
    }
    for &r in &radii {
        box_columns(&plane, &mut out, width, height, r);
        std::mem::swap(&mut plane, &mut out);
    }
    plane
}

/// Sliding extreme (`pick`: a minimum or a maximum) over windows of `2 * radius + 1` positions
/// along a line of `lines.len() / stride` positions, each position a run of `stride` values
/// (`stride = 1`: one row; `stride = width`: the columns of a whole image at once); positions
/// beyond the ends repeat the end ones. Doubling (a sparse table): windows of 1, 2, 4, ...
/// positions, each pass an element-wise extreme of two shifted copies, so the passes vectorise
/// and cost O(log radius) per value; `pad` and `work` are reused buffers.
fn sliding_extreme<T: Copy>(
    lines: &[T],
    out: &mut [T],
    stride: usize,
    radius: usize,
    pick: impl Fn(T, T) -> T + Copy,
    pad: &mut Vec<T>,
    work: &mut Vec<T>,
) {
    let n = lines.len();
    if n == 0 || stride == 0 {
        return;
    }
    let window = 2 * radius + 1;
    pad.clear();
    for _ in 0..radius {
        pad.extend_from_slice(&lines[..stride]);
    }
    pad.extend_from_slice(lines);
    for _ in 0..radius {
        pad.extend_from_slice(&lines[n - stride..]);
    }
    let mut span = 1;
    while 2 * span <= window {
        // pad[i] holds the extreme of positions i .. i + span; make that i .. i + 2 span
        let shift = span * stride;
        work.clear();
        work.extend(pad.iter().zip(&pad[shift..]).map(|(&a, &b)| pick(a, b)));
        std::mem::swap(pad, work);
        span *= 2;
    }
    // window [i - radius, i + radius] = two overlapping spans in the padded line
    let second = (window - span) * stride;
    for ((o, &a), &b) in out.iter_mut().zip(pad.iter()).zip(&pad[second..]) {
        *o = pick(a, b);
    }
}

/// Square minimum or maximum filter (`pick`) of side `2 * radius + 1`, edges repeated.
pub(crate) fn extreme_filter<T: Copy + Default>(
    plane: &[T],
    width: usize,
    height: usize,
    radius: usize,
    pick: impl Fn(T, T) -> T + Copy,
) -> Vec<T> {
    if radius == 0 || width == 0 || height == 0 {
        return plane.to_vec();
    }
    let (mut pad, mut work) = (Vec::new(), Vec::new());
    let mut rows = vec![T::default(); plane.len()];
    for (src, dst) in plane.chunks_exact(width).zip(rows.chunks_exact_mut(width)) {
        sliding_extreme(src, dst, 1, radius, pick, &mut pad, &mut work);
    }
    let mut out = vec![T::default(); plane.len()];
    sliding_extreme(&rows, &mut out, width, radius, pick, &mut pad, &mut work);
    out
}

/// Grey opening (minimum then maximum filter) with a square of side `2 * radius + 1`: the
/// plane with every bright structure narrower than the square removed, i.e. the local
/// background under small bright objects such as nuclei in an optical density plane.
pub fn grey_opening(plane: &[f32], width: usize, height: usize, radius: usize) -> Vec<f32> {
    let eroded = extreme_filter(plane, width, height, radius, f32::min);
    extreme_filter(&eroded, width, height, radius, f32::max)
}

/// `-scale * laplacian(plane)` (five-point stencil, edges repeated): with `plane` a Gaussian
/// blur of standard deviation `s` pixels and `scale = s^2`, the scale-normalised blob response.
pub fn negative_laplacian(plane: &[f32], width: usize, height: usize, scale: f32) -> Vec<f32> {
    let mut out = vec![0f32; plane.len()];
    if width == 0 || height == 0 || plane.len() != width * height {
        return out;
    }
    let row = |y: usize| &plane[y * width..(y + 1) * width];
    for (y, out) in out.chunks_exact_mut(width).enumerate() {
        let (up, here, down) = (
            row(y.saturating_sub(1)),
            row(y),
            row((y + 1).min(height - 1)),
        );
        for (x, o) in out.iter_mut().enumerate() {
            let (left, right) = (x.saturating_sub(1), (x + 1).min(width - 1));
            let lap = here[left] + here[right] + up[x] + down[x] - 4.0 * here[x];
            *o = -scale * lap;
        }
    }
    out
}

/// `plane` reduced by `factor` in each direction, each `factor x factor` block (the last row
/// and column of blocks may be smaller) folded by `fold` from `init`. Returns the plane and
/// its size.
pub fn reduce_blocks(
    plane: &[f32],
    width: usize,
    height: usize,
    factor: usize,
    init: f32,
    fold: impl Fn(f32, f32) -> f32,
) -> (Vec<f32>, usize, usize) {
    let factor = factor.max(1);
    let (cw, ch) = (width.div_ceil(factor), height.div_ceil(factor));
    let mut out = vec![init; cw * ch];
    if width == 0 || height == 0 || plane.len() != width * height {
        return (out, cw, ch);
    }
    for (y, row) in plane.chunks_exact(width).enumerate() {
        let coarse = &mut out[(y / factor) * cw..(y / factor + 1) * cw];
        for (o, block) in coarse.iter_mut().zip(row.chunks(factor)) {
            *o = block.iter().fold(*o, |acc, &v| fold(acc, v));
        }
    }
    (out, cw, ch)
}

/// `plane` reduced by `factor` in each direction: the mean of each block of
/// [`reduce_blocks`]. Returns the plane and its size.
pub fn downsample(
    plane: &[f32],
    width: usize,
    height: usize,
    factor: usize,
) -> (Vec<f32>, usize, usize) {
    let factor = factor.max(1);
    let (mut sums, cw, ch) = reduce_blocks(plane, width, height, factor, 0.0, |a, b| a + b);
    for (cy, coarse) in sums.chunks_exact_mut(cw.max(1)).enumerate() {
        let rows = (height - cy * factor).min(factor);
        for (cx, s) in coarse.iter_mut().enumerate() {
            let columns = (width - cx * factor).min(factor);
            *s /= (rows * columns) as f32;
        }
    }
    (sums, cw, ch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute_extreme(v: &[f32], w: usize, h: usize, r: usize, max: bool) -> Vec<f32> {
        let mut out = vec![0f32; v.len()];
        for y in 0..h {
            for x in 0..w {
                let mut m = if max { f32::MIN } else { f32::MAX };
                for dy in -(r as isize)..=r as isize {
                    for dx in -(r as isize)..=r as isize {
                        let xx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                        let yy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                        let p = v[yy * w + xx];
                        m = if max { m.max(p) } else { m.min(p) };
                    }
                }
                out[y * w + x] = m;
            }
        }
        out
    }

    #[test]
    fn min_and_max_filters_match_brute_force() {
        let (w, h) = (23, 17);
        let v: Vec<f32> = (0..w * h).map(|i| ((i * 7919) % 97) as f32).collect();
        for r in [1, 2, 5, 12, 40] {
            assert_eq!(
                extreme_filter(&v, w, h, r, f32::max),
                brute_extreme(&v, w, h, r, true),
                "max r={r}"
            );
            assert_eq!(
                extreme_filter(&v, w, h, r, f32::min),
                brute_extreme(&v, w, h, r, false),
                "min r={r}"
            );
        }
    }

    #[test]
    fn box_radii_reach_the_requested_variance() {
        for sigma in [0.8, 1.5, 2.0, 4.0, 5.6, 11.0] {
            let var: f64 = box_radii(sigma)
                .iter()
                .map(|&r| {
                    let w = (2 * r + 1) as f64;
                    (w * w - 1.0) / 12.0
                })
                .sum();
            assert!(
                (var.sqrt() - sigma).abs() < 0.35 * sigma.max(1.0),
                "sigma {sigma}: boxes give {}",
                var.sqrt()
            );
        }
    }

    #[test]
    fn gaussian_blur_keeps_mass_and_spreads_an_impulse() {
        let (w, h) = (41, 41);
        let mut v = vec![0f32; w * h];
        v[20 * w + 20] = 1.0;
        let b = gaussian_blur(&v, w, h, 3.0);
        let total: f32 = b.iter().sum();
        assert!((total - 1.0).abs() < 1e-4, "mass {total}");
        let var: f32 = (0..w)
            .map(|x| b[20 * w + x] * (x as f32 - 20.0).powi(2))
            .sum::<f32>()
            / b[20 * w..21 * w].iter().sum::<f32>();
        assert!((var.sqrt() - 3.0).abs() < 0.4, "sigma {}", var.sqrt());
        assert!(b[20 * w + 20] > b[20 * w + 25]);
    }

    #[test]
    fn opening_removes_a_small_bright_spot_and_keeps_a_wide_plateau() {
        let (w, h) = (60, 30);
        let mut v = vec![0.1f32; w * h];
        for y in 12..16 {
            for x in 5..9 {
                v[y * w + x] = 0.9; // 4x4 spot
            }
        }
        for y in 0..h {
            for x in 30..60 {
                v[y * w + x] += 0.3; // wide plateau
            }
        }
        let o = grey_opening(&v, w, h, 4);
        assert!((o[13 * w + 6] - 0.1).abs() < 1e-6);
        assert!((o[13 * w + 45] - 0.4).abs() < 1e-6);
    }

    #[test]
    fn blob_response_peaks_at_a_disc_centre() {
        let (w, h) = (64, 64);
        let v: Vec<f32> = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f32 - 32.0, (i / w) as f32 - 32.0);
                if x * x + y * y <= 36.0 { 1.0 } else { 0.0 }
            })
            .collect();
        let sigma = 6.0 / std::f64::consts::SQRT_2;
        let r = negative_laplacian(
            &gaussian_blur(&v, w, h, sigma),
            w,
            h,
            (sigma * sigma) as f32,
        );
        let centre = r[32 * w + 32];
        assert!(centre > 0.0);
        assert!(r.iter().all(|&x| x <= centre + 1e-6));
        assert!(r[32 * w + 50] < 0.05 * centre);
    }

    #[test]
    fn downsample_takes_block_means_with_ragged_edges() {
        // 5 x 3, factor 2: blocks of 2 x 2, a last column of 1 x 2, a last row of 2 x 1
        let v: Vec<f32> = (0..15).map(|i| i as f32).collect();
        let (d, w, h) = downsample(&v, 5, 3, 2);
        assert_eq!((w, h), (3, 2));
        assert_eq!(d, [3.0, 5.0, 6.5, 10.5, 12.5, 14.0]);
        let (same, ..) = downsample(&v, 5, 3, 1);
        assert_eq!(same, v);
    }

    #[test]
    fn empty_planes_are_fine() {
        assert!(gaussian_blur(&[], 0, 0, 2.0).is_empty());
        assert!(grey_opening(&[], 0, 5, 3).is_empty());
        assert!(negative_laplacian(&[], 0, 0, 1.0).is_empty());
        assert!(downsample(&[], 0, 0, 2).0.is_empty());
    }
}
