//! Watershed markers from a distance map: local maxima at least `min_distance` apart (as
//! scikit-image's `peak_local_max` with `exclude_border=False`), one label per peak.

use crate::filters::extreme_filter;

/// Square maximum filter of side `2 * radius + 1` (values beyond the image are ignored).
pub fn max_filter(values: &[u32], width: usize, height: usize, radius: usize) -> Vec<u32> {
    extreme_filter(values, width, height, radius, u32::max)
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
    // highest first, ties in raster order (the keys are unique, so unstable sorting is exact)
    peaks.sort_unstable_by_key(|&i| (std::cmp::Reverse(values[i]), i));
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
