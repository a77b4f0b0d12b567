//! Brown slivers: on a strongly stained membrane marker (a 3+ membrane, a dark DAB run), the
//! hematoxylin plane keeps some of the DAB (no stain matrix separates them exactly), and the
//! nucleus detector can take stretches of membrane for nuclei. Such a region is browner than
//! it is blue and thin, a membrane's width; a nucleus is blue, or, on a nuclear marker such as
//! Ki67, brown but round and thick. Left in, the slivers are counted as intense cells and take
//! the ring pixels of the real cells beside them, whose membranes then read incomplete.

use crate::edt::squared_edt;

/// Sets to 0 the pixels of every label of `labels` (`1..=max_label`, row-major `w` wide) whose
/// mean `dab` exceeds its mean `hematoxylin` and whose widest inscribed disc has a radius under
/// `max_radius_px`; returns how many labels were dropped. `max_radius_px` 0 drops nothing.
pub fn drop_brown_slivers(
    labels: &mut [u32],
    max_label: u32,
    hematoxylin: &[f32],
    dab: &[f32],
    w: usize,
    max_radius_px: f64,
) -> usize {
    if max_radius_px <= 0.0 || max_label == 0 || w == 0 {
        return 0;
    }
    let h = labels.len() / w;
    let n = max_label as usize + 1;
    // per label: hematoxylin and DAB sums, and its bounding box [x0, y0, x1, y1]
    let mut sums = vec![(0f64, 0f64); n];
    let mut boxes = vec![[usize::MAX, usize::MAX, 0, 0]; n];
    for (i, &l) in labels.iter().enumerate() {
        if l == 0 {
            continue;
        }
        let l = l as usize;
        sums[l].0 += f64::from(hematoxylin[i]);
        sums[l].1 += f64::from(dab[i]);
        let (x, y) = (i % w, i / w);
        let b = &mut boxes[l];
        *b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
    }
    // only brown labels need their inscribed radius: each on its own box (most patches have
    // none, so this costs nothing there)
    let limit = max_radius_px * max_radius_px;
    let mut drop = vec![false; n];
    for l in 1..n {
        if sums[l].1 <= sums[l].0 || boxes[l][0] == usize::MAX {
            continue;
        }
        drop[l] = f64::from(widest_squared(labels, w, h, l as u32, boxes[l])) < limit;
    }
    for l in labels.iter_mut() {
        if drop[*l as usize] {
            *l = 0;
        }
    }
    drop.iter().filter(|&&d| d).count()
}

/// The squared radius of the widest disc inside label `label` (whose bounding box is `bbox`):
/// the largest distance from one of its interior pixels (all four neighbours in it, not on the
/// image edge) to a pixel that is not.
fn widest_squared(labels: &[u32], w: usize, h: usize, label: u32, bbox: [usize; 4]) -> u32 {
    // the box with a margin of one pixel, whose pixels are all outside the label's interior
    let (x0, y0) = (bbox[0].saturating_sub(1), bbox[1].saturating_sub(1));
    let (x1, y1) = ((bbox[2] + 1).min(w - 1), (bbox[3] + 1).min(h - 1));
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let mut site = vec![true; bw * bh];
    for y in y0..=y1 {
        for x in x0..=x1 {
            let i = y * w + x;
            let same = |j: usize| labels[j] == label;
            let interior = x > 0
                && x + 1 < w
                && y > 0
                && y + 1 < h
                && same(i)
                && same(i - 1)
                && same(i + 1)
                && same(i - w)
                && same(i + w);
            site[(y - y0) * bw + (x - x0)] = !interior;
        }
    }
    squared_edt(&site, bw, bh)
        .into_iter()
        .filter(|&d| d != crate::edt::NO_SITE)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 40 x 20 image: label 1 a blue disc (r 6), label 2 a brown bar 3 px thick, label 3 a
    /// brown disc (r 6, a Ki67-positive nucleus), label 4 a blue bar 3 px thick (a fibroblast).
    fn scene() -> (Vec<u32>, Vec<f32>, Vec<f32>, usize) {
        let (w, h) = (60usize, 20usize);
        let mut labels = vec![0u32; w * h];
        let (mut hem, mut dab) = (vec![0.05f32; w * h], vec![0.02f32; w * h]);
        for y in 0..h {
            for x in 0..w {
                let i = y * w + x;
                let disc = |cx: f64| (x as f64 - cx).powi(2) + (y as f64 - 10.0).powi(2) <= 36.0;
                let (label, brown) = if disc(8.0) {
                    (1, false)
                } else if (18..36).contains(&x) && (4..7).contains(&y) {
                    (2, true)
                } else if disc(45.0) {
                    (3, true)
                } else if (18..36).contains(&x) && (13..16).contains(&y) {
                    (4, false)
                } else {
                    continue;
                };
                labels[i] = label;
                if brown {
                    dab[i] = 1.2;
                    hem[i] = 0.3;
                } else {
                    hem[i] = 0.8;
                }
            }
        }
        (labels, hem, dab, w)
    }

    #[test]
    fn thin_brown_regions_go_and_nuclei_stay() {
        let (mut labels, hem, dab, w) = scene();
        assert_eq!(drop_brown_slivers(&mut labels, 4, &hem, &dab, w, 2.4), 1);
        let present = |l: u32| labels.contains(&l);
        assert!(present(1) && !present(2) && present(3) && present(4));
    }

    #[test]
    fn a_zero_radius_drops_nothing() {
        let (mut labels, hem, dab, w) = scene();
        let before = labels.clone();
        assert_eq!(drop_brown_slivers(&mut labels, 4, &hem, &dab, w, 0.0), 0);
        assert_eq!(labels, before);
    }
}
