//! Grey-level morphological reconstruction by dilation and the h-maxima it defines: the
//! peaks of an image that rise at least `h` above every path to a higher peak. As nucleus
//! markers they keep one marker per nucleus however its stain is textured (a vesicular
//! nucleus' rim and nucleoli make several small peaks, none `h` deep) and still separate
//! touching nuclei, whose peaks are divided by a real saddle.

use std::collections::VecDeque;

/// Reconstruction by dilation (8-connected) of `marker` under `mask` (`marker <= mask`
/// pixel by pixel; larger marker values are lowered to the mask): the largest image under
/// `mask` whose every regional maximum is seeded by `marker`. Vincent's hybrid algorithm (a
/// raster and an anti-raster pass, then a FIFO queue), O(pixels) in practice.
///
/// It runs on copies framed by one pixel of 0 (a value that never raises a neighbour), so a
/// neighbour is one addition away and never needs a bounds check.
pub fn reconstruct_by_dilation(marker: &[u32], mask: &[u32], w: usize, h: usize) -> Vec<u32> {
    if marker.len() != w * h || mask.len() != w * h || w == 0 || h == 0 {
        return marker.iter().zip(mask).map(|(&m, &i)| m.min(i)).collect();
    }
    let pw = w + 2;
    let mut j = vec![0u32; pw * (h + 2)];
    let mut limit = vec![0u32; j.len()];
    for y in 0..h {
        let (src, dst) = (y * w..(y + 1) * w, (y + 1) * pw + 1..(y + 2) * pw - 1);
        limit[dst.clone()].copy_from_slice(&mask[src.clone()]);
        for ((o, &m), &i) in j[dst].iter_mut().zip(&marker[src.clone()]).zip(&mask[src]) {
            *o = m.min(i);
        }
    }
    let before = [1, pw + 1, pw, pw - 1];
    for y in 1..=h {
        for i in y * pw + 1..(y + 1) * pw - 1 {
            let m = before.iter().fold(j[i], |m, &d| m.max(j[i - d]));
            j[i] = m.min(limit[i]);
        }
    }
    let mut queue = VecDeque::new();
    for y in (1..=h).rev() {
        for i in (y * pw + 1..(y + 1) * pw - 1).rev() {
            let m = before.iter().fold(j[i], |m, &d| m.max(j[i + d]));
            let v = m.min(limit[i]);
            j[i] = v;
            if before.iter().any(|&d| {
                let q = i + d;
                j[q] < v && j[q] < limit[q]
            }) {
                queue.push_back(i);
            }
        }
    }
    while let Some(p) = queue.pop_front() {
        let v = j[p];
        for q in before.iter().flat_map(|&d| [p - d, p + d]) {
            // frame pixels have limit 0, so they are never raised nor queued
            if j[q] < v && limit[q] != j[q] {
                j[q] = v.min(limit[q]);
                queue.push_back(q);
            }
        }
    }
    let mut out = Vec::with_capacity(w * h);
    for row in j.chunks_exact(pw).skip(1).take(h) {
        out.extend_from_slice(&row[1..=w]);
    }
    out
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
