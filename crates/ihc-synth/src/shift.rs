//! Domain shifts: what another lab's stain run or another scanner does to a slide (stain
//! strength, chromogen colour, glass, focus, compression), as changes to a [`SynthConfig`],
//! so that the pipeline can be tested on slides unlike the ones its defaults were set on.
//! The cell patterns, and so every slide's true class, are left alone.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::SynthConfig;

/// One departure from the default rendering.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DomainShift {
    /// Every DAB concentration (membranes and cytoplasmic blush) times this: antibody lot,
    /// DAB development time, a weaker or stronger run.
    DabConcentration(f64),
    /// Every hematoxylin concentration times this: counterstain time and freshness.
    HematoxylinConcentration(f64),
    /// The DAB vector turned this many degrees towards the hematoxylin vector (negative:
    /// away): another chromogen lot, or a scanner's colour response.
    StainTilt(f64),
    /// Glass optical density (R, G, B) in place of the neutral 0.022: a tinted or dimmer scan.
    Glass([f64; 3]),
    /// Optical blur (standard deviation, pixels, at most 1.5): a softer focus.
    Blur(f64),
    /// JPEG quality of the tiles (1..=100).
    JpegQuality(u8),
}

/// Turns unit vector `v` by `degrees` towards unit vector `towards` (in their plane).
fn tilt(v: [f64; 3], towards: [f64; 3], degrees: f64) -> [f64; 3] {
    let norm = |a: [f64; 3]| a.iter().map(|c| c * c).sum::<f64>().sqrt();
    let unit = |a: [f64; 3]| {
        let n = norm(a);
        a.map(|c| c / n)
    };
    let v = unit(v);
    let t = unit(towards);
    let dot: f64 = v.iter().zip(&t).map(|(a, b)| a * b).sum();
    let across = [t[0] - dot * v[0], t[1] - dot * v[1], t[2] - dot * v[2]];
    if norm(across) < 1e-12 {
        return v;
    }
    let across = unit(across);
    let (s, c) = degrees.to_radians().sin_cos();
    [0, 1, 2].map(|i| c * v[i] + s * across[i])
}

impl DomainShift {
    /// The shifts of the standard test matrix, one at a time: DAB and hematoxylin at 0.6x to
    /// 1.4x, the DAB vector tilted 10 degrees either way, tinted and dim glass, a softer
    /// focus, JPEG quality 60 and 95.
    pub fn matrix() -> Vec<DomainShift> {
        use DomainShift::*;
        vec![
            DabConcentration(0.6),
            DabConcentration(0.8),
            DabConcentration(1.2),
            DabConcentration(1.4),
            HematoxylinConcentration(0.6),
            HematoxylinConcentration(1.4),
            StainTilt(-10.0),
            StainTilt(10.0),
            Glass([0.05, 0.056, 0.035]),
            Glass([0.07, 0.07, 0.07]),
            Blur(1.2),
            JpegQuality(60),
            JpegQuality(95),
        ]
    }

    /// Applies the shift to `cfg` (on top of what it already has).
    pub fn apply(self, cfg: &mut SynthConfig) {
        let stain = &mut cfg.stain;
        match self {
            DomainShift::DabConcentration(k) => {
                for range in [
                    &mut stain.dab_faint,
                    &mut stain.dab_weak_moderate,
                    &mut stain.dab_intense,
                ] {
                    *range = range.map(|c| c * k);
                }
                stain.cytoplasmic_blush *= k;
            }
            DomainShift::HematoxylinConcentration(k) => {
                stain.hematoxylin_scale = stain.hematoxylin_scale.map(|s| s * k);
            }
            DomainShift::StainTilt(degrees) => {
                stain.dab = tilt(stain.dab, stain.hematoxylin, degrees);
            }
            DomainShift::Glass(od) => cfg.appearance.glass_od = od,
            DomainShift::Blur(sigma) => cfg.blur_sigma = sigma,
            DomainShift::JpegQuality(q) => cfg.jpeg_quality = q,
        }
    }

    /// `cfg` with the shift applied.
    pub fn config(self, mut cfg: SynthConfig) -> SynthConfig {
        self.apply(&mut cfg);
        cfg
    }
}

impl fmt::Display for DomainShift {
    /// A short label for tables: `DAB x0.6`, `tilt +10 deg`, `JPEG 60`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainShift::DabConcentration(k) => write!(f, "DAB x{k}"),
            DomainShift::HematoxylinConcentration(k) => write!(f, "hematoxylin x{k}"),
            DomainShift::StainTilt(d) => write!(f, "DAB vector tilt {d:+} deg"),
            DomainShift::Glass([r, g, b]) => write!(f, "glass OD {r}/{g}/{b}"),
            DomainShift::Blur(s) => write!(f, "blur {s} px"),
            DomainShift::JpegQuality(q) => write!(f, "JPEG {q}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::class::Her2Class;

    fn base() -> SynthConfig {
        SynthConfig::new(1024, 1024, Her2Class::Positive3, 1)
    }

    #[test]
    fn every_shift_of_the_matrix_gives_a_valid_config() {
        for shift in DomainShift::matrix() {
            let cfg = shift.config(base());
            cfg.validate().unwrap_or_else(|e| panic!("{shift}: {e}"));
            assert_ne!(cfg, base(), "{shift} changes something");
            assert_eq!(cfg.class, base().class);
        }
    }

    #[test]
    fn dab_concentration_scales_every_membrane_and_the_blush() {
        let cfg = DomainShift::DabConcentration(0.5).config(base());
        let b = base().stain;
        assert_eq!(cfg.stain.dab_intense, b.dab_intense.map(|c| c * 0.5));
        assert_eq!(cfg.stain.dab_faint, b.dab_faint.map(|c| c * 0.5));
        assert_eq!(cfg.stain.cytoplasmic_blush, b.cytoplasmic_blush * 0.5);
        assert_eq!(cfg.stain.hematoxylin_scale, b.hematoxylin_scale);
    }

    #[test]
    fn a_tilt_turns_the_dab_vector_by_that_angle_towards_hematoxylin() {
        let b = base().stain;
        let unit = |v: [f64; 3]| {
            let n = v.iter().map(|c| c * c).sum::<f64>().sqrt();
            v.map(|c| c / n)
        };
        let angle = |a: [f64; 3], b: [f64; 3]| {
            let (a, b) = (unit(a), unit(b));
            a.iter()
                .zip(&b)
                .map(|(x, y)| x * y)
                .sum::<f64>()
                .clamp(-1.0, 1.0)
                .acos()
                .to_degrees()
        };
        let before = angle(b.dab, b.hematoxylin);
        for degrees in [-10.0, 10.0] {
            let cfg = DomainShift::StainTilt(degrees).config(base());
            assert!((angle(cfg.stain.dab, b.dab) - 10.0).abs() < 1e-9);
            let after = angle(cfg.stain.dab, b.hematoxylin);
            assert!(
                (before - after - degrees).abs() < 1e-9,
                "{before} -> {after}"
            );
        }
    }

    #[test]
    fn labels_name_the_shift() {
        assert_eq!(DomainShift::DabConcentration(0.6).to_string(), "DAB x0.6");
        assert_eq!(
            DomainShift::StainTilt(10.0).to_string(),
            "DAB vector tilt +10 deg"
        );
        assert_eq!(DomainShift::JpegQuality(60).to_string(), "JPEG 60");
    }
}
