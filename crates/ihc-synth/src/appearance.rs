//! [`Appearance`]: how the glass and the tissue's counterstain look, so that tissue detection
//! can be tested on scans unlike the default clean white glass and well-stained tissue.

use serde::{Deserialize, Serialize};

use crate::error::{Result, SynthError};

/// The glass colour and the strength of the tissue's own absorption. `Default` is the look
/// every slide had before this knob existed (neutral glass at OD 0.022, RGB about 242; full
/// counterstain), and renders the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Appearance {
    /// Optical density of the glass in R, G and B (0.022 each: a neutral 242). Unequal values
    /// tint it (a scanner's colour cast); larger values darken it.
    pub glass_od: [f64; 3],
    /// Factor on the hematoxylin concentration and on the tissue's neutral optical density
    /// (1: as rendered by default; 0.3: a pale, lightly counterstained section). DAB is left
    /// alone, so every cell keeps its true membrane class.
    pub tissue_strength: f64,
}

impl Default for Appearance {
    fn default() -> Self {
        Self {
            glass_od: [f64::from(crate::stain::GLASS_OD); 3],
            tissue_strength: 1.0,
        }
    }
}

impl Appearance {
    /// A scan with tinted, less bright glass (bluish, RGB about (227, 224, 235) where the
    /// default is 242: saturation 11.5 in OpenCV's 8-bit S, like a real scanner's cast, 8-12)
    /// and pale tissue (a third of the default counterstain, saturation close to the glass's),
    /// like a pale HER2 0 spot on a scanner with a colour cast.
    pub fn tinted_pale() -> Self {
        Self {
            glass_od: [0.05, 0.056, 0.035],
            tissue_strength: 0.35,
        }
    }

    /// Whether this is the default look (then the config serialises without it, so that
    /// files written before the knob existed stay byte for byte the same).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Checks the ranges; the error names the field.
    pub fn validate(&self) -> Result<()> {
        if self
            .glass_od
            .iter()
            .any(|v| !(v.is_finite() && (0.0..=0.5).contains(v)))
        {
            return Err(SynthError::InvalidConfig(format!(
                "appearance.glass_od {:?}: each must be in [0, 0.5]",
                self.glass_od
            )));
        }
        let s = self.tissue_strength;
        if !(s.is_finite() && s > 0.0 && s <= 2.0) {
            return Err(SynthError::InvalidConfig(format!(
                "appearance.tissue_strength {s}: must be in (0, 2]"
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_bad_values_are_named() {
        assert!(Appearance::default().is_default());
        Appearance::tinted_pale().validate().unwrap();
        assert!(!Appearance::tinted_pale().is_default());
        let bad = Appearance {
            tissue_strength: 0.0,
            ..Appearance::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("tissue_strength")
        );
    }
}
