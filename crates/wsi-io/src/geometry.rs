//! Level-0 rectangles and the one conversion between pyramid levels.
//!
//! Public coordinates are level-0 pixels everywhere; a raster that lives at another level
//! carries its downsample. [`rescale`] is the only place that converts a length from one level
//! to another, so rounding is decided once.

/// A rectangle in level-0 pixel coordinates: top-left corner (`x`, `y`), size `w` x `h`.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct Rect {
    /// Left edge (level-0 pixels).
    pub x: u64,
    /// Top edge (level-0 pixels).
    pub y: u64,
    /// Width (level-0 pixels).
    pub w: u64,
    /// Height (level-0 pixels).
    pub h: u64,
}

impl Rect {
    /// A rectangle from its top-left corner and size, all in level-0 pixels.
    pub const fn new(x: u64, y: u64, w: u64, h: u64) -> Self {
        Self { x, y, w, h }
    }

    /// The rectangle covering a whole `width` x `height` level 0.
    pub const fn full(width: u64, height: u64) -> Self {
        Self::new(0, 0, width, height)
    }

    /// One past the right edge.
    pub const fn right(&self) -> u64 {
        self.x.saturating_add(self.w)
    }

    /// One past the bottom edge.
    pub const fn bottom(&self) -> u64 {
        self.y.saturating_add(self.h)
    }

    /// Area in level-0 pixels.
    pub const fn area(&self) -> u64 {
        self.w.saturating_mul(self.h)
    }

    /// Whether the rectangle covers no pixel.
    pub const fn is_empty(&self) -> bool {
        self.w == 0 || self.h == 0
    }

    /// The overlap of two rectangles, or `None` when they do not overlap.
    pub fn intersection(&self, other: &Rect) -> Option<Rect> {
        let x = self.x.max(other.x);
        let y = self.y.max(other.y);
        let right = self.right().min(other.right());
        let bottom = self.bottom().min(other.bottom());
        (right > x && bottom > y).then(|| Rect::new(x, y, right - x, bottom - y))
    }

    /// Size of this rectangle in the pixels of a level with `downsample` (rounded to the
    /// nearest pixel, at least 1 for a non-empty rectangle).
    pub fn size_at(&self, downsample: f64) -> (u64, u64) {
        let side = |len: u64| {
            if len == 0 {
                0
            } else {
                rescale_to_pixels(len, 1.0, downsample).max(1)
            }
        };
        (side(self.w), side(self.h))
    }
}

/// Converts a length (or coordinate) measured in the pixels of a level with downsample `from`
/// to the pixels of a level with downsample `to` (downsamples relative to level 0).
///
/// `rescale(512.0, 1.0, 2.0) == 256.0`: 512 level-0 pixels span 256 pixels of a level
/// downsampled 2x. This is the single conversion between levels in the crate.
pub fn rescale(length: f64, from: f64, to: f64) -> f64 {
    length * from / to
}

/// [`rescale`] of an integer length, rounded to the nearest whole pixel.
pub fn rescale_to_pixels(length: u64, from: f64, to: f64) -> u64 {
    let scaled = rescale(length as f64, from, to).round();
    if scaled.is_finite() && scaled > 0.0 {
        scaled as u64
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescale_goes_both_ways() {
        assert_eq!(rescale(512.0, 1.0, 2.0), 256.0);
        assert_eq!(rescale(256.0, 2.0, 1.0), 512.0);
        assert_eq!(rescale(100.0, 4.0, 16.0), 25.0);
        assert_eq!(rescale_to_pixels(506, 1.0, 1.9786), 256);
        assert_eq!(rescale_to_pixels(0, 1.0, 4.0), 0);
    }

    #[test]
    fn size_at_level_rounds_and_keeps_one_pixel() {
        let r = Rect::new(10, 20, 300, 250);
        assert_eq!(r.size_at(1.0), (300, 250));
        assert_eq!(r.size_at(2.0), (150, 125));
        assert_eq!(r.size_at(4.016129), (75, 62));
        assert_eq!(Rect::new(0, 0, 1, 1).size_at(16.0), (1, 1));
        assert_eq!(Rect::new(0, 0, 0, 5).size_at(2.0), (0, 3));
    }

    #[test]
    fn intersection_and_edges() {
        let a = Rect::new(0, 0, 100, 100);
        let b = Rect::new(50, 60, 100, 100);
        assert_eq!(a.intersection(&b), Some(Rect::new(50, 60, 50, 40)));
        assert_eq!(a.intersection(&Rect::new(100, 0, 5, 5)), None);
        assert_eq!(b.right(), 150);
        assert_eq!(b.bottom(), 160);
        assert_eq!(a.area(), 10_000);
        assert!(Rect::new(1, 1, 0, 4).is_empty());
        assert_eq!(Rect::full(7, 8), Rect::new(0, 0, 7, 8));
    }
}
