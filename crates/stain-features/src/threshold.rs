//! Otsu's threshold on a floating-point plane (scikit-image's `threshold_otsu`: 256 bins over
//! the value range, threshold at a bin centre).

/// Bins of the histogram.
const BINS: usize = 256;

/// Otsu's threshold of `values` (non-finite values ignored); `None` when there are fewer than
/// two distinct values. Pixels strictly above the threshold are foreground.
pub fn otsu(values: &[f32]) -> Option<f32> {
    let (lo, hi) = finite_range(values);
    if hi <= lo {
        return None;
    }
    let width = f64::from(hi - lo) / BINS as f64;
    let bin = |v: f32| ((f64::from(v - lo) / width) as usize).min(BINS - 1);
    // four interleaved histograms: consecutive pixels mostly share a bin, and one counter
    // would make every increment wait for the previous one
    let mut parts = [[0u64; BINS]; 4];
    let mut quads = values.chunks_exact(4);
    for q in &mut quads {
        for (part, &v) in parts.iter_mut().zip(q) {
            if v.is_finite() {
                part[bin(v)] += 1;
            }
        }
    }
    for &v in quads.remainder() {
        if v.is_finite() {
            parts[0][bin(v)] += 1;
        }
    }
    let mut hist = [0u64; BINS];
    for (b, h) in hist.iter_mut().enumerate() {
        *h = parts.iter().map(|p| p[b]).sum();
    }
    let centre = |b: usize| f64::from(lo) + width * (b as f64 + 0.5);
    let total: u64 = hist.iter().sum();
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(b, &c)| c as f64 * centre(b))
        .sum();
    let (mut w0, mut sum0) = (0u64, 0.0f64);
    let (mut best, mut best_var) = (0usize, -1.0f64);
    for (b, &c) in hist.iter().enumerate().take(BINS - 1) {
        w0 += c;
        sum0 += c as f64 * centre(b);
        let w1 = total - w0;
        if w0 == 0 || w1 == 0 {
            continue;
        }
        let m0 = sum0 / w0 as f64;
        let m1 = (sum_all - sum0) / w1 as f64;
        let var = w0 as f64 * w1 as f64 * (m0 - m1) * (m0 - m1);
        if var > best_var {
            best_var = var;
            best = b;
        }
    }
    Some(centre(best) as f32)
}

/// Smallest and largest finite value (`(inf, -inf)` when there is none), in lanes so that the
/// loop vectorises.
fn finite_range(values: &[f32]) -> (f32, f32) {
    const LANES: usize = 8;
    let (mut lo, mut hi) = ([f32::INFINITY; LANES], [f32::NEG_INFINITY; LANES]);
    let mut chunks = values.chunks_exact(LANES);
    for c in &mut chunks {
        for k in 0..LANES {
            let v = c[k];
            let finite = v.is_finite();
            lo[k] = if finite && v < lo[k] { v } else { lo[k] };
            hi[k] = if finite && v > hi[k] { v } else { hi[k] };
        }
    }
    for &v in chunks.remainder() {
        if v.is_finite() {
            lo[0] = lo[0].min(v);
            hi[0] = hi[0].max(v);
        }
    }
    (
        lo.into_iter().fold(f32::INFINITY, f32::min),
        hi.into_iter().fold(f32::NEG_INFINITY, f32::max),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_two_populations() {
        let mut v = vec![0.1f32; 500];
        v.extend(std::iter::repeat_n(0.9f32, 300));
        v.push(f32::NAN);
        let t = otsu(&v).unwrap();
        assert!(t > 0.1 && t < 0.9, "{t}");
    }

    #[test]
    fn range_ignores_non_finite_values_in_every_lane() {
        for n in [1, 7, 8, 9, 30] {
            let mut v: Vec<f32> = (0..n).map(|i| i as f32 * 0.5 - 1.0).collect();
            v.insert(n / 2, f32::NEG_INFINITY);
            v.push(f32::INFINITY);
            v.push(f32::NAN);
            assert_eq!(finite_range(&v), (-1.0, (n - 1) as f32 * 0.5 - 1.0), "{n}");
        }
        assert_eq!(
            finite_range(&[f32::NAN]),
            (f32::INFINITY, f32::NEG_INFINITY)
        );
    }

    #[test]
    fn constant_or_empty_has_none() {
        assert_eq!(otsu(&[0.5; 10]), None);
        assert_eq!(otsu(&[]), None);
    }
}
