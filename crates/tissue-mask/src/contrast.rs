//! Tissue contrast against the slide's glass: the optical density of each pixel relative to the
//! glass colour, summed over R, G and B, each channel's part clipped at 0.
//!
//! `contrast = Σ_c max(0, log10(glass_c / pixel_c))`. Glass reads 0 whatever its tint or
//! brightness (the glass is the reference, not white); hematoxylin and DAB both absorb, so
//! tissue of either stain reads above it; a pixel coloured unlike the glass reads the
//! absorption of the channels where it is darker, so colour counts as well as darkness.
//! The plane is quantised to 8 bits ([`CONTRAST_MAX_OD`] at 255) so that Otsu's exact
//! histogram method applies.

use image::RgbImage;
use rayon::prelude::*;

/// Summed optical density at the top bin (255) of the quantised contrast plane; darker
/// pixels saturate there. 1.0 keeps a step of 0.004 OD, fine enough for pale tissue
/// (0.05-0.2 above glass), and leaves dark tissue in the top bins.
pub const CONTRAST_MAX_OD: f64 = 1.0;

/// Bins per unit of summed optical density.
const BINS_PER_OD: f64 = 255.0 / CONTRAST_MAX_OD;

/// Contrast in summed optical density -> its bin (rounded, saturating at 255).
pub fn od_to_bin(od: f64) -> u8 {
    (od * BINS_PER_OD).round().clamp(0.0, 255.0) as u8
}

/// A bin -> its contrast in summed optical density.
pub fn bin_to_od(bin: u8) -> f64 {
    f64::from(bin) / BINS_PER_OD
}

/// The quantised contrast plane of an image (row-major) and its histogram.
#[derive(Debug, Clone)]
pub struct ContrastPlane {
    /// Contrast bin per pixel ([`bin_to_od`] gives the optical density).
    pub bins: Vec<u8>,
    /// Histogram of `bins`.
    pub histogram: [u64; 256],
}

impl ContrastPlane {
    /// The contrast of every pixel of `image` against the reference colour `glass` (8-bit
    /// RGB, each channel at least 1).
    pub fn new(image: &RgbImage, glass: [f64; 3]) -> Self {
        // Per channel, the bin contribution of each 8-bit value: a table, not a log per pixel.
        let tables: [[f64; 256]; 3] = std::array::from_fn(|c| {
            let reference = glass[c].max(1.0);
            std::array::from_fn(|v| (reference / (v as f64).max(1.0)).log10().max(0.0))
        });
        let bins: Vec<u8> = image
            .as_raw()
            .par_chunks_exact(3)
            .map(|px| {
                od_to_bin(
                    tables[0][usize::from(px[0])]
                        + tables[1][usize::from(px[1])]
                        + tables[2][usize::from(px[2])],
                )
            })
            .collect();
        let histogram = crate::otsu::histogram(&bins);
        Self { bins, histogram }
    }
}

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;

    #[test]
    fn glass_reads_zero_and_tissue_reads_its_density() {
        let img = RgbImage::from_fn(3, 1, |x, _| match x {
            0 => Rgb([234, 233, 241]),
            1 => Rgb([117, 233, 241]),
            _ => Rgb([250, 250, 250]),
        });
        let plane = ContrastPlane::new(&img, [234.0, 233.0, 241.0]);
        assert_eq!(plane.bins[0], 0);
        // Half the red light: log10(2) = 0.301 OD.
        assert_eq!(plane.bins[1], od_to_bin(2f64.log10()));
        // Brighter than the glass: no absorption.
        assert_eq!(plane.bins[2], 0);
        assert_eq!(plane.histogram[0], 2);
        assert!((bin_to_od(od_to_bin(0.3)) - 0.3).abs() < 0.5 / 255.0);
        assert_eq!(od_to_bin(7.0), 255);
    }
}
