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

/// Erodes a set (1 = in the set) by a disk of radius `r`: a pixel stays in only if every disk
/// offset inside the image is in too (outside counts as in, as in scikit-image).
///
/// The disk is a stack of horizontal segments of half-width `half_width(r, |dy|)`. Horizontal
/// erosions by half-widths 0, 1, ..., r are built one from the other (each one more pixel on
/// either side), and each is ANDed into the result at the row offsets whose segment has that
/// half-width. Every step is an element-wise AND of two shifted byte slices, which vectorises:
/// O(r) passes over the image.
fn erode(set: &[u8], width: usize, height: usize, r: usize) -> Vec<u8> {
    let widths: Vec<usize> = (0..=r).map(|dy| half_width(r, dy)).collect();
    let mut out = vec![1u8; set.len()];
    let mut line = set.to_vec();
    for k in 0..=r {
        if k > 0 {
            // line: horizontal erosion by half-width k - 1 -> k
            for (row, src) in line.chunks_exact_mut(width).zip(set.chunks_exact(width)) {
                if k < width {
                    and_into(&mut row[k..], &src[..width - k]);
                    and_into(&mut row[..width - k], &src[k..]);
                }
            }
        }
        for dy in (0..=r).filter(|&dy| widths[dy] == k) {
            and_shifted_rows(&mut out, &line, width, height, dy as isize);
            if dy > 0 {
                and_shifted_rows(&mut out, &line, width, height, -(dy as isize));
            }
        }
    }
    out
}

/// `dst &= src` element-wise.
fn and_into(dst: &mut [u8], src: &[u8]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d &= s;
    }
}

/// `out[y] &= line[y + dy]` for every row where `y + dy` is inside the image.
fn and_shifted_rows(out: &mut [u8], line: &[u8], width: usize, height: usize, dy: isize) {
    let shift = dy.unsigned_abs().min(height) * width;
    if dy >= 0 {
        and_into(&mut out[..height * width - shift], &line[shift..]);
    } else {
        and_into(&mut out[shift..], &line[..height * width - shift]);
    }
}

/// Binary opening (erosion then dilation) with a disk of radius `r`.
pub fn open(mask: &[bool], width: usize, height: usize, r: usize) -> Vec<bool> {
    if r == 0 || width == 0 || height == 0 {
        return mask.to_vec();
    }
    let set: Vec<u8> = mask.iter().map(|&m| u8::from(m)).collect();
    let mut eroded = erode(&set, width, height, r);
    // dilation = erosion of the background (outside counts as background)
    for e in &mut eroded {
        *e ^= 1;
    }
    erode(&eroded, width, height, r)
        .into_iter()
        .map(|b| b == 0)
        .collect()
}

/// Fills holes: background regions (4-connected) that do not touch the image border.
pub fn fill_holes(mask: &mut [bool], width: usize, height: usize) {
    if width == 0 || height == 0 {
        return;
    }
    let holes = crate::labels::Runs::new(width, height, |i| !mask[i]).enclosed();
    for run in holes {
        mask[run].fill(true);
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
        for r in [1, 2, 3, 7, 40] {
            assert_eq!(open(&mask, w, h, r), brute_open(&mask, w, h, r), "r={r}");
        }
        assert_eq!(open(&mask, w, h, 0), mask);
        for (w, h) in [(1, 1), (1, 6), (6, 1), (2, 3)] {
            let m: Vec<bool> = (0..w * h).map(|i| i % 3 != 1).collect();
            for r in [1, 2, 5] {
                assert_eq!(open(&m, w, h, r), brute_open(&m, w, h, r), "{w}x{h} r={r}");
            }
        }
    }

    #[test]
    fn fills_what_a_flood_from_the_border_does_not_reach() {
        let (w, h) = (45, 33);
        let mut s = 5u64;
        for density in [300, 500, 700] {
            let mut mask: Vec<bool> = (0..w * h)
                .map(|_| {
                    s ^= s << 13;
                    s ^= s >> 7;
                    s ^= s << 17;
                    s % 1000 < density
                })
                .collect();
            // reference: background reached from the border stays, everything else is filled
            let mut reached = vec![false; w * h];
            let mut stack: Vec<usize> = (0..w * h)
                .filter(|&i| {
                    let (x, y) = (i % w, i / w);
                    !mask[i] && (x == 0 || y == 0 || x == w - 1 || y == h - 1)
                })
                .collect();
            for &i in &stack {
                reached[i] = true;
            }
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                let near = [
                    (x > 0).then(|| i - 1),
                    (x + 1 < w).then(|| i + 1),
                    (y > 0).then(|| i - w),
                    (y + 1 < h).then(|| i + w),
                ];
                for j in near.into_iter().flatten() {
                    if !mask[j] && !reached[j] {
                        reached[j] = true;
                        stack.push(j);
                    }
                }
            }
            let want: Vec<bool> = reached.iter().map(|&r| !r).collect();
            fill_holes(&mut mask, w, h);
            assert_eq!(mask, want, "density {density}");
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
