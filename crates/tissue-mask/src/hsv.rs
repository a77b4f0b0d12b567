//! RGB -> HSV in OpenCV's 8-bit convention (`cv2.cvtColor(img, cv2.COLOR_RGB2HSV)` on `uint8`),
//! bit-exact: the same fixed-point tables and rounding.
//!
//! - **H** in `[0, 180)`: degrees / 2, so that it fits a byte (red 0, yellow 30, green 60,
//!   cyan 90, blue 120, magenta 150). Float tools (`skimage.color.rgb2hsv`, matplotlib) give
//!   H in `[0, 1)`: `h_float ≈ h_u8 / 180`.
//! - **S** in `[0, 255]`: `255 * (max - min) / max` (0 for black); float tools give `S / 255`.
//! - **V** = `max(R, G, B)`.
//!
//! Grey pixels (`max == min`) get H = 0 and S = 0. The 8-bit convention keeps the Otsu
//! histograms exact (one bin per value) and matches what the paper used (OpenCV).

use image::RgbImage;
use rayon::prelude::*;

/// Fixed-point shift of OpenCV's division tables.
const SHIFT: u32 = 12;
const HALF: i32 = 1 << (SHIFT - 1);

/// `round((255 << 12) / i)`: OpenCV's `sdiv_table`.
const SDIV: [i32; 256] = {
    let mut t = [0i32; 256];
    let mut i = 1;
    while i < 256 {
        t[i] = ((255u32 << SHIFT) as f64 / i as f64 + 0.5) as i32;
        i += 1;
    }
    t
};

/// `round((180 << 12) / (6 i))`: OpenCV's `hdiv_table180`.
const HDIV: [i32; 256] = {
    let mut t = [0i32; 256];
    let mut i = 1;
    while i < 256 {
        t[i] = ((180u32 << SHIFT) as f64 / (6.0 * i as f64) + 0.5) as i32;
        i += 1;
    }
    t
};

/// Number of hue values in the 8-bit convention (H in `0..HUE_RANGE`).
pub const HUE_RANGE: usize = 180;

/// One pixel RGB -> `[H, S, V]` (H in `[0, 180)`, S and V in `[0, 255]`), exactly as OpenCV.
#[inline]
pub fn rgb_to_hsv(r: u8, g: u8, b: u8) -> [u8; 3] {
    let (h, s) = hue_saturation(r, g, b);
    [h, s, r.max(g).max(b)]
}

/// Hue and saturation of one pixel (see [`rgb_to_hsv`]).
#[inline(always)]
pub fn hue_saturation(r: u8, g: u8, b: u8) -> (u8, u8) {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    let v = r.max(g).max(b);
    let diff = v - r.min(g).min(b);
    let s = (diff * SDIV[v as usize] + HALF) >> SHIFT;
    let h = if v == r {
        g - b
    } else if v == g {
        b - r + 2 * diff
    } else {
        r - g + 4 * diff
    };
    let mut h = (h * HDIV[diff as usize] + HALF) >> SHIFT;
    if h < 0 {
        h += HUE_RANGE as i32;
    }
    (h as u8, s as u8)
}

/// Hue and saturation planes of an image plus their histograms, computed in one pass.
#[derive(Debug, Clone)]
pub struct HueSaturation {
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Hue per pixel, row-major, in `[0, 180)`.
    pub hue: Vec<u8>,
    /// Saturation per pixel, row-major, in `[0, 255]`.
    pub saturation: Vec<u8>,
    hue_hist: [u64; 256],
    saturation_hist: [u64; 256],
}

/// Four interleaved histograms: consecutive equal values (most of a slide's glass) land in
/// different copies, so increments do not wait on each other.
struct Hist4([[u32; 256]; 4]);

impl Hist4 {
    fn total(&self) -> [u64; 256] {
        std::array::from_fn(|i| self.0.iter().map(|h| u64::from(h[i])).sum())
    }
}

fn add(mut a: [u64; 256], b: [u64; 256]) -> [u64; 256] {
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    a
}

impl HueSaturation {
    /// Converts `image` (bands of rows in parallel) and counts the histograms.
    pub fn from_rgb(image: &RgbImage) -> Self {
        let (width, height) = image.dimensions();
        let n = width as usize * height as usize;
        let mut hue = vec![0u8; n];
        let mut saturation = vec![0u8; n];
        let band_px = 65_536;
        let (hue_hist, saturation_hist) = hue
            .par_chunks_mut(band_px)
            .zip(saturation.par_chunks_mut(band_px))
            .zip(image.as_raw().par_chunks(band_px * 3))
            .map(|((h_out, s_out), rgb)| {
                let mut hh = Hist4([[0; 256]; 4]);
                let mut sh = Hist4([[0; 256]; 4]);
                for (k, ((h, s), px)) in h_out
                    .iter_mut()
                    .zip(s_out.iter_mut())
                    .zip(rgb.chunks_exact(3))
                    .enumerate()
                {
                    let (hv, sv) = hue_saturation(px[0], px[1], px[2]);
                    *h = hv;
                    *s = sv;
                    hh.0[k & 3][usize::from(hv)] += 1;
                    sh.0[k & 3][usize::from(sv)] += 1;
                }
                (hh.total(), sh.total())
            })
            .reduce(
                || ([0; 256], [0; 256]),
                |a, b| (add(a.0, b.0), add(a.1, b.1)),
            );
        Self {
            width,
            height,
            hue,
            saturation,
            hue_hist,
            saturation_hist,
        }
    }

    /// Histogram of the saturation plane (256 bins).
    pub fn saturation_histogram(&self) -> [u64; 256] {
        self.saturation_hist
    }

    /// Histogram of the hue plane (256 bins; bins 180.. stay empty).
    pub fn hue_histogram(&self) -> [u64; 256] {
        self.hue_hist
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primaries_and_greys_follow_opencv() {
        assert_eq!(rgb_to_hsv(255, 0, 0), [0, 255, 255]);
        assert_eq!(rgb_to_hsv(0, 255, 0), [60, 255, 255]);
        assert_eq!(rgb_to_hsv(0, 0, 255), [120, 255, 255]);
        assert_eq!(rgb_to_hsv(255, 0, 255), [150, 255, 255]);
        assert_eq!(rgb_to_hsv(128, 128, 128), [0, 0, 128]);
        assert_eq!(rgb_to_hsv(0, 0, 0), [0, 0, 0]);
    }

    #[test]
    fn hue_stays_below_180() {
        for r in (0..=255).step_by(5) {
            for g in (0..=255).step_by(5) {
                for b in (0..=255).step_by(5) {
                    assert!(
                        usize::from(rgb_to_hsv(r, g, b)[0]) < HUE_RANGE,
                        "{r} {g} {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn planes_and_histograms_agree() {
        let img = RgbImage::from_fn(37, 11, |x, y| {
            image::Rgb([(x * 7) as u8, (y * 23) as u8, 200])
        });
        let hs = HueSaturation::from_rgb(&img);
        let sat = hs.saturation_histogram();
        assert_eq!(sat.iter().sum::<u64>(), 37 * 11);
        for (i, px) in img.pixels().enumerate() {
            let [h, s, _] = rgb_to_hsv(px[0], px[1], px[2]);
            assert_eq!((hs.hue[i], hs.saturation[i]), (h, s));
        }
        let hue_all = hs.hue_histogram();
        assert_eq!(hue_all.iter().sum::<u64>(), 37 * 11);
    }
}
