//! Stain matrices: the three stain vectors (optical density per unit stain in R, G, B), the
//! optical-density convention of the tool they come from, and their inverse.

use serde::{Deserialize, Serialize};

use crate::error::{MatrixProblem, Result, StainError};

/// A stain (or the residual channel that completes a two-stain basis).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stain {
    /// Hematoxylin: the blue nuclear counterstain.
    Hematoxylin,
    /// Eosin (scikit-image's HED basis carries it; IHC slides have none).
    Eosin,
    /// Diaminobenzidine: the brown HER2 chromogen.
    Dab,
    /// The third vector a two-stain basis needs (orthogonal complement).
    Residual,
}

/// How a tool turns an 8-bit channel value into optical density.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OdConvention {
    /// scikit-image: `ln(max(v/255, 1e-6)) / ln(1e-6)` (OD10 / 6).
    Skimage,
    /// QuPath: `-log10(max(v, 1) / 255)` (plain OD10).
    Log10,
    /// ImageJ Colour Deconvolution: `-ln((v + 1) / 255) / ln(255)` (OD10 / log10(255)).
    ImageJ,
}

impl OdConvention {
    /// Optical density of one 8-bit channel value in this convention's units.
    pub fn od(self, value: u8) -> f64 {
        let v = f64::from(value);
        match self {
            OdConvention::Skimage => (v / 255.0).max(1e-6).ln() / 1e-6f64.ln(),
            OdConvention::Log10 => -(v.max(1.0) / 255.0).log10(),
            OdConvention::ImageJ => -((v + 1.0) / 255.0).ln() / 255f64.ln(),
        }
    }

    /// Base-10 optical density per unit of this convention (to compare tools and thresholds).
    pub fn od10_per_unit(self) -> f64 {
        match self {
            OdConvention::Skimage => 6.0,
            OdConvention::Log10 => 1.0,
            OdConvention::ImageJ => 255f64.log10(),
        }
    }

    /// Transmitted 8-bit intensity (unrounded, clamped to 0..=255) of optical density `od`.
    pub fn transmit(self, od: f64) -> f64 {
        let v = match self {
            OdConvention::Skimage => 255.0 * (od * 1e-6f64.ln()).exp(),
            OdConvention::Log10 => 255.0 * 10f64.powf(-od),
            OdConvention::ImageJ => 255.0 * (-od * 255f64.ln()).exp() - 1.0,
        };
        v.clamp(0.0, 255.0)
    }
}

/// Three stain vectors (rows; optical density per unit stain in R, G, B) with the optical
/// density convention and clipping of the tool they reproduce.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StainMatrix {
    /// Human-readable name ("skimage-hed", "qupath-h-dab", ...), shown in reports.
    pub name: String,
    /// Which stain each row is.
    pub stains: [Stain; 3],
    /// Stain vectors as rows (R, G, B optical density per unit stain).
    pub vectors: [[f64; 3]; 3],
    /// How 8-bit values become optical density.
    pub od: OdConvention,
    /// Clip negative stain amounts to 0 (scikit-image does, QuPath and ImageJ do not).
    pub clip_negative: bool,
}

impl Default for StainMatrix {
    /// scikit-image's `rgb2hed` (the Ruifrok & Johnston vectors the paper cites).
    fn default() -> Self {
        Self::skimage_hed()
    }
}

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let n = v.iter().map(|c| c * c).sum::<f64>().sqrt();
    v.map(|c| c / n)
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

impl StainMatrix {
    /// scikit-image 0.26 `rgb2hed`: rows H (0.65, 0.70, 0.29), E (0.07, 0.99, 0.11),
    /// DAB (0.27, 0.57, 0.78), not normalised; its OD convention; negatives clipped.
    pub fn skimage_hed() -> Self {
        Self {
            name: "skimage-hed".into(),
            stains: [Stain::Hematoxylin, Stain::Eosin, Stain::Dab],
            vectors: [[0.65, 0.70, 0.29], [0.07, 0.99, 0.11], [0.27, 0.57, 0.78]],
            od: OdConvention::Skimage,
            clip_negative: true,
        }
    }

    /// QuPath's H-DAB defaults: H (0.65111, 0.70119, 0.29049), DAB (0.26917, 0.56824,
    /// 0.77759), residual = normalised cross product; OD10 of `max(v, 1) / 255`.
    pub fn qupath_h_dab() -> Self {
        let mut m = Self::from_h_dab([0.65111, 0.70119, 0.29049], [0.26917, 0.56824, 0.77759]);
        m.name = "qupath-h-dab".into();
        m
    }

    /// ImageJ Colour Deconvolution "H DAB" (Landini): H (0.650, 0.704, 0.286), DAB (0.268,
    /// 0.570, 0.776), third vector by Landini's square-root rule, zeros replaced by 0.001.
    pub fn imagej_h_dab() -> Self {
        let h = normalise([0.650, 0.704, 0.286]);
        let d = normalise([0.268, 0.570, 0.776]);
        let third = normalise([0, 1, 2].map(|c| {
            let s = h[c] * h[c] + d[c] * d[c];
            if s > 1.0 { 0.0 } else { (1.0 - s).sqrt() }
        }));
        let fix = |v: [f64; 3]| v.map(|c| if c == 0.0 { 0.001 } else { c });
        Self {
            name: "imagej-h-dab".into(),
            stains: [Stain::Hematoxylin, Stain::Dab, Stain::Residual],
            vectors: [fix(h), fix(d), fix(third)],
            od: OdConvention::ImageJ,
            clip_negative: false,
        }
    }

    /// A user's H and DAB vectors (normalised), residual = normalised cross product, plain
    /// OD10 convention as QuPath; negatives not clipped.
    pub fn from_h_dab(hematoxylin: [f64; 3], dab: [f64; 3]) -> Self {
        let h = normalise(hematoxylin);
        let d = normalise(dab);
        Self {
            name: "custom-h-dab".into(),
            stains: [Stain::Hematoxylin, Stain::Dab, Stain::Residual],
            vectors: [h, d, normalise(cross(h, d))],
            od: OdConvention::Log10,
            clip_negative: false,
        }
    }

    /// The error for this matrix with `problem`.
    fn invalid(&self, problem: MatrixProblem) -> StainError {
        StainError::InvalidMatrix {
            name: self.name.clone(),
            problem,
        }
    }

    /// Row of `stain` in this matrix, if it has one.
    pub fn index_of(&self, stain: Stain) -> Option<usize> {
        self.stains.iter().position(|s| *s == stain)
    }

    /// Like [`StainMatrix::index_of`], with an error naming the matrix when absent.
    pub fn require(&self, stain: Stain) -> Result<usize> {
        self.index_of(stain)
            .ok_or_else(|| self.invalid(MatrixProblem::MissingStain(stain)))
    }

    /// The deconvolution matrix: `stains = od_row @ inverse` (rows of `vectors` inverted).
    pub fn inverse(&self) -> Result<[[f64; 3]; 3]> {
        let m = &self.vectors;
        if m.iter().flatten().any(|c| !c.is_finite()) {
            return Err(self.invalid(MatrixProblem::NonFinite));
        }
        let cof = |r0: usize, r1: usize, c0: usize, c1: usize| {
            m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0]
        };
        let det = m[0][0] * cof(1, 2, 1, 2) - m[0][1] * cof(1, 2, 0, 2) + m[0][2] * cof(1, 2, 0, 1);
        let scale = m
            .iter()
            .map(|r| r.iter().map(|c| c * c).sum::<f64>().sqrt())
            .product::<f64>();
        if det.is_nan() || det.abs() <= 1e-9 * scale.max(f64::MIN_POSITIVE) {
            return Err(self.invalid(MatrixProblem::Singular { determinant: det }));
        }
        let adj = [
            [cof(1, 2, 1, 2), -cof(0, 2, 1, 2), cof(0, 1, 1, 2)],
            [-cof(1, 2, 0, 2), cof(0, 2, 0, 2), -cof(0, 1, 0, 2)],
            [cof(1, 2, 0, 1), -cof(0, 2, 0, 1), cof(0, 1, 0, 1)],
        ];
        Ok(adj.map(|row| row.map(|c| c / det)))
    }

    /// Recomposes one pixel from its stain amounts (this matrix's units): the inverse of
    /// deconvolution, `rgb = transmit(stains @ vectors)`, rounded to 8 bits.
    pub fn recompose_pixel(&self, amounts: [f32; 3]) -> [u8; 3] {
        [0, 1, 2].map(|c| {
            let od: f64 = (0..3)
                .map(|s| f64::from(amounts[s]) * self.vectors[s][c])
                .sum();
            self.od.transmit(od).round() as u8
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skimage_inverse_matches_hed_from_rgb() {
        // scikit-image 0.26 colorconv.hed_from_rgb
        let want = [
            [1.87798274, -1.00767869, -0.55611582],
            [-0.06590806, 1.13473037, -0.1355218],
            [-0.60190736, -0.48041419, 1.57358807],
        ];
        let inv = StainMatrix::skimage_hed().inverse().unwrap();
        for r in 0..3 {
            for c in 0..3 {
                assert!(
                    (inv[r][c] - want[r][c]).abs() < 1e-8,
                    "{r},{c}: {}",
                    inv[r][c]
                );
            }
        }
    }

    #[test]
    fn qupath_residual_is_the_unit_cross_product() {
        let m = StainMatrix::qupath_h_dab();
        let r = m.vectors[2];
        assert!(
            (r[0] - 0.6337).abs() < 1e-3 && (r[1] + 0.7131).abs() < 1e-3,
            "{r:?}"
        );
        assert!((r[2] - 0.3014).abs() < 1e-3);
        for v in m.vectors {
            assert!((v.iter().map(|c| c * c).sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn imagej_third_vector_follows_landini() {
        let m = StainMatrix::imagej_h_dab();
        let t = m.vectors[2];
        assert!(t.iter().all(|c| *c > 0.0));
        assert!((t.iter().map(|c| c * c).sum::<f64>() - 1.0).abs() < 1e-12);
        // R component: sqrt(1 - h_r^2 - d_r^2) before normalising, the largest of the three.
        assert!(t[0] > t[1] && t[0] > t[2], "{t:?}");
    }

    #[test]
    fn singular_matrix_is_an_error() {
        let mut m = StainMatrix::skimage_hed();
        m.vectors[2] = m.vectors[0];
        let err = m.inverse().unwrap_err().to_string();
        assert!(err.contains("singular"), "{err}");
        m.vectors[2] = [f64::NAN, 0.0, 1.0];
        assert!(m.inverse().is_err());
    }

    #[test]
    fn od_conventions_agree_in_od10() {
        for v in [1u8, 10, 128, 254] {
            let sk = OdConvention::Skimage.od(v) * OdConvention::Skimage.od10_per_unit();
            let q = OdConvention::Log10.od(v);
            assert!((sk - q).abs() < 1e-12, "{v}: {sk} {q}");
            for conv in [
                OdConvention::Skimage,
                OdConvention::Log10,
                OdConvention::ImageJ,
            ] {
                let back = conv.transmit(conv.od(v));
                assert!((back - f64::from(v)).abs() < 1e-9, "{conv:?} {v} -> {back}");
            }
        }
        assert_eq!(OdConvention::Skimage.od(0), 1.0);
    }
}
