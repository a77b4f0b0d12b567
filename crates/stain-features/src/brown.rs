//! Brown (DAB) pixels by an HSV range, as the paper does with OpenCV `cvtColor` + `inRange`,
//! and the paper's staining intensity: mean of `1 - grey / 255` over brown pixels.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StainError};

/// Inclusive HSV range in OpenCV 8-bit units: hue 0..=179 (degrees / 2), saturation and value
/// 0..=255.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BrownRange {
    /// Lowest hue (OpenCV units, degrees / 2).
    pub hue_min: u8,
    /// Highest hue.
    pub hue_max: u8,
    /// Lowest saturation.
    pub saturation_min: u8,
    /// Highest saturation.
    pub saturation_max: u8,
    /// Lowest value (brightness).
    pub value_min: u8,
    /// Highest value; excludes near-white glass.
    pub value_max: u8,
}

impl Default for BrownRange {
    /// Orange-brown hues (0-60 degrees), saturation from 20 so faint DAB counts, value 20-235:
    /// the paper names no numbers; these were chosen on `ihc-synth` tiles and `ihc.png`.
    fn default() -> Self {
        Self {
            hue_min: 0,
            hue_max: 30,
            saturation_min: 20,
            saturation_max: 255,
            value_min: 20,
            value_max: 235,
        }
    }
}

impl BrownRange {
    /// Checks the bounds are ordered and the hue in OpenCV's 0..=179.
    pub fn validate(&self) -> Result<()> {
        if self.hue_min > self.hue_max
            || self.hue_max > 179
            || self.saturation_min > self.saturation_max
            || self.value_min > self.value_max
        {
            return Err(StainError::invalid_config(
                "brown",
                format!("HSV range {self:?}: each min must be <= its max and hue_max <= 179"),
            ));
        }
        Ok(())
    }

    /// Whether an RGB pixel is brown.
    #[inline]
    pub fn contains(&self, rgb: [u8; 3]) -> bool {
        let [h, s, v] = hsv_opencv(rgb);
        (self.hue_min..=self.hue_max).contains(&h)
            && (self.saturation_min..=self.saturation_max).contains(&s)
            && (self.value_min..=self.value_max).contains(&v)
    }
}

/// OpenCV's saturation divisors: `round((255 << 12) / v)` (0 for v = 0).
const SDIV: [i32; 256] = {
    let mut t = [0; 256];
    let mut v = 1;
    while v < 256 {
        t[v] = (2 * (255 << 12) + v as i32) / (2 * v as i32);
        v += 1;
    }
    t
};

/// OpenCV's hue divisors: `round((180 << 12) / (6 diff))` (0 for diff = 0).
const HDIV: [i32; 256] = {
    let mut t = [0; 256];
    let mut d = 1;
    while d < 256 {
        t[d] = (2 * (180 << 12) + 6 * d as i32) / (12 * d as i32);
        d += 1;
    }
    t
};

/// OpenCV's 8-bit RGB -> HSV (`COLOR_RGB2HSV`) with its fixed-point tables (12-bit shift):
/// H in 0..=179, S and V in 0..=255; bit-identical to opencv-python 5.0.
#[inline]
pub fn hsv_opencv(rgb: [u8; 3]) -> [u8; 3] {
    let [r, g, b] = rgb.map(i32::from);
    let v = r.max(g).max(b);
    let diff = v - r.min(g).min(b);
    // the divisors are never at a tie, and a zero divisor (v = 0, diff = 0) gives 0
    let s = (diff * SDIV[v as usize] + (1 << 11)) >> 12;
    let num = if v == r {
        g - b
    } else if v == g {
        b - r + 2 * diff
    } else {
        r - g + 4 * diff
    };
    let h = (num * HDIV[diff as usize] + (1 << 11)) >> 12;
    let h = if h < 0 { h + 180 } else { h };
    [h as u8, s as u8, v as u8]
}

/// OpenCV's 8-bit RGB -> grey (`COLOR_RGB2GRAY`: 0.299 R + 0.587 G + 0.114 B, 15-bit fixed
/// point, rounded); bit-identical to opencv-python 5.0.
#[inline]
pub fn grey(rgb: [u8; 3]) -> u8 {
    let [r, g, b] = rgb.map(u32::from);
    ((r * 9798 + g * 19235 + b * 3735 + (1 << 14)) >> 15) as u8
}

/// Brown pixels of a patch and their statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct BrownMask {
    /// Row-major mask, true where the pixel is brown.
    pub mask: Vec<bool>,
    /// Number of brown pixels.
    pub pixels: u64,
    /// The paper's staining intensity: mean of `1 - grey / 255` over brown pixels (0 if none).
    pub intensity: f64,
}

/// Finds brown pixels of interleaved RGB bytes and the paper's staining intensity.
pub fn brown_mask(rgb: &[u8], range: &BrownRange) -> BrownMask {
    let mut pixels = 0u64;
    let mut depth_sum = 0u64;
    let mask = rgb
        .chunks_exact(3)
        .map(|p| {
            let px = [p[0], p[1], p[2]];
            let brown = range.contains(px);
            if brown {
                pixels += 1;
                depth_sum += u64::from(255 - grey(px));
            }
            brown
        })
        .collect();
    let intensity = if pixels == 0 {
        0.0
    } else {
        depth_sum as f64 / (255.0 * pixels as f64)
    };
    BrownMask {
        mask,
        pixels,
        intensity,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hsv_matches_opencv_values() {
        // reference values from cv2.cvtColor(..., COLOR_RGB2HSV) (opencv-python 5.0)
        assert_eq!(hsv_opencv([255, 0, 0]), [0, 255, 255]);
        assert_eq!(hsv_opencv([0, 255, 0]), [60, 255, 255]);
        assert_eq!(hsv_opencv([0, 0, 255]), [120, 255, 255]);
        assert_eq!(hsv_opencv([205, 78, 169]), [158, 158, 205]);
        assert_eq!(hsv_opencv([156, 78, 134]), [158, 127, 156]);
        assert_eq!(hsv_opencv([255, 0, 1]), [0, 255, 255]);
        assert_eq!(hsv_opencv([128, 128, 128]), [0, 0, 128]);
        assert_eq!(hsv_opencv([0, 0, 0]), [0, 0, 0]);
        assert_eq!(grey([255, 255, 255]), 255);
        assert_eq!(grey([0, 0, 0]), 0);
    }

    /// OpenCV's formulas with a division per pixel, as before the tables.
    fn hsv_divided(rgb: [u8; 3]) -> [u8; 3] {
        let [r, g, b] = rgb.map(i32::from);
        let v = r.max(g).max(b);
        let diff = v - r.min(g).min(b);
        let s = if v == 0 {
            0
        } else {
            (diff * ((2 * (255 << 12) + v) / (2 * v)) + (1 << 11)) >> 12
        };
        let h = if diff == 0 {
            0
        } else {
            let num = if v == r {
                g - b
            } else if v == g {
                b - r + 2 * diff
            } else {
                r - g + 4 * diff
            };
            let h = (num * ((2 * (180 << 12) + 6 * diff) / (12 * diff)) + (1 << 11)) >> 12;
            if h < 0 { h + 180 } else { h }
        };
        [h as u8, s as u8, v as u8]
    }

    #[test]
    fn tables_give_the_divided_values_on_every_colour_of_a_grid() {
        for r in (0..=255u8).step_by(3) {
            for g in (0..=255u8).step_by(5) {
                for b in 0..=255u8 {
                    assert_eq!(hsv_opencv([r, g, b]), hsv_divided([r, g, b]), "{r} {g} {b}");
                }
            }
        }
    }

    #[test]
    fn brown_is_found_and_blue_is_not() {
        let r = BrownRange::default();
        assert!(r.contains([150, 100, 60]));
        assert!(!r.contains([100, 100, 180]));
        assert!(!r.contains([245, 245, 245]));
        let m = brown_mask(&[150, 100, 60, 100, 100, 180], &r);
        assert_eq!(m.mask, vec![true, false]);
        assert_eq!(m.pixels, 1);
        let want = 1.0 - f64::from(grey([150, 100, 60])) / 255.0;
        assert!((m.intensity - want).abs() < 1e-12);
        assert_eq!(brown_mask(&[], &r).intensity, 0.0);
    }
}
