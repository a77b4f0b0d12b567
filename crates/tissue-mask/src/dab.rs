//! A light DAB measure for the control heuristic: Ruifrok & Johnston colour deconvolution with
//! QuPath's default H-DAB vectors (H 0.65111 0.70119 0.29049, DAB 0.26917 0.56824 0.77759,
//! third = their normalised cross product) and optical density `-log10(max(v, 1) / 255)`.

/// DAB optical density above which a pixel counts as DAB-positive (a light brown).
pub const DAB_POSITIVE_OD: f32 = 0.15;

/// Hematoxylin stain vector (RGB optical density, unit length).
const HEMATOXYLIN: [f64; 3] = [0.651_11, 0.701_19, 0.290_49];
/// DAB stain vector.
const DAB: [f64; 3] = [0.269_17, 0.568_24, 0.777_59];

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let n = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    v.map(|c| c / n)
}

fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Converts RGB pixels to DAB optical density.
#[derive(Debug, Clone)]
pub struct DabMeter {
    /// `od[v]`: optical density of channel value `v`, times the DAB column of the inverse
    /// stain matrix, per channel.
    weighted_od: [[f32; 256]; 3],
}

impl Default for DabMeter {
    fn default() -> Self {
        Self::new()
    }
}

impl DabMeter {
    /// The meter for QuPath's default H-DAB stain vectors.
    pub fn new() -> Self {
        let h = normalise(HEMATOXYLIN);
        let d = normalise(DAB);
        let r = normalise(cross(h, d));
        // Rows of M are the stains; concentrations = od · M⁻¹, so the DAB amount is od times
        // column 1 of M⁻¹ = adj(M) / det(M), taken from the cofactors of row 1.
        let m = [h, d, r];
        let det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
        // Column 1 of the inverse: inv[i][1] = cofactor(1, i) / det.
        let inv_col = [
            -(m[0][1] * m[2][2] - m[0][2] * m[2][1]) / det,
            (m[0][0] * m[2][2] - m[0][2] * m[2][0]) / det,
            -(m[0][0] * m[2][1] - m[0][1] * m[2][0]) / det,
        ];
        let mut weighted_od = [[0f32; 256]; 3];
        for (channel, table) in weighted_od.iter_mut().enumerate() {
            for (v, slot) in table.iter_mut().enumerate() {
                let od = -((v.max(1) as f64) / 255.0).log10();
                *slot = (od * inv_col[channel]) as f32;
            }
        }
        Self { weighted_od }
    }

    /// DAB optical density of one pixel (about 0 for white or pure hematoxylin, 0.3-1 for a
    /// strong brown).
    #[inline]
    pub fn dab(&self, rgb: [u8; 3]) -> f32 {
        self.weighted_od[0][usize::from(rgb[0])]
            + self.weighted_od[1][usize::from(rgb[1])]
            + self.weighted_od[2][usize::from(rgb[2])]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RGB of `amount` optical density of a stain vector.
    fn stained(v: [f64; 3], amount: f64) -> [u8; 3] {
        let v = normalise(v);
        v.map(|c| (255.0 * 10f64.powf(-c * amount)).round() as u8)
    }

    #[test]
    fn separates_dab_from_hematoxylin() {
        let meter = DabMeter::new();
        assert!(meter.dab([255, 255, 255]).abs() < 1e-6);
        let brown = meter.dab(stained(DAB, 0.6));
        assert!((brown - 0.6).abs() < 0.02, "{brown}");
        let blue = meter.dab(stained(HEMATOXYLIN, 0.6));
        assert!(blue.abs() < 0.02, "{blue}");
    }
}
