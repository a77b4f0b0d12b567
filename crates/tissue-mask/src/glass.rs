//! The slide's own glass: its colour, estimated from the brightest mode of the thumbnail.
//!
//! Scanners do not agree on white: real glass reads anywhere from a neutral 242 to a tinted
//! (234, 233, 241) or darker, and a fixed saturation or brightness cut either takes tinted
//! glass for tissue or pale tissue for glass. The glass is the brightest large population of a
//! thumbnail: the mode of the brightness histogram just below its top percentile (so that a
//! few saturated specks do not count). Its colour is the per-channel median of the pixels of
//! that mode. When that mode does not look like glass (too dark, or too coloured: a thumbnail
//! that is all tissue has no glass), the reference falls back to pure white.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::config::GlassConfig;
use crate::hsv::hue_saturation;

/// Brightness values within this distance of the mode count as the mode's pixels when their
/// colour is measured.
const MODE_HALF_WIDTH: i32 = 2;

/// The glass colour found on a thumbnail.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GlassEstimate {
    /// The reference colour tissue is measured against (8-bit RGB): the glass when
    /// [`found`](Self::found), else pure white.
    pub rgb: [f64; 3],
    /// Brightness (mean of R, G, B, 0..=255) of the brightest mode.
    pub mode_brightness: u8,
    /// Median colour of the brightest mode's pixels, whether or not it was taken for glass.
    pub mode_rgb: [u8; 3],
    /// Whether the brightest mode looked like glass (bright and nearly neutral); when not, the
    /// reference is white.
    pub found: bool,
}

/// Rounded mean of R, G and B.
fn brightness(px: &[u8]) -> u8 {
    let sum = u16::from(px[0]) + u16::from(px[1]) + u16::from(px[2]);
    // (sum + 1) / 3 <= 255.
    u8::try_from((sum + 1) / 3).unwrap_or(u8::MAX)
}

/// The value below which `fraction` of the histogram's count lies.
fn percentile(hist: &[u64; 256], fraction: f64) -> usize {
    let total: u64 = hist.iter().sum();
    let target = (fraction * total as f64).ceil() as u64;
    let mut seen = 0;
    for (v, &c) in hist.iter().enumerate() {
        seen += c;
        if seen >= target.max(1) {
            return v;
        }
    }
    255
}

/// The median value of a histogram.
fn median(hist: &[u64; 256]) -> u8 {
    u8::try_from(percentile(hist, 0.5)).unwrap_or(u8::MAX)
}

/// Estimates the glass of `thumbnail` (see the module docs). An empty image gives white.
pub fn estimate_glass(thumbnail: &RgbImage, config: &GlassConfig) -> GlassEstimate {
    let mut hist = [0u64; 256];
    for px in thumbnail.as_raw().chunks_exact(3) {
        hist[usize::from(brightness(px))] += 1;
    }
    let top = percentile(&hist, config.bright_percentile);
    let low = top.saturating_sub(usize::from(config.mode_window));
    // The most populated brightness in the window; ties go to the brighter value.
    let mode = (low..=top)
        .rev()
        .fold(top, |best, v| if hist[v] > hist[best] { v } else { best });
    let mut channels = [[0u64; 256]; 3];
    for px in thumbnail.as_raw().chunks_exact(3) {
        if (i32::from(brightness(px)) - mode as i32).abs() <= MODE_HALF_WIDTH {
            for (c, &v) in channels.iter_mut().zip(px) {
                c[usize::from(v)] += 1;
            }
        }
    }
    let mode_rgb = channels.map(|h| median(&h));
    let mode_brightness = u8::try_from(mode).unwrap_or(u8::MAX);
    let (_, saturation) = hue_saturation(mode_rgb[0], mode_rgb[1], mode_rgb[2]);
    let found = !thumbnail.is_empty()
        && f64::from(mode_brightness) >= config.min_brightness
        && saturation <= config.max_saturation;
    GlassEstimate {
        rgb: if found {
            mode_rgb.map(f64::from)
        } else {
            [255.0; 3]
        },
        mode_brightness,
        mode_rgb,
        found,
    }
}

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;

    fn glass_of(img: &RgbImage) -> GlassEstimate {
        estimate_glass(img, &GlassConfig::default())
    }

    #[test]
    fn tinted_glass_around_tissue_is_found() {
        // Bluish glass (a real scanner's cast) around a darker pale disc, with white specks.
        let img = RgbImage::from_fn(200, 200, |x, y| {
            if x < 3 && y < 3 {
                Rgb([255, 255, 255])
            } else if (f64::from(x) - 100.0).hypot(f64::from(y) - 100.0) < 70.0 {
                Rgb([210, 205, 220])
            } else {
                Rgb([234, 233, 241])
            }
        });
        let g = glass_of(&img);
        assert!(g.found, "{g:?}");
        assert_eq!(g.rgb, [234.0, 233.0, 241.0]);
        assert_eq!(g.mode_brightness, 236);
    }

    #[test]
    fn a_thumbnail_without_glass_falls_back_to_white() {
        // Saturated blue tissue everywhere: the brightest mode is tissue, not glass.
        let img = RgbImage::from_fn(100, 100, |x, _| Rgb([170, 175, 205 + (x % 5) as u8]));
        let g = glass_of(&img);
        assert!(!g.found, "{g:?}");
        assert_eq!(g.rgb, [255.0; 3]);
        // Dark grey: too dark for glass.
        let g = glass_of(&RgbImage::from_pixel(10, 10, Rgb([120, 120, 120])));
        assert!(!g.found);
        let g = glass_of(&RgbImage::new(0, 0));
        assert!(!g.found && g.rgb == [255.0; 3]);
    }
}
