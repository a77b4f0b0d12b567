//! Vesicular tumour nuclei, as real carcinoma nuclei look under hematoxylin: an irregular
//! outline, a pale centre inside a darker rim (chromatin along the nuclear membrane), granular
//! chromatin texture and one or two dark nucleoli.
//!
//! The outline is an ellipse whose radius is modulated by harmonics 2-5, in the ellipse's own
//! normalised coordinates: r(theta) = 1 + sum_k A_k cos(k theta - phi_k). Its area and
//! centroid follow from that polar form by uniform quadrature, which is exact for a
//! trigonometric polynomial of lower degree than the number of samples, so the cell truth
//! reports exactly the shape that is rendered.

use std::f64::consts::{PI, TAU};

use serde::{Deserialize, Serialize};

use crate::error::{Result, SynthError};
use crate::noise::value_noise;

/// Outline harmonics 2..=5 modulate a vesicular nucleus's radius.
const HARMONICS: usize = 4;
/// Samples of the area and centroid quadrature (exact up to degree 63; r^3 has degree 15).
const QUADRATURE: usize = 64;
/// Uniforms one nucleus is drawn from.
pub(crate) const DRAWS: usize = 17;
/// Hash stream of the chromatin texture.
const S_CHROMATIN: u64 = 30;

/// How vesicular tumour nuclei are drawn (`SynthConfig::tumour_nuclei`); `None` there keeps
/// the classic dark, uniform elliptical nuclei. Every range is drawn per cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VesicularNuclei {
    /// Nucleus area (um^2), drawn log-uniformly in [min, max]. A nucleus that would not fit
    /// inside its cell (short of the membrane) is made rounder, then smaller.
    pub area_um2: [f64; 2],
    /// Minor / major axis ratio of the underlying ellipse.
    pub aspect: [f64; 2],
    /// Amplitude of each outline harmonic (2..=5) relative to the radius: 0 is an ellipse.
    pub irregularity: f64,
    /// Hematoxylin concentration of the rim (the darkest chromatin, along the membrane).
    pub rim_hematoxylin: [f64; 2],
    /// Hematoxylin of the centre as a fraction of the rim's: below 1 is a vesicular nucleus.
    pub centre_fraction: [f64; 2],
    /// Width of the dark rim inside the outline (um); the rim fades into the centre over
    /// as much again.
    pub rim_width_um: f64,
    /// Relative amplitude of the granular chromatin texture (0 = smooth).
    pub texture: f64,
    /// Size of the chromatin granules (um): the lattice spacing of the texture noise.
    pub texture_scale_um: f64,
    /// Number of nucleoli per nucleus, drawn in [min, max] (at most 2).
    pub nucleoli: [u32; 2],
    /// Nucleolus radius (um).
    pub nucleolus_radius_um: [f64; 2],
    /// Hematoxylin of a nucleolus as a multiple of the rim's.
    pub nucleolus_strength: f64,
}

impl Default for VesicularNuclei {
    /// Real gastro-oesophageal and breast carcinoma nuclei at 40x (`docs/ihc-synth.md`,
    /// section Realistic look): 30-120 um^2, pale centre, 0.7 um rim, 1-2 nucleoli.
    fn default() -> Self {
        Self {
            area_um2: [30.0, 120.0],
            aspect: [0.65, 0.95],
            irregularity: 0.05,
            rim_hematoxylin: [0.55, 0.80],
            centre_fraction: [0.5, 0.75],
            rim_width_um: 0.6,
            texture: 0.55,
            texture_scale_um: 1.2,
            nucleoli: [1, 2],
            nucleolus_radius_um: [0.4, 0.7],
            nucleolus_strength: 1.3,
        }
    }
}

impl VesicularNuclei {
    /// Checks every range; the error names the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(SynthError::InvalidConfig(msg));
        let ranges = [
            ("area_um2", self.area_um2, 5.0, 400.0),
            ("aspect", self.aspect, 0.3, 1.0),
            ("rim_hematoxylin", self.rim_hematoxylin, 0.0, 3.0),
            ("centre_fraction", self.centre_fraction, 0.0, 1.5),
            ("nucleolus_radius_um", self.nucleolus_radius_um, 0.0, 2.0),
        ];
        for (name, [lo, hi], min, max) in ranges {
            if !(lo.is_finite() && hi.is_finite() && min <= lo && lo <= hi && hi <= max) {
                return bad(format!(
                    "tumour_nuclei.{name} [{lo}, {hi}] must satisfy {min} <= min <= max <= {max}"
                ));
            }
        }
        let scalars = [
            ("irregularity", self.irregularity, 0.0, 0.08),
            ("rim_width_um", self.rim_width_um, 0.1, 3.0),
            ("texture", self.texture, 0.0, 0.9),
            ("texture_scale_um", self.texture_scale_um, 0.2, 5.0),
            ("nucleolus_strength", self.nucleolus_strength, 0.0, 4.0),
        ];
        for (name, v, min, max) in scalars {
            if !(v.is_finite() && (min..=max).contains(&v)) {
                return bad(format!(
                    "tumour_nuclei.{name} {v} must be in [{min}, {max}]"
                ));
            }
        }
        let [lo, hi] = self.nucleoli;
        if lo > hi || hi > 2 {
            return bad(format!(
                "tumour_nuclei.nucleoli [{lo}, {hi}] must satisfy min <= max <= 2"
            ));
        }
        Ok(())
    }

    /// Draws one nucleus centred at (x, y) (px) from `DRAWS` uniforms `r`. `px_per_um` converts
    /// microns; `fit` is the largest distance (px) from (x, y) the outline may reach.
    pub(crate) fn draw(
        &self,
        x: f64,
        y: f64,
        r: &[f64; DRAWS],
        px_per_um: f64,
        fit: f64,
    ) -> Vesicle {
        let lerp = |[lo, hi]: [f64; 2], u: f64| lo + (hi - lo) * u;
        let harmonics: [[f64; 2]; HARMONICS] = std::array::from_fn(|k| {
            let amp = self.irregularity * (0.4 + 0.6 * r[k]);
            let phase = TAU * r[k + HARMONICS];
            [amp * phase.cos(), amp * phase.sin()]
        });
        let sum_sq: f64 = harmonics.iter().map(|[c, s]| c * c + s * s).sum();
        let reach = 1.0 + harmonics.iter().map(|[c, s]| c.hypot(*s)).sum::<f64>();
        let [lo, hi] = self.area_um2;
        let target = lo * (hi / lo).powf(r[8]) * px_per_um * px_per_um;
        // Area = pi a b (1 + sum A_k^2 / 2); the outline reaches at most a * reach.
        let k = PI * (1.0 + 0.5 * sum_sq);
        let aspect = lerp(self.aspect, r[9]);
        let mut a = (target / (k * aspect)).sqrt();
        let mut b = a * aspect;
        let a_max = (fit / reach).max(0.0);
        if a > a_max {
            a = a_max;
            b = (target / (k * a)).min(a);
        }
        let angle = TAU * r[10];
        let (cos, sin) = (angle.cos(), angle.sin());
        let rim = lerp(self.rim_hematoxylin, r[11]);
        let n_nucleoli =
            self.nucleoli[0] + u32::from(r[12] < 0.5 && self.nucleoli[1] > self.nucleoli[0]);
        let nucleoli = std::array::from_fn(|i| {
            let u = r[14 + i];
            let (rho, phi) = (0.45 * u.sqrt(), TAU * r[16] + PI * i as f64);
            let (un, vn) = (rho * phi.cos() * a, rho * phi.sin() * b);
            let radius = lerp(self.nucleolus_radius_um, u) * px_per_um;
            [x + un * cos - vn * sin, y + un * sin + vn * cos, radius]
        });
        let mut v = Vesicle {
            a,
            b,
            cos,
            sin,
            harmonics,
            area: 0.0,
            centroid: [x, y],
            rim: rim as f32,
            centre: (rim * lerp(self.centre_fraction, r[13])) as f32,
            rim_px: self.rim_width_um * px_per_um,
            texture: self.texture as f32,
            texture_px: self.texture_scale_um * px_per_um,
            nucleoli,
            n_nucleoli: n_nucleoli as usize,
            nucleolus: (rim * self.nucleolus_strength) as f32,
        };
        v.integrate(x, y);
        v
    }
}

/// One drawn vesicular nucleus: shape, exact area and centroid, and its hematoxylin levels.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Vesicle {
    /// Semi-axes (px) and orientation of the underlying ellipse.
    a: f64,
    b: f64,
    cos: f64,
    sin: f64,
    /// (A_k cos phi_k, A_k sin phi_k) of harmonics 2..=5.
    harmonics: [[f64; 2]; HARMONICS],
    /// Exact area (px^2) and centroid (px) of the outline.
    pub area: f64,
    pub centroid: [f64; 2],
    /// Hematoxylin of the rim, the centre and the nucleoli.
    rim: f32,
    centre: f32,
    nucleolus: f32,
    /// Rim width and chromatin granule size (px), and the texture's relative amplitude.
    rim_px: f64,
    texture_px: f64,
    texture: f32,
    /// Nucleoli: (x, y, radius) in px; the first `n_nucleoli` are drawn.
    nucleoli: [[f64; 3]; 2],
    n_nucleoli: usize,
}

impl Vesicle {
    /// The outline's radius factor 1 + sum A_k cos(k theta - phi_k) for direction (c, s).
    #[inline]
    fn radius_factor(&self, c: f64, s: f64) -> f64 {
        // cos(k theta), sin(k theta) by repeated complex multiplication, from k = 2.
        let (mut ck, mut sk) = (c * c - s * s, 2.0 * c * s);
        let mut f = 1.0;
        for [hc, hs] in self.harmonics {
            f += hc * ck + hs * sk;
            (ck, sk) = (ck * c - sk * s, sk * c + ck * s);
        }
        f
    }

    /// Sets `area` and `centroid` by quadrature of the polar outline around (x, y).
    fn integrate(&mut self, x: f64, y: f64) {
        let (mut area, mut mu, mut mv) = (0.0, 0.0, 0.0);
        for i in 0..QUADRATURE {
            let t = TAU * i as f64 / QUADRATURE as f64;
            let (s, c) = t.sin_cos();
            let r = self.radius_factor(c, s);
            area += 0.5 * r * r;
            mu += r * r * r * c / 3.0;
            mv += r * r * r * s / 3.0;
        }
        let dt = TAU / QUADRATURE as f64;
        let area_n = area * dt;
        // Normalised centroid, then back to pixels through the ellipse's axes and rotation.
        let (un, vn) = (mu * dt / area_n * self.a, mv * dt / area_n * self.b);
        self.area = area_n * self.a * self.b;
        self.centroid = [
            x + un * self.cos - vn * self.sin,
            y + un * self.sin + vn * self.cos,
        ];
    }

    /// Largest distance (px) of the outline from its origin (tests bound it with this).
    #[cfg(test)]
    pub fn reach(&self) -> f64 {
        let sum: f64 = self.harmonics.iter().map(|[c, s]| c.hypot(*s)).sum();
        self.a.max(self.b) * (1.0 + sum)
    }

    /// Soft inside-ness (0..=1, a ramp of `px` pixels across the outline) of offset (dx, dy)
    /// from the origin, and the depth inside the outline in pixels (negative outside).
    #[inline]
    pub fn weight_and_depth(&self, dx: f64, dy: f64, px: f64) -> (f64, f64) {
        let un = (dx * self.cos + dy * self.sin) / self.a;
        let vn = (-dx * self.sin + dy * self.cos) / self.b;
        let rn = un.hypot(vn);
        if rn > 1.6 {
            return (0.0, -1.0);
        }
        let (c, s) = if rn > 0.0 {
            (un / rn, vn / rn)
        } else {
            (1.0, 0.0)
        };
        let f = self.radius_factor(c, s);
        // Distance along the ray from the origin to the outline, in pixels.
        let local = f * (self.a * c).hypot(self.b * s);
        let depth = (1.0 - rn / f) * local;
        ((depth / px + 0.5).clamp(0.0, 1.0), depth)
    }

    /// Hematoxylin concentration inside the nucleus at (x, y), `depth` px inside the outline:
    /// rim, fading to the pale centre, times chromatin texture, with nucleoli on top. `grain`
    /// is a per-pixel uniform.
    #[inline]
    pub fn hematoxylin(&self, seed: u64, x: f64, y: f64, depth: f64, grain: f32, px: f64) -> f32 {
        let t = (2.0 - depth.max(0.0) / self.rim_px).clamp(0.0, 1.0) as f32;
        let t = t * t * (3.0 - 2.0 * t);
        let base = self.centre + (self.rim - self.centre) * t;
        let granules = (2.0 * value_noise(seed, S_CHROMATIN, x, y, self.texture_px)
            + value_noise(seed, S_CHROMATIN + 1, x, y, 0.5 * self.texture_px))
            / 3.0;
        let mut h =
            base * (1.0 + self.texture * (2.0 * granules as f32 - 1.0)) * (0.9 + 0.2 * grain);
        for &[nx, ny, radius] in &self.nucleoli[..self.n_nucleoli] {
            let w = ((radius - (x - nx).hypot(y - ny)) / px + 0.5).clamp(0.0, 1.0) as f32;
            h += (self.nucleolus - h).max(0.0) * w;
        }
        h
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::noise::units;

    fn draw(seed: u64, px_per_um: f64) -> Vesicle {
        let r: [f64; DRAWS] = units(seed, 99, 3, 4);
        VesicularNuclei::default().draw(100.0, 80.0, &r, px_per_um, 40.0)
    }

    /// Pixel-summed soft area and centroid of a vesicle (sampled 4x4 per pixel).
    fn rasterise(v: &Vesicle) -> (f64, [f64; 2]) {
        let (mut area, mut sx, mut sy) = (0.0, 0.0, 0.0);
        let step = 0.25;
        for j in 0..(200.0 / step) as usize {
            for i in 0..(200.0 / step) as usize {
                let (x, y) = (i as f64 * step, j as f64 * step);
                let (w, _) = v.weight_and_depth(x - 100.0, y - 80.0, step);
                area += w * step * step;
                sx += w * x * step * step;
                sy += w * y * step * step;
            }
        }
        (area, [sx / area, sy / area])
    }

    #[test]
    fn default_is_valid_and_bad_values_are_named() {
        VesicularNuclei::default().validate().unwrap();
        let bad = VesicularNuclei {
            nucleoli: [1, 3],
            ..VesicularNuclei::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("nucleoli"));
        let bad = VesicularNuclei {
            area_um2: [50.0, 20.0],
            ..VesicularNuclei::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("area_um2"));
    }

    #[test]
    fn exact_area_and_centroid_match_the_rasterised_outline() {
        for seed in 0..20 {
            let v = draw(seed, 4.0);
            let (area, [cx, cy]) = rasterise(&v);
            assert!(
                (area / v.area - 1.0).abs() < 0.01,
                "{seed}: {area} vs {}",
                v.area
            );
            assert!(
                (cx - v.centroid[0]).hypot(cy - v.centroid[1]) < 0.05,
                "{seed}"
            );
            let um2 = v.area / 16.0;
            assert!((30.0..=120.0).contains(&um2), "{seed}: {um2} um^2");
        }
    }

    #[test]
    fn outlines_are_irregular_not_ellipses() {
        let v = draw(5, 4.0);
        let samples: Vec<f64> = (0..360)
            .map(|d| {
                let t = (d as f64).to_radians();
                v.radius_factor(t.cos(), t.sin())
            })
            .collect();
        let spread = samples.iter().cloned().fold(f64::MIN, f64::max)
            - samples.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 0.05, "radius factor spread {spread}");
    }

    #[test]
    fn a_tight_cell_gets_a_rounder_smaller_nucleus_that_fits() {
        let r: [f64; DRAWS] = units(1, 99, 3, 4);
        let mut r = r;
        r[8] = 1.0; // the largest area
        let v = VesicularNuclei::default().draw(0.0, 0.0, &r, 2.0, 9.0);
        assert!(v.reach() <= 9.0 + 1e-9);
        assert!(v.area < 120.0 * 4.0);
    }

    #[test]
    fn rim_is_darker_than_centre_and_texture_varies() {
        let v = draw(2, 4.0);
        let grain = 0.5;
        let mean = |lo: f64, hi: f64| {
            let (mut s, mut n) = (0.0, 0.0);
            for j in 0..200 {
                for i in 0..200 {
                    let (x, y) = (i as f64, j as f64);
                    let (w, depth) = v.weight_and_depth(x - 100.0, y - 80.0, 1.0);
                    let far_from_nucleoli = v.nucleoli[..v.n_nucleoli]
                        .iter()
                        .all(|n| (x - n[0]).hypot(y - n[1]) > n[2] + 1.5);
                    if w >= 1.0 && depth >= lo && depth < hi && far_from_nucleoli {
                        s += v.hematoxylin(7, x, y, depth, grain, 1.0) as f64;
                        n += 1.0;
                    }
                }
            }
            s / n
        };
        let rim = mean(0.5, v.rim_px);
        let centre = mean(3.0 * v.rim_px, f64::INFINITY);
        assert!(rim > 1.3 * centre, "rim {rim} centre {centre}");
        // Chromatin texture: the centre is not flat.
        let values: Vec<f32> = (0..40)
            .map(|i| v.hematoxylin(7, 100.0 + 0.5 * i as f64, 80.0, 20.0, grain, 1.0))
            .collect();
        let m = values.iter().sum::<f32>() / values.len() as f32;
        let sd = (values.iter().map(|h| (h - m).powi(2)).sum::<f32>() / values.len() as f32).sqrt();
        assert!(sd > 0.05 * m, "texture sd {sd} of mean {m}");
    }

    #[test]
    fn nucleoli_are_dark_and_inside() {
        for seed in 0..20 {
            let v = draw(seed, 4.0);
            assert!((1..=2).contains(&v.n_nucleoli));
            for n in &v.nucleoli[..v.n_nucleoli] {
                let (w, _) = v.weight_and_depth(n[0] - 100.0, n[1] - 80.0, 1.0);
                assert_eq!(w, 1.0, "{seed}: nucleolus centre outside its nucleus");
                let h = v.hematoxylin(1, n[0], n[1], 5.0, 0.5, 1.0);
                assert!(
                    h >= v.rim,
                    "{seed}: nucleolus {h} not darker than rim {}",
                    v.rim
                );
            }
        }
    }

    #[test]
    fn the_same_draw_gives_the_same_nucleus() {
        assert_eq!(draw(3, 2.0), draw(3, 2.0));
        assert_ne!(draw(3, 2.0), draw(4, 2.0));
    }
}
