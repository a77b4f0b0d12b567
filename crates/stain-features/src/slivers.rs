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
    let mut sums = vec![(0f64, 0f64); n];
    // interior pixels: inside a label with all four neighbours in it; the distance to the
    // nearest other pixel is the inscribed radius there
    let mut site = vec![true; labels.len()];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let l = labels[i];
            if l == 0 {
                continue;
            }
            let s = &mut sums[l as usize];
            s.0 += f64::from(hematoxylin[i]);
            s.1 += f64::from(dab[i]);
            let same = |j: usize| labels[j] == l;
            site[i] = !(x > 0 && x + 1 < w && y > 0 && y + 1 < h)
                || !(same(i - 1) && same(i + 1) && same(i - w) && same(i + w));
        }
    }
    let d2 = squared_edt(&site, w, h);
    let mut widest = vec![0u32; n];
    for (i, &l) in labels.iter().enumerate() {
        if l != 0 {
            widest[l as usize] = widest[l as usize].max(d2[i]);
        }
    }
    let limit = max_radius_px * max_radius_px;
    let drop: Vec<bool> = (0..n)
        .map(|l| l > 0 && sums[l].1 > sums[l].0 && f64::from(widest[l]) < limit)
        .collect();
    for l in labels.iter_mut() {
        if drop[*l as usize] {
            *l = 0;
        }
    }
    drop.iter().filter(|&&d| d).count()
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
