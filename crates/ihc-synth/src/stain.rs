//! Beer-Lambert colour: optical density from stain concentrations, and RGB = 255 * 10^(-OD).

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::appearance::Appearance;
use crate::config::StainConfig;
use crate::noise::{hash3, unit};

/// Hash stream of the per-slide hematoxylin scale (drawn apart from the layout's generator,
/// so that the classic slides' layouts do not move).
const S_HEMATOXYLIN_SCALE: u64 = 40;

/// Optical density of clean glass (a near-white 242 in 8 bits).
pub(crate) const GLASS_OD: f32 = 0.022;
/// Extra neutral optical density of tissue (unstained section, mounting medium).
pub(crate) const TISSUE_OD: f32 = 0.03;

/// The stain vectors and concentration factor one slide was rendered with (after jitter).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlideStains {
    /// Unit hematoxylin OD vector (R, G, B).
    pub hematoxylin: [f64; 3],
    /// Unit DAB OD vector (R, G, B).
    pub dab: [f64; 3],
    /// Multiplier applied to every concentration on this slide.
    pub concentration_factor: f64,
    /// Extra multiplier of every hematoxylin concentration on this slide (drawn in
    /// `StainConfig::hematoxylin_scale`); left out of the truth file when 1.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub hematoxylin_scale: f64,
}

fn one() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn unit_vector(v: [f64; 3]) -> [f64; 3] {
    let n = v.iter().map(|c| c * c).sum::<f64>().sqrt();
    v.map(|c| c / n)
}

impl SlideStains {
    /// Draws this slide's vectors and concentration factor from the configured jitter, and
    /// its hematoxylin scale from a hash of `seed`.
    pub(crate) fn draw(cfg: &StainConfig, seed: u64, rng: &mut impl Rng) -> Self {
        let mut jitter = |v: [f64; 3]| {
            let j = cfg.vector_jitter;
            unit_vector(v.map(|c| {
                if j > 0.0 {
                    (c + rng.random_range(-j..j)).max(0.01)
                } else {
                    c
                }
            }))
        };
        let hematoxylin = jitter(cfg.hematoxylin);
        let dab = jitter(cfg.dab);
        let cj = cfg.concentration_jitter;
        let concentration_factor = if cj > 0.0 {
            1.0 + rng.random_range(-cj..cj)
        } else {
            1.0
        };
        let [lo, hi] = cfg.hematoxylin_scale;
        let hematoxylin_scale = if hi > lo {
            lo + (hi - lo) * unit(hash3(seed, S_HEMATOXYLIN_SCALE, 0, 0))
        } else {
            lo
        };
        Self {
            hematoxylin,
            dab,
            concentration_factor,
            hematoxylin_scale,
        }
    }
}

/// Converts per-pixel concentrations to transmitted intensity through a lookup table.
pub(crate) struct Colorizer {
    h: [f32; 3],
    d: [f32; 3],
    /// Glass optical density per channel above [`GLASS_OD`] (0 by default).
    tint: [f32; 3],
    /// `tissue_strength - 1`: scales the neutral density tissue adds to the glass (0 by
    /// default, so the default look is rendered with exactly the same arithmetic).
    fade: f32,
    /// The counterstain cast: optical density added to every channel.
    cast: [f32; 3],
    lut: Vec<f32>,
}

/// Lookup-table resolution: entries per unit of optical density.
const LUT_STEPS: f32 = 2048.0;
/// Largest optical density in the table (transmission below 1/255 beyond it).
const LUT_MAX_OD: f32 = 4.0;

impl Colorizer {
    pub fn new(stains: &SlideStains, look: &Appearance, counterstain_cast: [f64; 3]) -> Self {
        let n = (LUT_MAX_OD * LUT_STEPS) as usize + 2;
        let lut = (0..n)
            .map(|i| 255.0 * 10f32.powf(-(i as f32) / LUT_STEPS))
            .collect();
        let f = stains.concentration_factor;
        let counterstain = f * stains.hematoxylin_scale * look.tissue_strength;
        Self {
            h: stains.hematoxylin.map(|c| (c * counterstain) as f32),
            d: stains.dab.map(|c| (c * f) as f32),
            tint: look.glass_od.map(|g| g as f32 - GLASS_OD),
            fade: look.tissue_strength as f32 - 1.0,
            cast: counterstain_cast.map(|c| c as f32),
            lut,
        }
    }

    /// 255 * 10^(-od), linear interpolation in the table.
    #[inline]
    fn transmit(&self, od: f32) -> f32 {
        let t = od.clamp(0.0, LUT_MAX_OD) * LUT_STEPS;
        let i = t as usize;
        let frac = t - i as f32;
        self.lut[i] + (self.lut[i + 1] - self.lut[i]) * frac
    }

    /// RGB intensities (0..=255, floating) for hematoxylin `h`, DAB `d` and neutral OD `n`
    /// (glass [`GLASS_OD`] plus what the tissue adds), in the slide's [`Appearance`].
    #[inline]
    pub fn rgb(&self, h: f32, d: f32, n: f32) -> [f32; 3] {
        let tissue = (n - GLASS_OD) * self.fade;
        [0, 1, 2].map(|c| {
            self.transmit(h * self.h[c] + d * self.d[c] + n + self.tint[c] + tissue + self.cast[c])
        })
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn beer_lambert_matches_the_formula() {
        let stains = SlideStains::draw(
            &StainConfig::default(),
            3,
            &mut ChaCha8Rng::seed_from_u64(3),
        );
        for v in [stains.hematoxylin, stains.dab] {
            assert!((v.iter().map(|c| c * c).sum::<f64>() - 1.0).abs() < 1e-9);
        }
        let col = Colorizer::new(&stains, &Appearance::default(), [0.0; 3]);
        let (h, d, n) = (0.4_f32, 0.7_f32, 0.02_f32);
        let got = col.rgb(h, d, n);
        for (c, &value) in got.iter().enumerate() {
            let f = stains.concentration_factor;
            let od = f * (h as f64 * stains.hematoxylin[c] + d as f64 * stains.dab[c]) + n as f64;
            let want = 255.0 * 10f64.powf(-od);
            assert!((value as f64 - want).abs() < 0.05, "{c}: {value} vs {want}");
        }
        assert!((col.rgb(0.0, 0.0, 0.0)[0] - 255.0).abs() < 1e-3);
    }

    #[test]
    fn tinted_pale_look_tints_the_glass_and_pales_the_counterstain() {
        let stains = SlideStains::draw(
            &StainConfig::default(),
            3,
            &mut ChaCha8Rng::seed_from_u64(3),
        );
        let look = Appearance::tinted_pale();
        let col = Colorizer::new(&stains, &look, [0.0; 3]);
        let glass = col.rgb(0.0, 0.0, GLASS_OD);
        for (c, &v) in glass.iter().enumerate() {
            let want = 255.0 * 10f64.powf(-look.glass_od[c]);
            assert!((f64::from(v) - want).abs() < 0.05, "{c}: {v} vs {want}");
        }
        // Stroma (hematoxylin 0.05, tissue OD 0.03) absorbs a third as much above its glass.
        let default = Colorizer::new(&stains, &Appearance::default(), [0.0; 3]);
        let above = |col: &Colorizer, glass: [f32; 3]| {
            let t = col.rgb(0.05, 0.0, GLASS_OD + TISSUE_OD);
            (0..3).map(|c| (glass[c] / t[c]).log10()).sum::<f32>()
        };
        let pale = above(&col, glass);
        let full = above(&default, default.rgb(0.0, 0.0, GLASS_OD));
        assert!((pale / full - 0.35).abs() < 0.01, "{pale} vs {full}");
        // DAB is untouched.
        let dab = |col: &Colorizer| col.rgb(0.0, 1.0, GLASS_OD)[2] / col.rgb(0.0, 0.0, GLASS_OD)[2];
        assert!((dab(&col) - dab(&default)).abs() < 1e-3);
    }

    #[test]
    fn hematoxylin_scale_and_cast_enter_the_optical_density() {
        let cfg = StainConfig {
            hematoxylin_scale: [0.4, 1.2],
            ..StainConfig::default()
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let stains = SlideStains::draw(&cfg, 9, &mut rng);
        let s = stains.hematoxylin_scale;
        assert!((0.4..=1.2).contains(&s));
        let again = SlideStains::draw(&cfg, 9, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(again, stains);
        let cast = [0.02, 0.01, 0.0];
        let col = Colorizer::new(&stains, &Appearance::default(), cast);
        let got = col.rgb(0.5, 0.0, 0.0);
        for (c, &value) in got.iter().enumerate() {
            let od = 0.5 * stains.concentration_factor * s * stains.hematoxylin[c] + cast[c];
            let want = 255.0 * 10f64.powf(-od);
            assert!((value as f64 - want).abs() < 0.05, "{c}: {value} vs {want}");
        }
        // The classic range draws nothing and keeps the scale at exactly 1.
        let classic = SlideStains::draw(&StainConfig::default(), 9, &mut rng);
        assert_eq!(classic.hematoxylin_scale, 1.0);
    }
}
