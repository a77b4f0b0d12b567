//! Grey-level morphological reconstruction by dilation and the h-maxima it defines: the
//! peaks of an image that rise at least `h` above every path to a higher peak. As nucleus
//! markers they keep one marker per nucleus however its stain is textured (a vesicular
//! nucleus' rim and nucleoli make several small peaks, none `h` deep) and still separate
//! touching nuclei, whose peaks are divided by a real saddle.

use std::collections::VecDeque;

/// The 8 neighbours of `i = y * w + x` that come before it in raster order (left, up-left,
/// up, up-right) or, with `after`, after it (right, down-right, down, down-left).
fn half_neighbours(x: usize, y: usize, w: usize, h: usize, after: bool) -> [Option<usize>; 4] {
    let i = y * w + x;
    if after {
        [
            (x + 1 < w).then(|| i + 1),
            (x + 1 < w && y + 1 < h).then(|| i + w + 1),
            (y + 1 < h).then(|| i + w),
            (x > 0 && y + 1 < h).then(|| i + w - 1),
        ]
    } else {
        [
            (x > 0).then(|| i - 1),
            (x > 0 && y > 0).then(|| i - w - 1),
            (y > 0).then(|| i - w),
            (x + 1 < w && y > 0).then(|| i - w + 1),
        ]
    }
}

/// Reconstruction by dilation (8-connected) of `marker` under `mask` (`marker <= mask`
/// pixel by pixel; larger marker values are lowered to the mask): the largest image under
/// `mask` whose every regional maximum is seeded by `marker`. Vincent's hybrid algorithm (a
/// raster and an anti-raster pass, then a FIFO queue), O(pixels) in practice.
pub fn reconstruct_by_dilation(marker: &[u32], mask: &[u32], w: usize, h: usize) -> Vec<u32> {
    let mut j: Vec<u32> = marker.iter().zip(mask).map(|(&m, &i)| m.min(i)).collect();
    if j.len() != w * h || mask.len() != w * h {
        return j;
    }
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let m = half_neighbours(x, y, w, h, false)
                .into_iter()
                .flatten()
                .fold(j[i], |m, q| m.max(j[q]));
            j[i] = m.min(mask[i]);
        }
    }
    let mut queue = VecDeque::new();
    for y in (0..h).rev() {
        for x in (0..w).rev() {
            let i = y * w + x;
            let after = half_neighbours(x, y, w, h, true);
            let m = after.into_iter().flatten().fold(j[i], |m, q| m.max(j[q]));
            j[i] = m.min(mask[i]);
            if after
                .into_iter()
                .flatten()
                .any(|q| j[q] < j[i] && j[q] < mask[q])
            {
                queue.push_back(i);
            }
        }
    }
    while let Some(p) = queue.pop_front() {
        let (x, y) = (p % w, p / w);
        let all = half_neighbours(x, y, w, h, false)
            .into_iter()
            .chain(half_neighbours(x, y, w, h, true));
        for q in all.flatten() {
            if j[q] < j[p] && mask[q] != j[q] {
                j[q] = j[p].min(mask[q]);
                queue.push_back(q);
            }
        }
    }
    j
}

/// The h-maxima of `values` (`w x h`): pixels at most `h - 1` below a peak whose dynamic (the
/// drop from it to the saddle towards any higher peak, or to the image's minimum) is at least
/// `h`. `h = 0` is treated as 1 (every regional maximum).
pub fn h_maxima(values: &[u32], w: usize, h: usize, height: u32) -> Vec<bool> {
    let height = height.max(1);
    let lowered: Vec<u32> = values.iter().map(|&v| v.saturating_sub(height)).collect();
    let rec = reconstruct_by_dilation(&lowered, values, w, h);
    values
        .iter()
        .zip(&rec)
        .map(|(&v, &r)| v - r >= height)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reconstruction by definition: dilate (3x3) and clip under the mask until stable.
    fn brute_reconstruct(marker: &[u32], mask: &[u32], w: usize, h: usize) -> Vec<u32> {
        let mut j: Vec<u32> = marker.iter().zip(mask).map(|(&m, &i)| m.min(i)).collect();
        loop {
            let mut next = j.clone();
            for y in 0..h {
                for x in 0..w {
                    let mut m = j[y * w + x];
                    for yy in y.saturating_sub(1)..(y + 2).min(h) {
                        for xx in x.saturating_sub(1)..(x + 2).min(w) {
                            m = m.max(j[yy * w + xx]);
                        }
                    }
                    next[y * w + x] = m.min(mask[y * w + x]);
                }
            }
            if next == j {
                return j;
            }
            j = next;
        }
    }

    #[test]
    fn reconstruction_matches_the_definition() {
        let (w, h) = (19, 13);
        let mask: Vec<u32> = (0..w * h).map(|i| ((i * 7919 + 13) % 50) as u32).collect();
        let marker: Vec<u32> = mask.iter().map(|&v| v.saturating_sub(9)).collect();
        assert_eq!(
            reconstruct_by_dilation(&marker, &mask, w, h),
            brute_reconstruct(&marker, &mask, w, h)
        );
    }

    #[test]
    fn shallow_peaks_merge_and_deep_ones_stay_apart() {
        // one row: two peaks of 10 and 9 divided by a saddle at 8 (shallow), and a third peak
        // of 10 beyond a valley at 2 (deep)
        let v = [0, 10, 8, 9, 2, 10, 0];
        let m = h_maxima(&v, 7, 1, 3);
        assert_eq!(m, [false, true, false, false, false, true, false]);
        let m = h_maxima(&v, 7, 1, 1);
        assert_eq!(m, [false, true, false, true, false, true, false]);
        assert!(h_maxima(&v, 7, 1, 11).iter().all(|&p| !p));
    }

    #[test]
    fn a_plateau_is_one_maximum() {
        let v = [1, 5, 5, 5, 1];
        assert_eq!(h_maxima(&v, 5, 1, 2), [false, true, true, true, false]);
        assert!(h_maxima(&[], 0, 0, 2).is_empty());
    }
}
