//! Resampling of RGB rasters (SIMD, via `fast_image_resize`).

use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;

use crate::error::{Result, WsiError};

/// Resizes `image` to `width` x `height` with an antialiased bilinear (triangle) filter whose
/// support grows with the reduction, so downsampling averages every source pixel (like an area
/// filter) instead of skipping some. Returns the image itself when the size already matches.
pub fn resize_rgb(image: RgbImage, width: u32, height: u32) -> Result<RgbImage> {
    if image.dimensions() == (width, height) {
        return Ok(image);
    }
    if width == 0 || height == 0 || image.width() == 0 || image.height() == 0 {
        return Err(WsiError::InvalidParameter(format!(
            "cannot resize a {}x{} image to {width}x{height}",
            image.width(),
            image.height()
        )));
    }
    let mut out = RgbImage::new(width, height);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    Resizer::new()
        .resize(&image, &mut out, &options)
        .map_err(|e| WsiError::InvalidParameter(format!("resize failed: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halving_averages_blocks() {
        // Left half black, right half white: after a 2x reduction the halves stay pure.
        let img = RgbImage::from_fn(8, 4, |x, _| {
            if x < 4 {
                image::Rgb([0, 0, 0])
            } else {
                image::Rgb([255, 255, 255])
            }
        });
        let small = resize_rgb(img, 4, 2).unwrap();
        assert_eq!(small.dimensions(), (4, 2));
        assert_eq!(small.get_pixel(0, 0).0, [0, 0, 0]);
        assert_eq!(small.get_pixel(3, 1).0, [255, 255, 255]);
        // The two middle columns straddle the edge and blend.
        assert!(small.get_pixel(1, 0).0[0] < 128 && small.get_pixel(2, 0).0[0] > 128);
    }

    #[test]
    fn same_size_is_identity_and_zero_is_refused() {
        let img = RgbImage::from_pixel(3, 3, image::Rgb([1, 2, 3]));
        assert_eq!(resize_rgb(img.clone(), 3, 3).unwrap(), img);
        assert!(matches!(
            resize_rgb(img, 0, 3),
            Err(WsiError::InvalidParameter(_))
        ));
    }
}
