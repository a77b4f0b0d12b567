//! Deterministic randomness addressed by coordinates: integer hashes and value noise.
//!
//! Every pixel and cell draws its randomness from a hash of (slide seed, stream, coordinates),
//! never from a sequential generator, so any region renders the same whatever the tiling.

/// A 64-bit mix (the SplitMix64 finaliser): a bijection with good avalanche.
#[inline]
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash of a seed, a stream tag and two integer coordinates.
#[inline]
pub(crate) fn hash3(seed: u64, stream: u64, a: i64, b: i64) -> u64 {
    let h = mix64(seed ^ stream.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let h = mix64(h ^ (a as u64).wrapping_mul(0xd6e8_feb8_6659_fd93));
    mix64(h ^ (b as u64).wrapping_mul(0xa076_1d64_78bd_642f))
}

/// `x.floor() as i64` without the libm call (the baseline x86-64 target has no rounding
/// instruction): the same result for every finite `x` with |x| < 2^63, and 0 for NaN.
#[inline]
pub(crate) fn floor_i64(x: f64) -> i64 {
    let t = x as i64;
    t - i64::from((t as f64) > x)
}

/// `v.round().clamp(0.0, 255.0) as u8` without the libm call: the same result for every `v`
/// (the fractional part of a float is exact, so the half-way test is exact).
#[inline]
pub(crate) fn round_u8(v: f32) -> u8 {
    if v.is_nan() || v <= 0.0 {
        0
    } else if v >= 255.0 {
        255
    } else {
        let t = v as u32;
        (t + u32::from(v - t as f32 >= 0.5)) as u8
    }
}

/// Uniform in [0, 1) from a hash (53 bits).
#[inline]
pub(crate) fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Several independent uniforms in [0, 1) for one (stream, a, b) address.
pub(crate) fn units<const N: usize>(seed: u64, stream: u64, a: i64, b: i64) -> [f64; N] {
    let base = hash3(seed, stream, a, b);
    std::array::from_fn(|i| {
        unit(mix64(base.wrapping_add(
            (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        )))
    })
}

/// Approximately standard-normal value from a hash (sum of four 16-bit uniforms, rescaled):
/// cheap, bounded at +-3.46, enough for sensor noise.
#[inline]
pub(crate) fn gaussish(h: u64) -> f64 {
    let s = (h & 0xffff) + ((h >> 16) & 0xffff) + ((h >> 32) & 0xffff) + (h >> 48);
    (s as f64 / 65535.0 - 2.0) * 1.732_050_8
}

/// Smooth value noise in [0, 1] on a lattice of spacing `scale` (same units as x, y).
pub(crate) fn value_noise(seed: u64, stream: u64, x: f64, y: f64, scale: f64) -> f64 {
    let fx = x / scale;
    let fy = y / scale;
    let (ix, iy) = (floor_i64(fx), floor_i64(fy));
    let tx = fx - ix as f64;
    let ty = fy - iy as f64;
    let v = |a: i64, b: i64| unit(hash3(seed, stream, a, b));
    let sx = tx * tx * (3.0 - 2.0 * tx);
    let sy = ty * ty * (3.0 - 2.0 * ty);
    let top = v(ix, iy) + (v(ix + 1, iy) - v(ix, iy)) * sx;
    let bottom = v(ix, iy + 1) + (v(ix + 1, iy + 1) - v(ix, iy + 1)) * sx;
    top + (bottom - top) * sy
}

/// Two octaves of value noise, in [0, 1].
pub(crate) fn fractal_noise(seed: u64, stream: u64, x: f64, y: f64, scale: f64) -> f64 {
    (2.0 * value_noise(seed, stream, x, y, scale)
        + value_noise(seed, stream + 1, x, y, scale * 0.43))
        / 3.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_stable_and_spread() {
        assert_eq!(hash3(1, 2, 3, 4), hash3(1, 2, 3, 4));
        assert_ne!(hash3(1, 2, 3, 4), hash3(1, 2, 4, 3));
        let mean: f64 = (0..10_000).map(|i| unit(hash3(9, 0, i, 0))).sum::<f64>() / 10_000.0;
        assert!((mean - 0.5).abs() < 0.02, "{mean}");
        let g: Vec<f64> = (0..10_000).map(|i| gaussish(hash3(9, 1, i, 0))).collect();
        let m = g.iter().sum::<f64>() / g.len() as f64;
        let var = g.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / g.len() as f64;
        assert!(m.abs() < 0.05 && (var - 1.0).abs() < 0.1, "{m} {var}");
    }

    #[test]
    fn fast_floor_and_round_match_the_library() {
        let mut values = vec![
            0.0, -0.0, 0.5, -0.5, 1.5, 2.5, 254.5, 255.0, 255.5, 1e9, -1e9,
        ];
        values.extend((0..20_000).map(|i| (unit(hash3(5, 0, i, 0)) - 0.3) * 400.0));
        values.extend([f64::NAN, 0.499_999_999_999_999_94, 4_503_599_627_370_497.0]);
        for &v in &values {
            assert_eq!(floor_i64(v), v.floor() as i64, "{v}");
            let f = v as f32;
            for g in [f, f32::from_bits(f.to_bits().wrapping_add(1)), 0.499_999_97] {
                assert_eq!(round_u8(g), g.round().clamp(0.0, 255.0) as u8, "{g}");
            }
        }
    }

    #[test]
    fn value_noise_is_continuous_and_bounded() {
        for i in 0..1000 {
            let x = i as f64 * 0.37;
            let a = value_noise(3, 0, x, 5.0, 10.0);
            let b = value_noise(3, 0, x + 0.01, 5.0, 10.0);
            assert!((0.0..=1.0).contains(&a));
            assert!((a - b).abs() < 0.01);
        }
    }
}
