//! Otsu's threshold on a floating-point plane (scikit-image's `threshold_otsu`: 256 bins over
//! the value range, threshold at a bin centre).

/// Bins of the histogram.
const BINS: usize = 256;

/// Otsu's threshold of `values` (non-finite values ignored); `None` when there are fewer than
/// two distinct values. Pixels strictly above the threshold are foreground.
pub fn otsu(values: &[f32]) -> Option<f32> {
    let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
    for &v in values.iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if hi <= lo {
        return None;
    }
    let width = f64::from(hi - lo) / BINS as f64;
    let mut hist = [0u64; BINS];
    for &v in values.iter().filter(|v| v.is_finite()) {
        let b = ((f64::from(v - lo) / width) as usize).min(BINS - 1);
        hist[b] += 1;
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
    fn constant_or_empty_has_none() {
        assert_eq!(otsu(&[0.5; 10]), None);
        assert_eq!(otsu(&[]), None);
    }
}
