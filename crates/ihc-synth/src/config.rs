//! The serde configuration of a synthetic slide; `Default` is a 20x (0.5 um/px) Aperio-like
//! slide of 20000 x 16000 px scored 2+.

use serde::{Deserialize, Serialize};

use crate::appearance::Appearance;
use crate::class::Her2Class;
use crate::error::{Result, SynthError};
use crate::nucleus::VesicularNuclei;
use crate::preset::CellMix;

/// Everything that defines a synthetic slide; the same config (seed included) gives the same
/// pixels and the same bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SynthConfig {
    /// Level-0 width in pixels.
    pub width: u32,
    /// Level-0 height in pixels.
    pub height: u32,
    /// Microns per pixel at level 0 (0.5 for a 20x scan, 0.25 for 40x).
    pub mpp: f64,
    /// Seed of every random choice (layout, cells, stain jitter, noise).
    pub seed: u64,
    /// The HER2 class whose guideline pattern the tumour cells follow.
    pub class: Her2Class,
    /// Exact cell mix instead of one drawn from the class preset's ranges (None: draw).
    pub cell_mix: Option<CellMix>,
    /// Adds a small 3+ control tissue piece near the right edge, apart from the patient tissue.
    pub control: bool,
    /// Target fraction of the slide covered by patient tissue: drawn in [min, max].
    pub tissue_fraction: [f64; 2],
    /// TIFF tile side in pixels (multiple of 16); also the height of a rendered strip.
    pub tile_size: u32,
    /// JPEG quality of the SVS tiles (1..=100).
    pub jpeg_quality: u8,
    /// Stain vectors, concentrations and their per-slide jitter.
    pub stain: StainConfig,
    /// Standard deviation of the additive sensor noise, in 8-bit RGB levels.
    pub noise_sigma: f64,
    /// Standard deviation (pixels) of the optical blur; 0 disables it (at most 1.5).
    pub blur_sigma: f64,
    /// Glass colour and tissue paleness (default: clean neutral glass, full counterstain;
    /// [`Appearance::tinted_pale`] for a scanner's colour cast and a pale section). Left out
    /// of the serialised config when default, so older truth files keep their bytes.
    #[serde(skip_serializing_if = "Appearance::is_default")]
    pub appearance: Appearance,
    /// Centre-to-centre spacing of epithelial (tumour, control, duct) cells in um: polygonal
    /// cells about this wide. Left out of the serialised config at the classic 18.
    #[serde(skip_serializing_if = "is_classic_spacing")]
    pub cell_spacing_um: f64,
    /// Vesicular tumour and control nuclei (pale centre, dark rim, chromatin texture,
    /// nucleoli, irregular outline) instead of the classic dark uniform ellipses (None).
    /// Left out of the serialised config when None, so classic truth files keep their bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tumour_nuclei: Option<VesicularNuclei>,
}

/// The classic epithelial cell spacing (um).
pub const CLASSIC_CELL_SPACING_UM: f64 = 18.0;

fn is_classic_spacing(v: &f64) -> bool {
    *v == CLASSIC_CELL_SPACING_UM
}

impl Default for SynthConfig {
    fn default() -> Self {
        Self {
            width: 20_000,
            height: 16_000,
            mpp: 0.5,
            seed: 0,
            class: Her2Class::default(),
            cell_mix: None,
            control: true,
            tissue_fraction: [0.2, 0.4],
            tile_size: 256,
            jpeg_quality: 85,
            stain: StainConfig::default(),
            noise_sigma: 2.0,
            blur_sigma: 0.6,
            appearance: Appearance::default(),
            cell_spacing_um: CLASSIC_CELL_SPACING_UM,
            tumour_nuclei: None,
        }
    }
}

impl SynthConfig {
    /// Reads a config from JSON (missing fields take their defaults; an unknown field, at any
    /// depth, is an error that names its dotted path, e.g. `stain.dab_intnse`). The values
    /// are not checked: call [`validate`](Self::validate).
    pub fn from_json(text: &str) -> Result<Self> {
        Self::parse(text, None)
    }

    /// Reads a JSON config file as [`from_json`](Self::from_json) does; errors name the file.
    pub fn from_file(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| SynthError::io(path, e))?;
        Self::parse(&text, Some(path))
    }

    fn parse(text: &str, path: Option<&std::path::Path>) -> Result<Self> {
        let mut deserializer = serde_json::Deserializer::from_str(text);
        let config: Self = serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            SynthError::ConfigText {
                path: path.map(std::path::Path::to_path_buf),
                field: e.path().to_string(),
                source: e.into_inner(),
            }
        })?;
        deserializer
            .end()
            .map_err(|source| SynthError::ConfigText {
                path: path.map(std::path::Path::to_path_buf),
                field: String::new(),
                source,
            })?;
        Ok(config)
    }

    /// A config of the given size, class and seed, the rest default.
    pub fn new(width: u32, height: u32, class: Her2Class, seed: u64) -> Self {
        Self {
            width,
            height,
            class,
            seed,
            ..Self::default()
        }
    }

    /// Checks every value's range; the error names the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(SynthError::InvalidConfig(msg));
        if self.width < 256 || self.height < 256 {
            return bad(format!(
                "slide {}x{} px: each side must be at least 256",
                self.width, self.height
            ));
        }
        if !(self.mpp.is_finite() && self.mpp >= 0.1 && self.mpp <= 2.0) {
            return bad(format!("mpp {} must be in [0.1, 2.0] um/px", self.mpp));
        }
        if self.tile_size < 16 || !self.tile_size.is_multiple_of(16) || self.tile_size > 4096 {
            return bad(format!(
                "tile_size {} must be a multiple of 16 in [16, 4096]",
                self.tile_size
            ));
        }
        if self.jpeg_quality == 0 || self.jpeg_quality > 100 {
            return bad(format!(
                "jpeg_quality {} must be in 1..=100",
                self.jpeg_quality
            ));
        }
        let [lo, hi] = self.tissue_fraction;
        if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi && hi <= 0.8) {
            return bad(format!(
                "tissue_fraction [{lo}, {hi}] must satisfy 0 < min <= max <= 0.8"
            ));
        }
        if !(self.noise_sigma.is_finite() && (0.0..=20.0).contains(&self.noise_sigma)) {
            return bad(format!(
                "noise_sigma {} must be in [0, 20]",
                self.noise_sigma
            ));
        }
        if !(self.blur_sigma.is_finite() && (0.0..=1.5).contains(&self.blur_sigma)) {
            return bad(format!(
                "blur_sigma {} must be in [0, 1.5]",
                self.blur_sigma
            ));
        }
        if let Some(mix) = &self.cell_mix {
            mix.validate()?;
        }
        self.appearance.validate()?;
        if !(self.cell_spacing_um.is_finite() && (10.0..=30.0).contains(&self.cell_spacing_um)) {
            return bad(format!(
                "cell_spacing_um {} must be in [10, 30]",
                self.cell_spacing_um
            ));
        }
        if let Some(nuclei) = &self.tumour_nuclei {
            nuclei.validate()?;
        }
        self.stain.validate()
    }
}

/// Beer-Lambert stain model: unit stain vectors (optical density per unit concentration in
/// R, G, B) and the concentrations used for each structure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StainConfig {
    /// Hematoxylin OD vector (Ruifrok & Johnston: 0.65, 0.70, 0.29); normalised to unit length.
    pub hematoxylin: [f64; 3],
    /// DAB OD vector (Ruifrok & Johnston: 0.27, 0.57, 0.78); normalised to unit length.
    pub dab: [f64; 3],
    /// Per-slide jitter of each vector component (uniform +-), renormalised afterwards.
    pub vector_jitter: f64,
    /// Per-slide multiplicative jitter of all concentrations (uniform 1 +- this).
    pub concentration_jitter: f64,
    /// DAB concentration on the membrane ring of a faint cell: drawn per cell in [min, max].
    pub dab_faint: [f64; 2],
    /// DAB concentration on the membrane ring of a weak-to-moderate cell.
    pub dab_weak_moderate: [f64; 2],
    /// DAB concentration on the membrane ring of an intense cell.
    pub dab_intense: [f64; 2],
    /// Largest cytoplasmic DAB "blush" (a confounder, below faint), given to 30% of tumour cells.
    pub cytoplasmic_blush: f64,
    /// Strength of the slide's hematoxylin (every structure) relative to the classic
    /// concentrations: drawn per slide in [min, max]. Real counterstains vary from pale to
    /// dark between slides; [1, 1] (the default, then left out of the serialised config) is
    /// the classic look.
    #[serde(skip_serializing_if = "is_unit_scale")]
    pub hematoxylin_scale: [f64; 2],
    /// Optical density (R, G, B) added evenly over the whole slide, glass included: the
    /// light blue-grey cast of real scans (counterstain haze, mounting medium, white
    /// balance). Zero (the default, then left out of the serialised config) is neutral glass.
    #[serde(skip_serializing_if = "is_zero_cast")]
    pub counterstain_cast: [f64; 3],
}

fn is_unit_scale(v: &[f64; 2]) -> bool {
    *v == [1.0, 1.0]
}

fn is_zero_cast(v: &[f64; 3]) -> bool {
    *v == [0.0; 3]
}

impl Default for StainConfig {
    fn default() -> Self {
        Self {
            hematoxylin: [0.65, 0.70, 0.29],
            dab: [0.27, 0.57, 0.78],
            vector_jitter: 0.02,
            concentration_jitter: 0.08,
            dab_faint: [0.08, 0.16],
            dab_weak_moderate: [0.30, 0.50],
            dab_intense: [0.85, 1.25],
            cytoplasmic_blush: 0.03,
            hematoxylin_scale: [1.0, 1.0],
            counterstain_cast: [0.0; 3],
        }
    }
}

impl StainConfig {
    /// Checks vectors and ranges; classes must not overlap even after concentration jitter.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(SynthError::InvalidConfig(msg));
        for (name, v) in [("hematoxylin", self.hematoxylin), ("dab", self.dab)] {
            if v.iter().any(|c| !c.is_finite() || *c < 0.0) || v.iter().sum::<f64>() <= 0.0 {
                return bad(format!(
                    "stain vector {name} {v:?} must be non-negative and non-zero"
                ));
            }
        }
        if !(0.0..=0.1).contains(&self.vector_jitter)
            || !(0.0..=0.3).contains(&self.concentration_jitter)
        {
            return bad(format!(
                "vector_jitter {} must be in [0, 0.1] and concentration_jitter {} in [0, 0.3]",
                self.vector_jitter, self.concentration_jitter
            ));
        }
        let ranges = [
            ("dab_faint", self.dab_faint),
            ("dab_weak_moderate", self.dab_weak_moderate),
            ("dab_intense", self.dab_intense),
        ];
        for (name, [lo, hi]) in ranges {
            if !(lo.is_finite() && hi.is_finite() && lo > 0.0 && lo <= hi && hi <= 3.0) {
                return bad(format!(
                    "{name} [{lo}, {hi}] must satisfy 0 < min <= max <= 3"
                ));
            }
        }
        if !(0.0..=0.5).contains(&self.cytoplasmic_blush) {
            return bad(format!(
                "cytoplasmic_blush {} must be in [0, 0.5]",
                self.cytoplasmic_blush
            ));
        }
        let [lo, hi] = self.hematoxylin_scale;
        if !(lo.is_finite() && hi.is_finite() && 0.1 <= lo && lo <= hi && hi <= 3.0) {
            return bad(format!(
                "hematoxylin_scale [{lo}, {hi}] must satisfy 0.1 <= min <= max <= 3"
            ));
        }
        if self
            .counterstain_cast
            .iter()
            .any(|c| !(c.is_finite() && (0.0..=0.3).contains(c)))
        {
            return bad(format!(
                "counterstain_cast {:?} must have each optical density in [0, 0.3]",
                self.counterstain_cast
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_valid_and_serde_round_trips() {
        let c = SynthConfig::default();
        c.validate().unwrap();
        let json = serde_json::to_string(&c).unwrap();
        let back: SynthConfig = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        let partial: SynthConfig =
            serde_json::from_str(r#"{"width": 4000, "class": "positive3"}"#).unwrap();
        assert_eq!(partial.width, 4000);
        assert_eq!(partial.class, Her2Class::Positive3);
        assert!(
            !json.contains("appearance"),
            "the default look is not serialised"
        );
        let tinted = SynthConfig {
            appearance: Appearance::tinted_pale(),
            ..SynthConfig::default()
        };
        let json = serde_json::to_string(&tinted).unwrap();
        assert_eq!(serde_json::from_str::<SynthConfig>(&json).unwrap(), tinted);
    }

    #[test]
    fn unknown_fields_are_rejected_with_their_path() {
        for (json, path) in [
            (r#"{"widht": 4000}"#, "`widht`"),
            (
                r#"{"stain": {"dab_intnse": [0.5, 0.9]}}"#,
                "`stain.dab_intnse`",
            ),
            (
                r#"{"appearance": {"glas": [250, 250, 250]}}"#,
                "`appearance.glas`",
            ),
            (r#"{"cell_mix": {"oops": 1}}"#, "`cell_mix.oops`"),
            (
                r#"{"tumour_nuclei": {"rimm": 0.5}}"#,
                "`tumour_nuclei.rimm`",
            ),
        ] {
            let err = SynthConfig::from_json(json).unwrap_err();
            assert!(matches!(err, SynthError::ConfigText { .. }), "{err:?}");
            let message = err.to_string();
            assert!(message.starts_with(path), "{json}: {message}");
            assert!(message.contains("unknown field"), "{json}: {message}");
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("synth.json");
        std::fs::write(&file, r#"{"stain": {"dab_intnse": [0.5, 0.9]}}"#).unwrap();
        let message = SynthConfig::from_file(&file).unwrap_err().to_string();
        assert!(
            message.contains("synth.json: `stain.dab_intnse`: unknown field"),
            "{message}"
        );
        // known fields still parse, trailing garbage does not
        assert_eq!(
            SynthConfig::from_json(r#"{"width": 4000}"#).unwrap().width,
            4000
        );
        assert!(SynthConfig::from_json(r#"{"width": 4000} x"#).is_err());
    }

    #[test]
    fn bad_values_are_named() {
        let c = SynthConfig {
            mpp: 0.0,
            ..SynthConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("mpp"));
        let c = SynthConfig {
            tile_size: 100,
            ..SynthConfig::default()
        };
        assert!(c.validate().unwrap_err().to_string().contains("tile_size"));
    }
}
