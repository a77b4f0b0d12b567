//! Grey-level filters on `f32` planes, at costs that do not grow with the filter's size: a
//! Gaussian blur approximated by three box blurs, square minimum / maximum filters (van Herk /
//! Gil-Werman), the grey opening built from them, and the scale-normalised Laplacian of
//! Gaussian. Pixels beyond the border repeat the nearest edge pixel (as scikit-image's
//! `mode='nearest'`), so a patch's border does not read as a dark or bright frame.

/// Runs `f(line, out)` over every row of `plane`, then over every column of the result (each
/// column copied into a contiguous buffer and back), and returns the filtered plane.
fn separable(
    plane: &[f32],
    width: usize,
    height: usize,
    mut f: impl FnMut(&[f32], &mut [f32]),
) -> Vec<f32> {
    let mut rows = vec![0f32; plane.len()];
    if width == 0 || height == 0 {
        return rows;
    }
    for (src, dst) in plane.chunks_exact(width).zip(rows.chunks_exact_mut(width)) {
        f(src, dst);
    }
    let (mut column, mut filtered) = (vec![0f32; height], vec![0f32; height]);
    for x in 0..width {
        for (y, c) in column.iter_mut().enumerate() {
            *c = rows[y * width + x];
        }
        f(&column, &mut filtered);
        for (y, &v) in filtered.iter().enumerate() {
            rows[y * width + x] = v;
        }
    }
    rows
}

/// Mean over the window `i - radius ..= i + radius` of `line`, edges repeated.
fn box_line(line: &[f32], out: &mut [f32], radius: usize) {
    let n = line.len();
    if n == 0 {
        return;
    }
    let at = |i: isize| line[i.clamp(0, n as isize - 1) as usize];
    let r = radius as isize;
    let mut sum: f64 = (-r..=r).map(|i| f64::from(at(i))).sum();
    let norm = 1.0 / (2 * radius + 1) as f64;
    for (i, o) in out.iter_mut().enumerate() {
        *o = (sum * norm) as f32;
        let i = i as isize;
        sum += f64::from(at(i + r + 1)) - f64::from(at(i - r));
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
    if sigma.is_nan() || sigma <= 0.0 {
        return plane.to_vec();
    }
    let radii = box_radii(sigma);
    let mut tmp = Vec::new();
    separable(plane, width, height, |line, out| {
        tmp.clear();
        tmp.extend_from_slice(line);
        for &r in &radii {
            box_line(&tmp, out, r);
            tmp.copy_from_slice(out);
        }
    })
}

/// Sliding extreme (`pick` = `f32::min` or `f32::max`) over the window
/// `i - radius ..= i + radius` of `line`, edges repeated: van Herk / Gil-Werman, three
/// comparisons per value whatever the radius.
fn extreme_line(
    line: &[f32],
    out: &mut [f32],
    radius: usize,
    pick: fn(f32, f32) -> f32,
    prefix: &mut Vec<f32>,
    suffix: &mut Vec<f32>,
) {
    let n = line.len();
    if n == 0 {
        return;
    }
    let window = 2 * radius + 1;
    // padded line: radius copies of each edge value around the line
    let padded_len = n + 2 * radius;
    let at = |i: usize| line[i.saturating_sub(radius).min(n - 1)];
    prefix.clear();
    suffix.clear();
    prefix.resize(padded_len, 0.0);
    suffix.resize(padded_len, 0.0);
    for start in (0..padded_len).step_by(window) {
        let end = (start + window).min(padded_len);
        let mut acc = at(start);
        for (i, p) in prefix.iter_mut().enumerate().take(end).skip(start) {
            acc = pick(acc, at(i));
            *p = acc;
        }
        let mut acc = at(end - 1);
        for i in (start..end).rev() {
            acc = pick(acc, at(i));
            suffix[i] = acc;
        }
    }
    // window over padded positions i ..= i + 2 radius: suffix of its first block, prefix of
    // the next (one block when the window starts a block)
    for (i, o) in out.iter_mut().enumerate() {
        *o = pick(suffix[i], prefix[i + window - 1]);
    }
}

/// Square minimum (`pick = f32::min`) or maximum filter of side `2 * radius + 1`.
fn extreme_filter(
    plane: &[f32],
    width: usize,
    height: usize,
    radius: usize,
    pick: fn(f32, f32) -> f32,
) -> Vec<f32> {
    if radius == 0 {
        return plane.to_vec();
    }
    let (mut prefix, mut suffix) = (Vec::new(), Vec::new());
    separable(plane, width, height, |line, out| {
        extreme_line(line, out, radius, pick, &mut prefix, &mut suffix);
    })
}

/// Grey opening (minimum then maximum filter) with a square of side `2 * radius + 1`: the
/// plane with every bright structure narrower than the square removed, i.e. the local
/// background under small bright objects such as nuclei in an optical density plane.
pub fn grey_opening(plane: &[f32], width: usize, height: usize, radius: usize) -> Vec<f32> {
    let eroded = extreme_filter(plane, width, height, radius, f32::min);
    extreme_filter(&eroded, width, height, radius, f32::max)
}

/// Scale-normalised negative Laplacian of Gaussian, `-sigma^2 * laplacian(G_sigma * plane)`:
/// positive on bright blobs of radius about `sigma * sqrt(2)`, and comparable across scales.
pub fn blob_response(plane: &[f32], width: usize, height: usize, sigma: f64) -> Vec<f32> {
    let blurred = gaussian_blur(plane, width, height, sigma);
    let scale = (sigma * sigma) as f32;
    let mut out = vec![0f32; plane.len()];
    if width == 0 || height == 0 {
        return out;
    }
    let at = |x: usize, y: usize| blurred[y * width + x];
    for y in 0..height {
        let (up, down) = (y.saturating_sub(1), (y + 1).min(height - 1));
        for x in 0..width {
            let (left, right) = (x.saturating_sub(1), (x + 1).min(width - 1));
            let lap = at(left, y) + at(right, y) + at(x, up) + at(x, down) - 4.0 * at(x, y);
            out[y * width + x] = -scale * lap;
        }
    }
    out
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
        let r = blob_response(&v, w, h, 6.0 / std::f64::consts::SQRT_2);
        let centre = r[32 * w + 32];
        assert!(centre > 0.0);
        assert!(r.iter().all(|&x| x <= centre + 1e-6));
        assert!(r[32 * w + 50] < 0.05 * centre);
    }

    #[test]
    fn empty_planes_are_fine() {
        assert!(gaussian_blur(&[], 0, 0, 2.0).is_empty());
        assert!(grey_opening(&[], 0, 5, 3).is_empty());
        assert!(blob_response(&[], 0, 0, 1.0).is_empty());
    }
}
