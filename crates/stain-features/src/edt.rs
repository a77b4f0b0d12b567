//! Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, separable): a column
//! pass, then per row the lower envelope of parabolas. Everything is integer (the envelope's
//! breakpoints are compared as fractions), so the result is exact; the nearest-site variant also
//! returns which site is nearest (used to give each membrane-ring pixel to its closest cell).
//!
//! Ties: among equally near sites the one with the smallest x, then the smallest y, is the
//! nearest (the column pass keeps the upper site, the envelope the leftmost parabola).
//!
//! Speed: the row pass only builds envelopes over the runs of non-site pixels of a row. A
//! parabola beyond the site that bounds a run is strictly farther than that site for every
//! pixel of the run, so it can neither win nor tie there; the result is the same as with the
//! whole row, at a cost proportional to the non-site pixels.

/// Squared distance used for "no site at all" (an image with no site pixel).
pub const NO_SITE: u32 = u32::MAX;

/// Squared distance from every pixel to the nearest pixel where `is_site` is true (0 on sites).
/// With no site at all every value is [`NO_SITE`].
pub fn squared_edt(is_site: &[bool], width: usize, height: usize) -> Vec<u32> {
    let mut dist = column_pass(is_site, width, height, None);
    let mut env = Envelope::default();
    let mut row = Vec::with_capacity(width);
    for out in dist.chunks_exact_mut(width.max(1)) {
        row.clear();
        row.extend_from_slice(out);
        env.row_pass(&row, out, None);
    }
    dist
}

/// Squared distance and index (`y * width + x`) of the nearest site for every pixel; the index
/// is `u32::MAX` when there is no site.
pub fn nearest_site(is_site: &[bool], width: usize, height: usize) -> (Vec<u32>, Vec<u32>) {
    let mut index = vec![u32::MAX; width * height];
    let mut dist = column_pass(is_site, width, height, Some(&mut index));
    let mut env = Envelope::default();
    let (mut row, mut rows) = (Vec::with_capacity(width), Vec::with_capacity(width));
    let w = width.max(1);
    for (y, (out, idx)) in dist
        .chunks_exact_mut(w)
        .zip(index.chunks_exact_mut(w))
        .enumerate()
    {
        row.clear();
        row.extend_from_slice(out);
        rows.clear();
        rows.extend_from_slice(idx);
        let first = (y * width) as u32;
        env.row_pass(&row, out, Some((&rows, idx, width as u32, first)));
    }
    (dist, index)
}

/// Distance (in rows) to the nearest site in the same column ([`NO_SITE`] when the column has
/// none); with `rows`, also that site's row (`u32::MAX` when none). Two raster passes (down,
/// then up) over whole rows, so the work is element-wise along rows and vectorises.
fn column_pass(
    is_site: &[bool],
    width: usize,
    height: usize,
    mut rows: Option<&mut [u32]>,
) -> Vec<u32> {
    let mut dist = vec![NO_SITE; width * height];
    if width == 0 {
        return dist;
    }
    for (y, (d, s)) in dist
        .chunks_exact_mut(width)
        .zip(is_site.chunks_exact(width))
        .enumerate()
    {
        for (d, &s) in d.iter_mut().zip(s) {
            if s {
                *d = 0;
            }
        }
        if let Some(rows) = rows.as_deref_mut() {
            let r = &mut rows[y * width..(y + 1) * width];
            for (r, &s) in r.iter_mut().zip(s) {
                if s {
                    *r = y as u32;
                }
            }
        }
    }
    for y in 1..height {
        let (above, below) = dist.split_at_mut(y * width);
        let (prev, cur) = (&above[(y - 1) * width..], &mut below[..width]);
        match rows.as_deref_mut() {
            None => {
                for (c, &p) in cur.iter_mut().zip(prev) {
                    *c = (*c).min(p.saturating_add(1));
                }
            }
            Some(rows) => {
                let (ra, rb) = rows.split_at_mut(y * width);
                let (rprev, rcur) = (&ra[(y - 1) * width..], &mut rb[..width]);
                for (((c, &p), r), &rp) in cur.iter_mut().zip(prev).zip(rcur).zip(rprev) {
                    let from_above = p.saturating_add(1);
                    if from_above < *c {
                        *c = from_above;
                        *r = rp;
                    }
                }
            }
        }
    }
    for y in (0..height.saturating_sub(1)).rev() {
        let (upper, lower) = dist.split_at_mut((y + 1) * width);
        let (cur, next) = (&mut upper[y * width..], &lower[..width]);
        match rows.as_deref_mut() {
            None => {
                for (c, &n) in cur.iter_mut().zip(next) {
                    *c = (*c).min(n.saturating_add(1));
                }
            }
            Some(rows) => {
                let (ra, rb) = rows.split_at_mut((y + 1) * width);
                let (rcur, rnext) = (&mut ra[y * width..], &rb[..width]);
                // strictly nearer only: on a tie the upper site stays
                for (((c, &n), r), &rn) in cur.iter_mut().zip(next).zip(rcur).zip(rnext) {
                    let from_below = n.saturating_add(1);
                    if from_below < *c {
                        *c = from_below;
                        *r = rn;
                    }
                }
            }
        }
    }
    dist
}

/// One parabola `(x - v)^2 + f` of an envelope, with its left breakpoint `num / den` (where it
/// starts to be the lowest; `den > 0`).
#[derive(Debug, Default, Clone, Copy)]
struct Parabola {
    v: i64,
    f: i64,
    num: i64,
    den: i64,
}

/// Lower envelope of the parabolas `(x - q)^2 + f(q)` of one row, buffer reused across rows.
/// Breakpoints are fractions compared by cross-multiplication: exact in `i64` for images up to
/// about a million pixels a side.
#[derive(Debug, Default)]
struct Envelope {
    /// The parabolas on the envelope, left to right (`hull[..k]`).
    hull: Vec<Parabola>,
    /// Number of parabolas on the envelope.
    k: usize,
}

impl Envelope {
    /// Row pass: `col` holds the column distances of one row (0 on a site); writes the squared
    /// distances to `out`, and with `sites = (site rows, index out, width, y * width)` the
    /// nearest site's index.
    fn row_pass(
        &mut self,
        col: &[u32],
        out: &mut [u32],
        mut sites: Option<(&[u32], &mut [u32], u32, u32)>,
    ) {
        let w = col.len();
        if self.hull.len() < w + 2 {
            self.hull.resize(w + 2, Parabola::default());
        }
        let mut x = 0;
        while x < w {
            if col[x] == 0 {
                out[x] = 0;
                if let Some((_, index, _, first)) = sites.as_mut() {
                    index[x] = *first + x as u32;
                }
                x += 1;
                continue;
            }
            let start = x;
            while x < w && col[x] != 0 {
                x += 1;
            }
            // candidates: the run and the sites bounding it
            let (lo, hi) = (start.saturating_sub(1), (x + 1).min(w));
            self.build(&col[lo..hi], lo);
            self.fill(start, x, out, sites.as_mut());
        }
    }

    /// Builds the envelope of the parabolas of `col` (positions from `offset`) with a finite
    /// distance.
    fn build(&mut self, col: &[u32], offset: usize) {
        let hull = &mut self.hull[..col.len()];
        let mut k = 0;
        for (q, &d) in col.iter().enumerate() {
            if d == NO_SITE {
                continue;
            }
            let (q, fq) = ((q + offset) as i64, i64::from(d) * i64::from(d));
            let (mut num, mut den) = (0, 1);
            while k > 0 {
                let top = hull[k - 1];
                // intersection of the parabolas of top and q
                num = fq + q * q - top.f - top.v * top.v;
                den = 2 * (q - top.v);
                // top is hidden when that is not right of its own left breakpoint
                if k > 1 && num * top.den <= top.num * den {
                    k -= 1;
                } else {
                    break;
                }
            }
            hull[k] = Parabola {
                v: q,
                f: fq,
                num,
                den,
            };
            k += 1;
        }
        self.k = k;
    }

    /// Evaluates the envelope at `start..end`; with `sites`, also writes the nearest index.
    fn fill(
        &self,
        start: usize,
        end: usize,
        out: &mut [u32],
        mut sites: Option<&mut (&[u32], &mut [u32], u32, u32)>,
    ) {
        let hull = &self.hull[..self.k];
        let Some(mut cur) = hull.first() else {
            out[start..end].fill(NO_SITE);
            return;
        };
        let mut next = hull.iter().skip(1).peekable();
        for x in start..end {
            let xi = x as i64;
            // next parabola once its breakpoint is strictly left of x (ties: the left one)
            while let Some(p) = next.next_if(|p| p.num < xi * p.den) {
                cur = p;
            }
            let dx = xi - cur.v;
            out[x] = (dx * dx + cur.f).min(i64::from(NO_SITE - 1)) as u32;
            if let Some((rows, index, width, _)) = sites.as_mut() {
                index[x] = rows[cur.v as usize] * *width + cur.v as u32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brute(sites: &[bool], w: usize, h: usize) -> Vec<u32> {
        let pts: Vec<(usize, usize)> = (0..w * h)
            .filter(|&i| sites[i])
            .map(|i| (i % w, i / w))
            .collect();
        (0..w * h)
            .map(|i| {
                let (x, y) = (i % w, i / w);
                pts.iter()
                    .map(|&(px, py)| (px.abs_diff(x).pow(2) + py.abs_diff(y).pow(2)) as u32)
                    .min()
                    .unwrap_or(NO_SITE)
            })
            .collect()
    }

    /// A deterministic pseudo-random pattern (xorshift) with the given site density.
    fn pattern(w: usize, h: usize, seed: u64, per_mille: u64) -> Vec<bool> {
        let mut s = seed | 1;
        (0..w * h)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                s % 1000 < per_mille
            })
            .collect()
    }

    #[test]
    fn exact_against_brute_force() {
        for (w, h, seed, density) in [
            (40, 30, 1, 20),
            (17, 55, 2, 5),
            (64, 64, 3, 300),
            (1, 9, 4, 200),
            (9, 1, 5, 200),
        ] {
            let sites = pattern(w, h, seed, density);
            assert_eq!(squared_edt(&sites, w, h), brute(&sites, w, h), "{w}x{h}");
            let (d, idx) = nearest_site(&sites, w, h);
            assert_eq!(d, brute(&sites, w, h));
            for i in 0..w * h {
                if d[i] == NO_SITE {
                    continue;
                }
                let j = idx[i] as usize;
                assert!(sites[j]);
                let d2 = (j % w).abs_diff(i % w).pow(2) + (j / w).abs_diff(i / w).pow(2);
                assert_eq!(d2 as u32, d[i]);
            }
        }
    }

    #[test]
    fn no_sites_and_all_sites() {
        assert!(
            squared_edt(&[false; 12], 4, 3)
                .iter()
                .all(|&d| d == NO_SITE)
        );
        assert!(squared_edt(&[true; 12], 4, 3).iter().all(|&d| d == 0));
        assert!(squared_edt(&[], 0, 0).is_empty());
    }

    #[test]
    fn ties_go_to_the_smallest_x_then_y() {
        for (w, h, seed, density) in [
            (40, 30, 1, 20),
            (17, 55, 2, 5),
            (33, 33, 7, 50),
            (50, 20, 9, 100),
        ] {
            let sites = pattern(w, h, seed, density);
            let (d, idx) = nearest_site(&sites, w, h);
            for i in 0..w * h {
                let best = (0..w * h)
                    .filter(|&j| sites[j])
                    .filter(|&j| {
                        let d2 = (j % w).abs_diff(i % w).pow(2) + (j / w).abs_diff(i / w).pow(2);
                        d2 as u32 == d[i]
                    })
                    .min_by_key(|&j| (j % w, j / w));
                assert_eq!(best.map(|b| b as u32), Some(idx[i]), "{w}x{h} at {i}");
            }
        }
    }
}
