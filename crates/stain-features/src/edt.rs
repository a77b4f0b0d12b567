//! Exact Euclidean distance transform (Felzenszwalb & Huttenlocher 2012, separable): a column
//! pass, then per row the lower envelope of parabolas. Squared distances are integers, so the
//! result is exact; the nearest-site variant also returns which site is nearest (used to give
//! each membrane-ring pixel to its closest cell).

/// Squared distance used for "no site at all" (an image with no site pixel).
pub const NO_SITE: u32 = u32::MAX;

/// Squared distance from every pixel to the nearest pixel where `is_site` is true (0 on sites).
/// With no site at all every value is [`NO_SITE`].
pub fn squared_edt(is_site: &[bool], width: usize, height: usize) -> Vec<u32> {
    let mut work = Workspace::new(width);
    let cols = column_pass(is_site, width, height, false);
    let mut out = vec![NO_SITE; width * height];
    for y in 0..height {
        let row = &cols.dist[y * width..(y + 1) * width];
        work.envelope(row);
        work.fill(&mut out[y * width..(y + 1) * width], None);
    }
    out
}

/// Squared distance and index (`y * width + x`) of the nearest site for every pixel; the index
/// is `u32::MAX` when there is no site.
pub fn nearest_site(is_site: &[bool], width: usize, height: usize) -> (Vec<u32>, Vec<u32>) {
    let mut work = Workspace::new(width);
    let cols = column_pass(is_site, width, height, true);
    let mut dist = vec![NO_SITE; width * height];
    let mut index = vec![u32::MAX; width * height];
    for y in 0..height {
        let r = y * width..(y + 1) * width;
        work.envelope(&cols.dist[r.clone()]);
        work.fill(
            &mut dist[r.clone()],
            Some((&cols.row[r.clone()], &mut index[r], width)),
        );
    }
    (dist, index)
}

/// Distance (in rows) to the nearest site in the same column, and that site's row.
struct Columns {
    dist: Vec<u32>,
    row: Vec<u32>,
}

/// Two raster passes (down, then up) so that the work runs along rows, cache-friendly.
fn column_pass(is_site: &[bool], width: usize, height: usize, rows: bool) -> Columns {
    let n = width * height;
    let mut dist = vec![NO_SITE; n];
    let mut row = if rows { vec![u32::MAX; n] } else { Vec::new() };
    for y in 0..height {
        for x in 0..width {
            let i = y * width + x;
            if is_site[i] {
                dist[i] = 0;
                if rows {
                    row[i] = y as u32;
                }
            } else if y > 0 && dist[i - width] != NO_SITE {
                dist[i] = dist[i - width] + 1;
                if rows {
                    row[i] = row[i - width];
                }
            }
        }
    }
    for y in (0..height.saturating_sub(1)).rev() {
        for x in 0..width {
            let i = y * width + x;
            let below = dist[i + width];
            if below != NO_SITE && below + 1 < dist[i] {
                dist[i] = below + 1;
                if rows {
                    row[i] = row[i + width];
                }
            }
        }
    }
    Columns { dist, row }
}

/// Buffers of the 1-D lower-envelope computation, reused across rows.
struct Workspace {
    /// Sites (x positions) of the parabolas on the envelope.
    v: Vec<usize>,
    /// Boundaries between envelope parabolas (z[k] .. z[k+1] belongs to v[k]).
    z: Vec<f64>,
    /// Squared column distance f(x) of each site.
    f: Vec<u64>,
    /// Number of parabolas on the envelope.
    k: usize,
}

impl Workspace {
    fn new(width: usize) -> Self {
        Self {
            v: vec![0; width],
            z: vec![0.0; width + 1],
            f: vec![0; width],
            k: 0,
        }
    }

    /// Builds the lower envelope of the parabolas `(x - q)^2 + col[q]^2` over finite sites.
    fn envelope(&mut self, col: &[u32]) {
        self.k = 0;
        for (q, &d) in col.iter().enumerate() {
            if d == NO_SITE {
                continue;
            }
            let fq = u64::from(d) * u64::from(d);
            self.f[q] = fq;
            loop {
                if self.k == 0 {
                    self.v[0] = q;
                    self.z[0] = f64::NEG_INFINITY;
                    self.z[1] = f64::INFINITY;
                    self.k = 1;
                    break;
                }
                let p = self.v[self.k - 1];
                let fp = self.f[p];
                // intersection of the parabolas of p and q
                let s = ((fq + (q * q) as u64) as f64 - (fp + (p * p) as u64) as f64)
                    / (2.0 * (q - p) as f64);
                if s <= self.z[self.k - 1] {
                    self.k -= 1;
                } else {
                    self.v[self.k] = q;
                    self.z[self.k] = s;
                    self.z[self.k + 1] = f64::INFINITY;
                    self.k += 1;
                    break;
                }
            }
        }
    }

    /// Evaluates the envelope at every x; with `sites`, also writes the nearest site index.
    fn fill(&self, out: &mut [u32], sites: Option<(&[u32], &mut [u32], usize)>) {
        if self.k == 0 {
            out.fill(NO_SITE);
            return;
        }
        let mut j = 0;
        let mut sites = sites;
        for (x, o) in out.iter_mut().enumerate() {
            while self.z[j + 1] < x as f64 {
                j += 1;
            }
            let q = self.v[j];
            let dx = x.abs_diff(q) as u64;
            *o = (dx * dx + self.f[q]).min(u64::from(NO_SITE - 1)) as u32;
            if let Some((rows, index, width)) = sites.as_mut() {
                index[x] = rows[q] * *width as u32 + q as u32;
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
}
