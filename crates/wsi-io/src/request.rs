//! Validation of a `read_region` request, shared by every backend so that all of them refuse
//! the same bad requests with the same errors.

use crate::error::{Result, WsiError};
use crate::slide::Slide;

/// Checks a `read_region(x, y, level, w, h)` request against the slide and its read budget.
///
/// Accepted: an existing level, a non-zero size within [`Slide::max_read_pixels`], and a
/// top-left corner inside level 0. The region may run past the right or bottom edge: that part
/// comes back white, as OpenSlide reads it transparent.
pub(crate) fn check_read<S: Slide + ?Sized>(
    slide: &S,
    x: i64,
    y: i64,
    level: usize,
    w: u32,
    h: u32,
) -> Result<()> {
    let out_of_bounds = |reason: String| WsiError::OutOfBounds {
        path: slide.path().to_path_buf(),
        x,
        y,
        level,
        w,
        h,
        reason,
    };
    if level >= slide.level_count() {
        return Err(out_of_bounds(format!(
            "the slide has {} level(s)",
            slide.level_count()
        )));
    }
    let pixels = u64::from(w) * u64::from(h);
    if pixels == 0 || pixels > slide.max_read_pixels() {
        let reason = if pixels == 0 {
            "zero-sized region".to_owned()
        } else {
            format!(
                "{pixels} pixels is above the read budget of {} (OpenOptions::max_read_pixels)",
                slide.max_read_pixels()
            )
        };
        return Err(WsiError::BadSize {
            path: slide.path().to_path_buf(),
            w: u64::from(w),
            h: u64::from(h),
            reason,
        });
    }
    let (width, height) = slide.dimensions();
    let inside = |v: i64, len: u64| u64::try_from(v).is_ok_and(|v| v < len);
    if !inside(x, width) || !inside(y, height) {
        return Err(out_of_bounds(format!(
            "the top-left corner is outside the {width}x{height} level-0 area"
        )));
    }
    Ok(())
}
