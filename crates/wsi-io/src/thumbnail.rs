//! [`Slide::thumbnail`](crate::Slide::thumbnail): best level, then resize, in bands that fit
//! the read budget.

use image::RgbImage;

use crate::error::{Result, WsiError};
use crate::geometry::rescale_to_pixels;
use crate::resize::resize_rgb;
use crate::slide::Slide;

/// Output size of a thumbnail at most `max_side` on its longer side, never upscaled.
fn thumbnail_size(width: u64, height: u64, max_side: u32) -> (u32, u32) {
    let longer = width.max(height).max(1) as f64;
    let scale = (f64::from(max_side) / longer).min(1.0);
    let side = |len: u64| ((len as f64 * scale).round() as u32).max(1);
    (side(width), side(height))
}

/// See [`Slide::thumbnail`].
pub(crate) fn thumbnail<S: Slide + ?Sized>(slide: &S, max_side: u32) -> Result<RgbImage> {
    let (width, height) = slide.dimensions();
    if max_side == 0 || width == 0 || height == 0 {
        return Err(WsiError::BadSize {
            path: slide.path().to_path_buf(),
            w: u64::from(max_side),
            h: u64::from(max_side),
            reason: format!(
                "a thumbnail needs max_side > 0 of a non-empty slide ({width}x{height})"
            ),
        });
    }
    let (out_w, out_h) = thumbnail_size(width, height, max_side);
    let downsample = width as f64 / f64::from(out_w);
    let level = slide.best_level_for_downsample(downsample);
    let (level_w, level_h) = slide.level_dimensions(level).unwrap_or((width, height));
    let level_ds = slide.level_downsample(level).unwrap_or(1.0);
    let level_w32 = u32::try_from(level_w).map_err(|_| too_large(slide, level_w, level_h))?;

    // Output rows per band: as many as fit the read budget (at least one).
    let level_rows_per_out_row = (level_h as f64 / f64::from(out_h)).ceil().max(1.0) as u64;
    let budget_rows = slide.max_read_pixels() / level_w.max(1);
    if budget_rows < level_rows_per_out_row {
        return Err(too_large(slide, level_w, level_h));
    }
    let out_rows_per_band = (budget_rows / level_rows_per_out_row).clamp(1, u64::from(out_h));

    let mut out = RgbImage::new(out_w, out_h);
    let mut out_y = 0u64;
    while out_y < u64::from(out_h) {
        let out_end = (out_y + out_rows_per_band).min(u64::from(out_h));
        // Level rows [top, bottom) that map onto output rows [out_y, out_end).
        let top = rescale_to_pixels(out_y, level_h as f64, f64::from(out_h));
        let bottom = rescale_to_pixels(out_end, level_h as f64, f64::from(out_h)).min(level_h);
        let rows = u32::try_from(bottom.saturating_sub(top).max(1))
            .map_err(|_| too_large(slide, level_w, level_h))?;
        let y0 = i64::try_from(rescale_to_pixels(top, level_ds, 1.0))
            .map_err(|_| too_large(slide, level_w, level_h))?;
        let band = slide.read_region(0, y0, level, level_w32, rows)?;
        let band = resize_rgb(band, out_w, (out_end - out_y) as u32)?;
        image::imageops::replace(&mut out, &band, 0, out_y as i64);
        out_y = out_end;
    }
    Ok(out)
}

fn too_large<S: Slide + ?Sized>(slide: &S, w: u64, h: u64) -> WsiError {
    WsiError::BadSize {
        path: slide.path().to_path_buf(),
        w,
        h,
        reason: format!(
            "no level is small enough for a thumbnail within the read budget of {} pixels",
            slide.max_read_pixels()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_keeps_aspect_and_never_upscales() {
        assert_eq!(thumbnail_size(2220, 2967, 512), (383, 512));
        assert_eq!(thumbnail_size(300, 250, 1000), (300, 250));
        assert_eq!(thumbnail_size(10_000, 10, 100), (100, 1));
    }
}
