//! Binary morphology on byte masks: opening/closing with a disk (as scikit-image's
//! `disk(r)`: offsets with dx^2 + dy^2 <= r^2) and hole filling.

/// Horizontal half-width of a disk of radius `r` at row offset `dy`.
fn half_width(r: usize, dy: usize) -> usize {
    let mut w = 0;
    while (w + 1) * (w + 1) + dy * dy <= r * r {
        w += 1;
    }
    w
}

/// Length of the run of `value` pixels ending at (left) and starting at (right) each pixel.
fn runs(mask: &[bool], width: usize, height: usize, value: bool) -> (Vec<u16>, Vec<u16>) {
    let mut left = vec![0u16; mask.len()];
    let mut right = vec![0u16; mask.len()];
    for y in 0..height {
        let r = y * width..(y + 1) * width;
        let (row, l, rr) = (&mask[r.clone()], &mut left[r.clone()], &mut right[r]);
        let mut run = 0u16;
        for x in 0..width {
            run = if row[x] == value {
                run.saturating_add(1)
            } else {
                0
            };
            l[x] = run;
        }
        run = 0;
        for x in (0..width).rev() {
            run = if row[x] == value {
                run.saturating_add(1)
            } else {
                0
            };
            rr[x] = run;
        }
    }
    (left, right)
}

/// Erodes the `value` set by a disk of radius `r`: a pixel stays `value` only if every disk
/// offset inside the image is `value` too (outside counts as `value`, as in scikit-image).
fn erode_value(mask: &[bool], width: usize, height: usize, r: usize, value: bool) -> Vec<bool> {
    let (left, right) = runs(mask, width, height, value);
    let widths: Vec<usize> = (0..=r).map(|dy| half_width(r, dy)).collect();
    let mut out = vec![!value; mask.len()];
    for y in 0..height {
        for x in 0..width {
            let need_l = widths.iter().map(|&hw| (hw.min(x) + 1) as u16);
            let need_r = widths.iter().map(|&hw| (hw.min(width - 1 - x) + 1) as u16);
            let ok = need_l.zip(need_r).enumerate().all(|(dy, (nl, nr))| {
                [y.checked_sub(dy), (y + dy < height).then_some(y + dy)]
                    .into_iter()
                    .flatten()
                    .all(|yy| left[yy * width + x] >= nl && right[yy * width + x] >= nr)
            });
            if ok {
                out[y * width + x] = value;
            }
        }
    }
    out
}

/// Binary opening (erosion then dilation) with a disk of radius `r`.
pub fn open(mask: &[bool], width: usize, height: usize, r: usize) -> Vec<bool> {
    if r == 0 {
        return mask.to_vec();
    }
    let eroded = erode_value(mask, width, height, r, true);
    // dilation = erosion of the background
    erode_value(&eroded, width, height, r, false)
}

/// Fills holes: background regions (4-connected) that do not touch the image border.
pub fn fill_holes(mask: &mut [bool], width: usize, height: usize) {
    if width == 0 || height == 0 {
        return;
    }
    let background: Vec<bool> = mask.iter().map(|&m| !m).collect();
    let mut labels = vec![0u32; mask.len()];
    let count = crate::labels::label_components(&background, &mut labels, width, 1);
    let mut touches_border = vec![false; count as usize];
    let border = (0..width)
        .flat_map(|x| [x, (height - 1) * width + x])
        .chain((0..height).flat_map(|y| [y * width, y * width + width - 1]));
    for i in border {
        touches_border[labels[i] as usize] = true;
    }
    for (m, &label) in mask.iter_mut().zip(&labels) {
        *m = label == 0 || !touches_border[label as usize];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Opening by definition: max over disk of (min over disk), image edge as in scikit-image.
    fn brute_open(mask: &[bool], w: usize, h: usize, r: usize) -> Vec<bool> {
        let offs: Vec<(isize, isize)> = (-(r as isize)..=r as isize)
            .flat_map(|dy| (-(r as isize)..=r as isize).map(move |dx| (dx, dy)))
            .filter(|(dx, dy)| dx * dx + dy * dy <= (r * r) as isize)
            .collect();
        let at = |m: &[bool], x: isize, y: isize, outside: bool| {
            if x < 0 || y < 0 || x >= w as isize || y >= h as isize {
                outside
            } else {
                m[y as usize * w + x as usize]
            }
        };
        let er: Vec<bool> = (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as isize, (i / w) as isize);
                offs.iter().all(|(dx, dy)| at(mask, x + dx, y + dy, true))
            })
            .collect();
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as isize, (i / w) as isize);
                offs.iter().any(|(dx, dy)| at(&er, x + dx, y + dy, false))
            })
            .collect()
    }

    #[test]
    fn opening_matches_definition() {
        let (w, h) = (31, 19);
        let mut s = 7u64;
        let mask: Vec<bool> = (0..w * h)
            .map(|i| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (s >> 33) % 10 < 7 || (i % w > 10 && i % w < 20)
            })
            .collect();
        for r in [1, 2, 3] {
            assert_eq!(open(&mask, w, h, r), brute_open(&mask, w, h, r), "r={r}");
        }
    }

    #[test]
    fn fills_enclosed_holes_only() {
        let (w, h) = (7, 5);
        let mut m = vec![false; w * h];
        for y in 1..4 {
            for x in 1..4 {
                m[y * w + x] = !(x == 2 && y == 2);
            }
        }
        m[2 * w + 6] = false;
        fill_holes(&mut m, w, h);
        assert!(m[2 * w + 2]);
        assert!(!m[0] && !m[2 * w + 5]);
    }
}
