//! Fast colour deconvolution: a 256-entry table per channel holds that channel's contribution
//! to the three stains (`od(v) * inverse[channel]`), so a pixel costs three look-ups and six
//! additions; rows run in parallel with rayon.

use image::RgbImage;
use rayon::prelude::*;

use crate::error::Result;
use crate::matrix::{Stain, StainMatrix};

/// Rows per rayon task: small images stay on one thread.
const ROWS_PER_TASK: usize = 32;

/// Per-stain amounts of an image, one plane per stain, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct StainPlanes {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Which stain each plane holds (the matrix's row order).
    pub stains: [Stain; 3],
    /// The planes, `width * height` values each.
    pub planes: [Vec<f32>; 3],
}

impl StainPlanes {
    /// An all-zero set of planes for the given size and stains.
    pub fn zeros(width: u32, height: u32, stains: [Stain; 3]) -> Self {
        let n = width as usize * height as usize;
        Self {
            width,
            height,
            stains,
            planes: [vec![0.0; n], vec![0.0; n], vec![0.0; n]],
        }
    }

    /// The plane of `stain`, if present.
    pub fn plane(&self, stain: Stain) -> Option<&[f32]> {
        self.stains
            .iter()
            .position(|s| *s == stain)
            .map(|i| self.planes[i].as_slice())
    }

    /// The three amounts at pixel (x, y).
    pub fn pixel(&self, x: u32, y: u32) -> [f32; 3] {
        let i = y as usize * self.width as usize + x as usize;
        [self.planes[0][i], self.planes[1][i], self.planes[2][i]]
    }
}

/// Colour deconvolution with one [`StainMatrix`], in its units or scaled.
#[derive(Debug, Clone)]
pub struct Deconvolver {
    matrix: StainMatrix,
    /// `lut[channel][value] = od(value) * inverse[channel][..3]` (fourth lane padding).
    lut: Box<[[[f32; 4]; 256]; 3]>,
    clip: bool,
    scale: f64,
}

impl Deconvolver {
    /// Deconvolution in the matrix tool's own units (matches that tool).
    pub fn new(matrix: &StainMatrix) -> Result<Self> {
        Self::with_scale(matrix, 1.0)
    }

    /// Deconvolution in base-10 optical density (thresholds independent of the tool).
    pub fn od10(matrix: &StainMatrix) -> Result<Self> {
        Self::with_scale(matrix, matrix.od.od10_per_unit())
    }

    /// Deconvolution in base-10 optical density with each channel's `floor_od` (base 10)
    /// taken off first (values below it read 0): the part of a dimmer or tinted glass that
    /// the reference white does not have, so that it adds no stain.
    pub fn od10_above(matrix: &StainMatrix, floor_od: [f64; 3]) -> Result<Self> {
        let per_unit = matrix.od.od10_per_unit();
        Self::build(matrix, per_unit, floor_od.map(|od| od.max(0.0) / per_unit))
    }

    fn with_scale(matrix: &StainMatrix, scale: f64) -> Result<Self> {
        Self::build(matrix, scale, [0.0; 3])
    }

    /// The tables for `matrix` in units `scale`, each channel's OD taken above `floor_od`.
    fn build(matrix: &StainMatrix, scale: f64, floor_od: [f64; 3]) -> Result<Self> {
        let inv = matrix.inverse()?;
        let mut lut = Box::new([[[0f32; 4]; 256]; 3]);
        for (c, table) in lut.iter_mut().enumerate() {
            for (v, entry) in table.iter_mut().enumerate() {
                let raw = matrix.od.od(v as u8);
                // without a floor the tables are the convention's own (ImageJ's reads white
                // slightly below 0)
                let od = if floor_od[c] > 0.0 {
                    (raw - floor_od[c]).max(0.0)
                } else {
                    raw
                } * scale;
                for s in 0..3 {
                    entry[s] = (od * inv[c][s]) as f32;
                }
            }
        }
        Ok(Self {
            matrix: matrix.clone(),
            lut,
            clip: matrix.clip_negative,
            scale,
        })
    }

    /// The matrix in use.
    pub fn matrix(&self) -> &StainMatrix {
        &self.matrix
    }

    /// Factor from the matrix tool's units to this deconvolver's output units.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// Stain amounts of one pixel.
    #[inline]
    pub fn pixel(&self, rgb: [u8; 3]) -> [f32; 3] {
        let a = &self.lut[0][rgb[0] as usize];
        let b = &self.lut[1][rgb[1] as usize];
        let c = &self.lut[2][rgb[2] as usize];
        let mut s = [a[0] + b[0] + c[0], a[1] + b[1] + c[1], a[2] + b[2] + c[2]];
        if self.clip {
            s = s.map(|v| v.max(0.0));
        }
        s
    }

    /// Deconvolves an image into three planes.
    pub fn deconvolve(&self, image: &RgbImage) -> StainPlanes {
        let mut out = StainPlanes::zeros(image.width(), image.height(), self.matrix.stains);
        self.deconvolve_into(image, &mut out);
        out
    }

    /// Deconvolves into existing planes (resized as needed): no allocation in steady state.
    pub fn deconvolve_into(&self, image: &RgbImage, out: &mut StainPlanes) {
        let (w, h) = (image.width() as usize, image.height() as usize);
        out.width = image.width();
        out.height = image.height();
        out.stains = self.matrix.stains;
        for p in out.planes.iter_mut() {
            p.resize(w * h, 0.0);
        }
        if w == 0 || h == 0 {
            return;
        }
        let src = image.as_raw();
        let [p0, p1, p2] = &mut out.planes;
        let chunk = w * ROWS_PER_TASK;
        p0.par_chunks_mut(chunk)
            .zip(p1.par_chunks_mut(chunk))
            .zip(p2.par_chunks_mut(chunk))
            .zip(src.par_chunks(chunk * 3))
            .for_each(|(((a, b), c), rgb)| self.run(rgb, a, b, c));
    }

    /// The hot loop over a run of pixels.
    #[inline]
    fn run(&self, rgb: &[u8], a: &mut [f32], b: &mut [f32], c: &mut [f32]) {
        let px = rgb.chunks_exact(3);
        if self.clip {
            for (((p, a), b), c) in px.zip(a.iter_mut()).zip(b.iter_mut()).zip(c.iter_mut()) {
                let s = self.pixel_unclipped(p);
                *a = s[0].max(0.0);
                *b = s[1].max(0.0);
                *c = s[2].max(0.0);
            }
        } else {
            for (((p, a), b), c) in px.zip(a.iter_mut()).zip(b.iter_mut()).zip(c.iter_mut()) {
                let s = self.pixel_unclipped(p);
                *a = s[0];
                *b = s[1];
                *c = s[2];
            }
        }
    }

    #[inline(always)]
    fn pixel_unclipped(&self, p: &[u8]) -> [f32; 4] {
        let x = &self.lut[0][p[0] as usize];
        let y = &self.lut[1][p[1] as usize];
        let z = &self.lut[2][p[2] as usize];
        [
            x[0] + y[0] + z[0],
            x[1] + y[1] + z[1],
            x[2] + y[2] + z[2],
            0.0,
        ]
    }

    /// Recomposes an RGB image from planes this deconvolver produced (the round trip).
    pub fn recompose(&self, planes: &StainPlanes) -> RgbImage {
        let inv_scale = (1.0 / self.scale) as f32;
        let mut out = RgbImage::new(planes.width, planes.height);
        for (i, px) in out.pixels_mut().enumerate() {
            let s = [0, 1, 2].map(|k| planes.planes[k][i] * inv_scale);
            px.0 = self.matrix.recompose_pixel(s);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_image() -> RgbImage {
        RgbImage::from_fn(37, 23, |x, y| {
            image::Rgb([(x * 7 + y) as u8, (y * 11 + 3) as u8, ((x * y) % 256) as u8])
        })
    }

    #[test]
    fn od_above_the_glass_reads_the_glass_as_no_stain() {
        let m = StainMatrix::skimage_hed();
        let white = Deconvolver::od10(&m).unwrap();
        let glass_od = -(205.0f64 / 255.0).log10();
        let glass = Deconvolver::od10_above(&m, [glass_od; 3]).unwrap();
        // the dim glass: stain against white, none against itself
        let g = white.pixel([205, 205, 205]);
        assert!(g.iter().any(|&v| v > 0.01), "{g:?}");
        assert_eq!(glass.pixel([205, 205, 205]), [0.0; 3]);
        // brighter than the glass reads no stain either
        assert_eq!(glass.pixel([230, 240, 250]), [0.0; 3]);
        // a stained pixel on the dim glass reads what it reads on white glass, less the glass
        let on_dim = glass.pixel([120, 90, 60]);
        let on_white = white.pixel([120, 90, 60]);
        for s in 0..3 {
            assert!(on_dim[s] <= on_white[s] + 1e-6, "{on_dim:?} {on_white:?}");
        }
        let dab = |p: [f32; 3]| p[2];
        assert!(dab(on_dim) > 0.2, "{on_dim:?}");
    }

    /// scikit-image's formula in f64, straight from its source.
    fn skimage_pixel(rgb: [u8; 3]) -> [f64; 3] {
        let inv = StainMatrix::skimage_hed().inverse().unwrap();
        let od = rgb.map(|v| (f64::from(v) / 255.0).max(1e-6).ln() / 1e-6f64.ln());
        [0, 1, 2].map(|s| (0..3).map(|c| od[c] * inv[c][s]).sum::<f64>().max(0.0))
    }

    #[test]
    fn matches_skimage_formula_on_every_pixel() {
        let img = test_image();
        let d = Deconvolver::new(&StainMatrix::skimage_hed()).unwrap();
        let planes = d.deconvolve(&img);
        for (x, y, p) in img.enumerate_pixels() {
            let want = skimage_pixel(p.0);
            let got = planes.pixel(x, y);
            for s in 0..3 {
                assert!((f64::from(got[s]) - want[s]).abs() < 1e-6, "{x},{y} {s}");
            }
        }
    }

    #[test]
    fn round_trip_recomposes_the_input() {
        let img = test_image();
        for m in [StainMatrix::qupath_h_dab(), StainMatrix::imagej_h_dab()] {
            let d = Deconvolver::od10(&m).unwrap();
            let back = d.recompose(&d.deconvolve(&img));
            for (a, b) in img.pixels().zip(back.pixels()) {
                for c in 0..3 {
                    // value 0 is clamped to 1 by QuPath's convention
                    let want = if m.name == "qupath-h-dab" {
                        a[c].max(1)
                    } else {
                        a[c]
                    };
                    assert!(want.abs_diff(b[c]) <= 1, "{}: {a:?} -> {b:?}", m.name);
                }
            }
        }
    }

    #[test]
    fn black_white_and_empty_are_finite() {
        let d = Deconvolver::od10(&StainMatrix::skimage_hed()).unwrap();
        for v in [0u8, 255] {
            let img = RgbImage::from_pixel(3, 2, image::Rgb([v, v, v]));
            let p = d.deconvolve(&img);
            assert!(
                p.planes
                    .iter()
                    .flatten()
                    .all(|x| x.is_finite() && *x >= 0.0)
            );
        }
        let empty = d.deconvolve(&RgbImage::new(0, 0));
        assert!(empty.planes[0].is_empty());
        assert_eq!(d.deconvolve(&RgbImage::new(1, 1)).planes[2].len(), 1);
    }
}
