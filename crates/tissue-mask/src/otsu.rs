//! Otsu's threshold from a 256-bin histogram, matching `skimage.filters.threshold_otsu` on the
//! same integer data bit for bit.
//!
//! scikit-image (0.26) trims the histogram to the image's `[min, max]`, keeps the counts in
//! `float32`, and computes the between-class variance `w1[:-1] * w2[1:] * (m1[:-1] - m2[1:])**2`
//! where the weight product is a `float32` product and the class means are `float64`; the
//! threshold is the first arg-max. We reproduce those precisions so ties and near-ties resolve
//! the same way. An image with one value returns that value. Pixels **above** the threshold
//! are the upper class (`image > t`).

/// Otsu's threshold of the data whose histogram is `hist` (`hist[v]` = number of values `v`),
/// or `None` when the histogram is empty.
pub fn otsu_threshold(hist: &[u64; 256]) -> Option<u8> {
    let lo = hist.iter().position(|&c| c > 0)?;
    let hi = hist.iter().rposition(|&c| c > 0)?;
    if lo == hi {
        return u8::try_from(lo).ok();
    }
    let counts: Vec<f32> = hist[lo..=hi].iter().map(|&c| c as f32).collect();
    let n = counts.len();
    // Cumulative class weights (float32, sequential like numpy's cumsum) and first moments
    // (float32 counts times integer bin centres promote to float64).
    let mut w1 = vec![0f32; n];
    let mut m1 = vec![0f64; n];
    let (mut w, mut m) = (0f32, 0f64);
    for i in 0..n {
        w += counts[i];
        m += f64::from(counts[i]) * (lo + i) as f64;
        w1[i] = w;
        m1[i] = m / f64::from(w);
    }
    let mut w2 = vec![0f32; n];
    let mut m2 = vec![0f64; n];
    let (mut w, mut m) = (0f32, 0f64);
    for i in (0..n).rev() {
        w += counts[i];
        m += f64::from(counts[i]) * (lo + i) as f64;
        w2[i] = w;
        m2[i] = m / f64::from(w);
    }
    let mut best = 0usize;
    let mut best_var = f64::NEG_INFINITY;
    for i in 0..n - 1 {
        let weights = w1[i] * w2[i + 1];
        let d = m1[i] - m2[i + 1];
        let var = f64::from(weights) * d * d;
        // numpy's argmax: the first maximum; NaN cannot occur (both classes are non-empty).
        if var > best_var {
            best_var = var;
            best = i;
        }
    }
    u8::try_from(lo + best).ok()
}

/// Histogram of a byte slice.
pub fn histogram(values: &[u8]) -> [u64; 256] {
    let mut hist = [0u64; 256];
    for &v in values {
        hist[usize::from(v)] += 1;
    }
    hist
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_clusters_split_between_them() {
        let mut data = vec![10u8; 100];
        data.extend(vec![200u8; 50]);
        assert_eq!(otsu_threshold(&histogram(&data)), Some(10));
    }

    #[test]
    fn constant_and_empty_inputs() {
        assert_eq!(otsu_threshold(&histogram(&[7, 7, 7])), Some(7));
        assert_eq!(otsu_threshold(&[0; 256]), None);
    }

    #[test]
    fn threshold_lies_between_min_and_max() {
        let data: Vec<u8> = (0..1000u32).map(|i| ((i * 37) % 97 + 50) as u8).collect();
        let t = otsu_threshold(&histogram(&data)).unwrap();
        assert!((50..146).contains(&t));
    }
}
