//! The paper's augmentation: random rotation and flips. Rotations are by multiples of 90
//! degrees (lossless, no invented corners; histology has no preferred orientation), flips
//! horizontal and vertical, each with probability 1/2.

use image::RgbImage;
use image::imageops::{flip_horizontal, flip_vertical, rotate90, rotate180, rotate270};
use rand::Rng;

/// A random dihedral transform of `img` (one of the 8 symmetries of the square).
pub fn random_dihedral(img: &RgbImage, rng: &mut impl Rng) -> RgbImage {
    let rotated = match rng.random_range(0..4u8) {
        0 => img.clone(),
        1 => rotate90(img),
        2 => rotate180(img),
        _ => rotate270(img),
    };
    let flipped = if rng.random_bool(0.5) {
        flip_horizontal(&rotated)
    } else {
        rotated
    };
    if rng.random_bool(0.5) {
        flip_vertical(&flipped)
    } else {
        flipped
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn keeps_pixels_and_reaches_several_orientations() {
        let mut img = RgbImage::new(3, 3);
        img.put_pixel(0, 0, image::Rgb([255, 0, 0]));
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let mut corners = std::collections::HashSet::new();
        for _ in 0..32 {
            let out = random_dihedral(&img, &mut rng);
            assert_eq!(out.dimensions(), (3, 3));
            let red: Vec<_> = out
                .enumerate_pixels()
                .filter(|p| p.2[0] == 255)
                .map(|p| (p.0, p.1))
                .collect();
            assert_eq!(red.len(), 1);
            corners.insert(red[0]);
        }
        assert_eq!(corners.len(), 4, "the red pixel visits all four corners");
    }
}
