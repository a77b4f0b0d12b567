//! Named looks: presets of the appearance knobs (nucleus style, cell spacing, hematoxylin
//! strength, background cast) that leave the tissue layout and the staining patterns alone.

use crate::config::{CLASSIC_CELL_SPACING_UM, SynthConfig};
use crate::nucleus::VesicularNuclei;

/// The per-slide hematoxylin scale range of the realistic look: real counterstains run from
/// pale to about as dark as the classic look.
pub const REALISTIC_HEMATOXYLIN_SCALE: [f64; 2] = [0.4, 1.2];

/// The epithelial cell spacing of the realistic look (um): real carcinoma nuclei crowd
/// 12-16 um apart (the 2+ TMA spot of `../shared/real/her2-tma`), closer than the classic 18.
pub const REALISTIC_CELL_SPACING_UM: f64 = 15.0;

/// The counterstain cast of the realistic look (optical density R, G, B): the glass of the
/// five real HER2 TMA spots in `../shared/real/her2-tma` averages RGB (233.6, 232.8, 241.0)
/// (OD 0.038, 0.040, 0.025), against the classic glass's neutral 0.022 (RGB 242).
pub const REALISTIC_COUNTERSTAIN_CAST: [f64; 3] = [0.016, 0.018, 0.003];

/// How a synthetic slide looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Look {
    /// Dark, uniform elliptical nuclei, one hematoxylin strength, neutral glass: the look the
    /// pipeline was first built on and the committed fixtures have.
    #[default]
    Classic,
    /// Real-looking tumour nuclei: vesicular (pale centre, dark rim, chromatin texture, 1-2
    /// nucleoli, irregular, 30-120 um^2) in cells 15 um apart, hematoxylin 0.4x-1.2x per
    /// slide, blue-grey cast.
    Realistic,
}

impl Look {
    /// Every look, in documentation order.
    pub const ALL: [Look; 2] = [Look::Classic, Look::Realistic];

    /// The look named `name`: `classic`, or `realistic` (also `real`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "classic" => Some(Self::Classic),
            "realistic" | "real" => Some(Self::Realistic),
            _ => None,
        }
    }

    /// The look's name as `from_name` reads it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Classic => "classic",
            Self::Realistic => "realistic",
        }
    }

    /// Sets the appearance knobs of `cfg` to this look; everything else is kept.
    pub fn apply(self, cfg: &mut SynthConfig) {
        let (spacing, nuclei, scale, cast) = match self {
            Self::Classic => (CLASSIC_CELL_SPACING_UM, None, [1.0, 1.0], [0.0; 3]),
            Self::Realistic => (
                REALISTIC_CELL_SPACING_UM,
                Some(VesicularNuclei::default()),
                REALISTIC_HEMATOXYLIN_SCALE,
                REALISTIC_COUNTERSTAIN_CAST,
            ),
        };
        cfg.cell_spacing_um = spacing;
        cfg.tumour_nuclei = nuclei;
        cfg.stain.hematoxylin_scale = scale;
        cfg.stain.counterstain_cast = cast;
    }

    /// `cfg` with this look applied.
    pub fn config(self, mut cfg: SynthConfig) -> SynthConfig {
        self.apply(&mut cfg);
        cfg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_is_the_default_config_and_realistic_is_valid() {
        let base = SynthConfig::default();
        assert_eq!(Look::Classic.config(base.clone()), base);
        let real = Look::Realistic.config(base.clone());
        real.validate().unwrap();
        assert_ne!(real, base);
        assert_eq!(Look::Classic.config(real), base);
        for look in Look::ALL {
            assert_eq!(Look::from_name(look.name()), Some(look));
        }
        assert_eq!(Look::from_name("real"), Some(Look::Realistic));
        assert_eq!(Look::from_name("bright"), None);
    }

    #[test]
    fn the_classic_config_serialises_without_the_new_knobs() {
        let json = serde_json::to_string(&SynthConfig::default()).unwrap();
        for knob in [
            "cell_spacing_um",
            "tumour_nuclei",
            "hematoxylin_scale",
            "counterstain_cast",
        ] {
            assert!(!json.contains(knob), "{knob} in {json}");
        }
        let real = Look::Realistic.config(SynthConfig::default());
        let back: SynthConfig =
            serde_json::from_str(&serde_json::to_string(&real).unwrap()).unwrap();
        assert_eq!(back, real);
    }
}
