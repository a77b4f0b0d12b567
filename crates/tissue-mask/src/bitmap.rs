//! [`Bitmap`]: a binary image packed 64 pixels to a word, row by row.
//!
//! Bit `j` of word `i` of a row is pixel `x = 64 i + j`. Bits past the width (the padding of
//! the last word of a row) are always zero, so whole-word operations stay correct.

use image::GrayImage;

/// A packed binary image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    stride: usize,
    words: Vec<u64>,
}

impl Bitmap {
    /// An all-false bitmap.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = (width as usize).div_ceil(64);
        Self {
            width,
            height,
            stride,
            words: vec![0; stride * height as usize],
        }
    }

    /// A bitmap whose pixel (x, y) is `f(x, y)`.
    pub fn from_fn(width: u32, height: u32, mut f: impl FnMut(u32, u32) -> bool) -> Self {
        let mut bitmap = Self::new(width, height);
        for y in 0..height {
            for x in 0..width {
                if f(x, y) {
                    bitmap.set(x, y, true);
                }
            }
        }
        bitmap
    }

    /// A bitmap of the non-zero pixels of a grey image.
    pub fn from_gray(image: &GrayImage) -> Self {
        let (width, height) = image.dimensions();
        let mut bitmap = Self::new(width, height);
        for (y, row) in image
            .as_raw()
            .chunks_exact(width.max(1) as usize)
            .enumerate()
        {
            bitmap.fill_row_from(y, row.iter().map(|&v| v != 0));
        }
        bitmap
    }

    /// Packs row `y` from one boolean per pixel (at most `width` are read).
    pub(crate) fn fill_row_from(&mut self, y: usize, pixels: impl Iterator<Item = bool>) {
        let row = self.row_mut(y);
        row.fill(0);
        for (x, on) in pixels.enumerate() {
            if on && let Some(w) = row.get_mut(x / 64) {
                *w |= 1 << (x % 64);
            }
        }
        self.clear_padding_row(y);
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// Words per row.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// The packed words of row `y`.
    pub fn row(&self, y: usize) -> &[u64] {
        &self.words[y * self.stride..(y + 1) * self.stride]
    }

    /// The packed words of row `y`, mutable (keep the padding bits zero).
    pub fn row_mut(&mut self, y: usize) -> &mut [u64] {
        &mut self.words[y * self.stride..(y + 1) * self.stride]
    }

    /// All words, row-major.
    pub fn words(&self) -> &[u64] {
        &self.words
    }

    /// All words, mutable (keep the padding bits zero).
    pub fn words_mut(&mut self) -> &mut [u64] {
        &mut self.words
    }

    /// Pixel (x, y); false outside the bitmap.
    pub fn get(&self, x: u32, y: u32) -> bool {
        x < self.width
            && y < self.height
            && self.words[y as usize * self.stride + x as usize / 64] >> (x % 64) & 1 == 1
    }

    /// Sets pixel (x, y); ignored outside the bitmap.
    pub fn set(&mut self, x: u32, y: u32, on: bool) {
        if x >= self.width || y >= self.height {
            return;
        }
        let word = &mut self.words[y as usize * self.stride + x as usize / 64];
        let bit = 1u64 << (x % 64);
        if on {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }

    /// Sets pixels `x0..x1` of row `y` to `on` (clipped to the width).
    pub fn set_span(&mut self, y: u32, x0: u32, x1: u32, on: bool) {
        let x1 = x1.min(self.width);
        if y >= self.height || x0 >= x1 {
            return;
        }
        let stride = self.stride;
        let row = &mut self.words[y as usize * stride..(y as usize + 1) * stride];
        let (first, last) = (x0 as usize / 64, (x1 as usize - 1) / 64);
        for (i, word) in row.iter_mut().enumerate().take(last + 1).skip(first) {
            let lo = if i == first { x0 as usize % 64 } else { 0 };
            let hi = if i == last {
                (x1 as usize - 1) % 64 + 1
            } else {
                64
            };
            let mask = if hi - lo == 64 {
                u64::MAX
            } else {
                ((1u64 << (hi - lo)) - 1) << lo
            };
            if on {
                *word |= mask;
            } else {
                *word &= !mask;
            }
        }
    }

    /// Number of true pixels.
    pub fn count_ones(&self) -> u64 {
        self.words.iter().map(|w| u64::from(w.count_ones())).sum()
    }

    /// Whether no pixel is true.
    pub fn is_empty(&self) -> bool {
        self.words.iter().all(|&w| w == 0)
    }

    /// Mask of the valid bits of the last word of a row.
    pub(crate) fn last_word_mask(&self) -> u64 {
        match self.width % 64 {
            0 => u64::MAX,
            r => (1u64 << r) - 1,
        }
    }

    fn clear_padding_row(&mut self, y: usize) {
        let mask = self.last_word_mask();
        if let Some(last) = self.row_mut(y).last_mut() {
            *last &= mask;
        }
    }

    /// Zeroes the padding bits of every row (after whole-word operations that may set them).
    pub(crate) fn clear_padding(&mut self) {
        if self.width.is_multiple_of(64) || self.stride == 0 {
            return;
        }
        let mask = self.last_word_mask();
        for row in self.words.chunks_exact_mut(self.stride) {
            if let Some(last) = row.last_mut() {
                *last &= mask;
            }
        }
    }

    /// The complement (within the width; padding stays zero).
    pub fn not(&self) -> Self {
        let mut out = self.clone();
        out.words.iter_mut().for_each(|w| *w = !*w);
        out.clear_padding();
        out
    }

    /// Pixel-wise AND with a bitmap of the same size.
    pub fn and(&self, other: &Self) -> Self {
        let mut out = self.clone();
        out.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a &= b);
        out
    }

    /// Pixel-wise OR with a bitmap of the same size.
    pub fn or(&self, other: &Self) -> Self {
        let mut out = self.clone();
        out.words
            .iter_mut()
            .zip(&other.words)
            .for_each(|(a, b)| *a |= b);
        out
    }

    /// Number of pixels true in both bitmaps (same size).
    pub fn count_and(&self, other: &Self) -> u64 {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| u64::from((a & b).count_ones()))
            .sum()
    }

    /// Number of pixels true in either bitmap (same size).
    pub fn count_or(&self, other: &Self) -> u64 {
        self.words
            .iter()
            .zip(&other.words)
            .map(|(a, b)| u64::from((a | b).count_ones()))
            .sum()
    }

    /// Intersection over union with a bitmap of the same size (1 when both are empty).
    pub fn iou(&self, other: &Self) -> f64 {
        let union = self.count_or(other);
        if union == 0 {
            1.0
        } else {
            self.count_and(other) as f64 / union as f64
        }
    }

    /// The bitmap as a grey image (255 = true).
    pub fn to_gray(&self) -> GrayImage {
        GrayImage::from_fn(self.width, self.height, |x, y| {
            image::Luma([if self.get(x, y) { 255 } else { 0 }])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_and_spans() {
        let mut b = Bitmap::new(130, 3);
        b.set_span(1, 60, 129, true);
        assert_eq!(b.count_ones(), 69);
        assert!(!b.get(59, 1) && b.get(60, 1) && b.get(128, 1) && !b.get(129, 1));
        b.set(129, 2, true);
        assert!(b.get(129, 2));
        b.set_span(1, 0, 500, false);
        assert_eq!(b.count_ones(), 1);
    }

    #[test]
    fn complement_keeps_padding_clear() {
        let b = Bitmap::new(70, 2).not();
        assert_eq!(b.count_ones(), 140);
        assert_eq!(b.not().count_ones(), 0);
    }

    #[test]
    fn gray_round_trip_and_iou() {
        let a = Bitmap::from_fn(20, 10, |x, _| x < 10);
        let back = Bitmap::from_gray(&a.to_gray());
        assert_eq!(a, back);
        let b = Bitmap::from_fn(20, 10, |x, _| x < 5);
        assert!((a.iou(&b) - 0.5).abs() < 1e-12);
    }
}
