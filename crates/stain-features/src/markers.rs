//! Watershed markers from a distance map: local maxima at least `min_distance` apart (as
//! scikit-image's `peak_local_max` with `exclude_border=False`), one label per peak.

/// Running maximum over a window of `2 * radius + 1` along a strided line (van Herk / Gil-Werman:
/// three comparisons per element whatever the radius).
fn running_max(
    src: &[u32],
    dst: &mut [u32],
    radius: usize,
    prefix: &mut Vec<u32>,
    suffix: &mut Vec<u32>,
) {
    let n = src.len();
    let k = 2 * radius + 1;
    prefix.clear();
    prefix.resize(n, 0);
    suffix.clear();
    suffix.resize(n, 0);
    for i in 0..n {
        prefix[i] = if i % k == 0 {
            src[i]
        } else {
            prefix[i - 1].max(src[i])
        };
    }
    for i in (0..n).rev() {
        suffix[i] = if i % k == k - 1 || i == n - 1 {
            src[i]
        } else {
            suffix[i + 1].max(src[i])
        };
    }
    for (i, d) in dst.iter_mut().enumerate() {
        let lo = i.saturating_sub(radius);
        let hi = (i + radius).min(n - 1);
        // [lo, hi] spans at most two blocks: suffix of the first, prefix of the second
        *d = if lo / k == hi / k {
            src[lo..=hi].iter().copied().max().unwrap_or(0)
        } else {
            suffix[lo].max(prefix[hi])
        };
    }
}

/// Square maximum filter of side `2 * radius + 1` (values beyond the image are ignored).
pub fn max_filter(values: &[u32], width: usize, height: usize, radius: usize) -> Vec<u32> {
    let mut rows = vec![0u32; values.len()];
    let (mut p, mut s) = (Vec::new(), Vec::new());
    for y in 0..height {
        let r = y * width..(y + 1) * width;
        running_max(&values[r.clone()], &mut rows[r], radius, &mut p, &mut s);
    }
    let mut out = vec![0u32; values.len()];
    let mut col = vec![0u32; height];
    let mut col_out = vec![0u32; height];
    for x in 0..width {
        for y in 0..height {
            col[y] = rows[y * width + x];
        }
        running_max(&col, &mut col_out, radius, &mut p, &mut s);
        for y in 0..height {
            out[y * width + x] = col_out[y];
        }
    }
    out
}

/// Peaks of `values` (e.g. squared distances): pixels equal to the maximum of their
/// `(2 * min_distance + 1)` square, at least `min_value`, then thinned greedily (highest first,
/// ties in raster order) so that no two peaks are within `min_distance` (Chebyshev).
/// Returns a marker image: 0 background, 1..=n peak labels in the order accepted.
pub fn local_maxima(
    values: &[u32],
    width: usize,
    height: usize,
    min_distance: usize,
    min_value: u32,
) -> Vec<u32> {
    let mut markers = vec![0u32; values.len()];
    if values.is_empty() {
        return markers;
    }
    let maxed = max_filter(values, width, height, min_distance);
    let mut peaks: Vec<usize> = (0..values.len())
        .filter(|&i| values[i] >= min_value.max(1) && values[i] == maxed[i])
        .collect();
    peaks.sort_by(|&a, &b| values[b].cmp(&values[a]).then(a.cmp(&b)));
    // grid of accepted peaks, cell side = min_distance + 1, to test spacing locally
    let cell = min_distance + 1;
    let gw = width.div_ceil(cell);
    let gh = height.div_ceil(cell);
    let mut grid: Vec<Vec<usize>> = vec![Vec::new(); gw * gh];
    let mut next = 1u32;
    for i in peaks {
        let (x, y) = (i % width, i / width);
        let (gx, gy) = (x / cell, y / cell);
        let near = (gy.saturating_sub(1)..(gy + 2).min(gh)).any(|cy| {
            (gx.saturating_sub(1)..(gx + 2).min(gw)).any(|cx| {
                grid[cy * gw + cx].iter().any(|&j| {
                    (j % width).abs_diff(x) <= min_distance
                        && (j / width).abs_diff(y) <= min_distance
                })
            })
        });
        if !near {
            grid[gy * gw + gx].push(i);
            markers[i] = next;
            next += 1;
        }
    }
    markers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_filter_matches_brute_force() {
        let (w, h) = (23, 17);
        let v: Vec<u32> = (0..w * h).map(|i| ((i * 7919) % 97) as u32).collect();
        for r in [0, 1, 3, 5, 30] {
            let got = max_filter(&v, w, h, r);
            for y in 0..h {
                for x in 0..w {
                    let mut m = 0;
                    for yy in y.saturating_sub(r)..(y + r + 1).min(h) {
                        for xx in x.saturating_sub(r)..(x + r + 1).min(w) {
                            m = m.max(v[yy * w + xx]);
                        }
                    }
                    assert_eq!(got[y * w + x], m, "r={r} at {x},{y}");
                }
            }
        }
    }

    #[test]
    fn peaks_are_spaced_and_thresholded() {
        let (w, h) = (20, 10);
        let mut v = vec![0u32; w * h];
        v[5 * w + 3] = 9;
        v[5 * w + 5] = 8; // within 5 of the first: dropped
        v[5 * w + 15] = 9;
        v[2 * w + 10] = 1; // below min_value
        let m = local_maxima(&v, w, h, 5, 4);
        assert_eq!(m[5 * w + 3], 1);
        assert_eq!(m[5 * w + 15], 2);
        assert_eq!(m.iter().filter(|&&l| l > 0).count(), 2);
    }
}
