//! Pixel format conversions into opaque RGB, with transparency composited over white.
//!
//! Areas a scanner did not image come back transparent; over black they would look like dark
//! tissue to every later stage, so they are made white (the colour of empty glass).

/// Converts OpenSlide's buffer (one native-endian `u32` per pixel, premultiplied ARGB) to
/// RGB bytes composited over white.
///
/// With premultiplied colour `c' = c * a / 255`, compositing over white is
/// `c' + 255 * (1 - a / 255) = c' + 255 - a`: exact in integers, and a fully transparent pixel
/// (`a = 0`, `c' = 0`) becomes 255.
#[cfg(feature = "openslide")]
pub(crate) fn premultiplied_argb_to_rgb_on_white(argb: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(argb.len() / 4 * 3);
    for px in argb.chunks_exact(4) {
        let v = u32::from_ne_bytes([px[0], px[1], px[2], px[3]]);
        let [a, r, g, b] = v.to_be_bytes();
        let background = 255 - a;
        rgb.extend_from_slice(&[
            r.saturating_add(background),
            g.saturating_add(background),
            b.saturating_add(background),
        ]);
    }
    rgb
}

/// Converts straight (non-premultiplied) RGBA bytes to RGB composited over white.
pub(crate) fn straight_rgba_to_rgb_on_white(rgba: &[u8]) -> Vec<u8> {
    let mut rgb = Vec::with_capacity(rgba.len() / 4 * 3);
    for px in rgba.chunks_exact(4) {
        let a = u16::from(px[3]);
        let over = |c: u8| ((u16::from(c) * a + 255 * (255 - a) + 127) / 255) as u8;
        rgb.extend_from_slice(&[over(px[0]), over(px[1]), over(px[2])]);
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "openslide")]
    fn argb_bytes(pixels: &[[u8; 4]]) -> Vec<u8> {
        pixels
            .iter()
            .flat_map(|&[a, r, g, b]| u32::from_be_bytes([a, r, g, b]).to_ne_bytes())
            .collect()
    }

    #[test]
    #[cfg(feature = "openslide")]
    fn transparent_becomes_white_opaque_is_unchanged() {
        let buf = argb_bytes(&[[0, 0, 0, 0], [255, 10, 20, 30], [255, 0, 0, 0]]);
        assert_eq!(
            premultiplied_argb_to_rgb_on_white(&buf),
            vec![255, 255, 255, 10, 20, 30, 0, 0, 0]
        );
    }

    #[test]
    #[cfg(feature = "openslide")]
    fn half_transparent_is_blended_with_white() {
        // Pure red at alpha 128, premultiplied: r' = 128. Over white: 128 + 127 = 255 for red,
        // 0 + 127 for green and blue.
        let buf = argb_bytes(&[[128, 128, 0, 0]]);
        assert_eq!(
            premultiplied_argb_to_rgb_on_white(&buf),
            vec![255, 127, 127]
        );
    }

    #[test]
    fn straight_alpha_over_white() {
        let rgba = [0, 0, 0, 0, 10, 20, 30, 255, 255, 0, 0, 128];
        assert_eq!(
            straight_rgba_to_rgb_on_white(&rgba),
            vec![255, 255, 255, 10, 20, 30, 255, 127, 127]
        );
    }
}
