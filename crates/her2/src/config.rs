//! [`PipelineConfig`]: every stage's settings in one serde document (TOML or JSON), with the
//! paper's values as defaults. The full config used goes into each report.

use std::path::Path;

use serde::{Deserialize, Serialize};

use her2_score::{ConfigFormat, parse_config};

use crate::error::{Her2Error, Result};

/// Settings of the whole pipeline. `Default` is the paper's method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct PipelineConfig {
    /// Tissue detection on the thumbnail.
    pub tissue: TissueStepConfig,
    /// Tumour classification over the tissue.
    pub tumor: TumorStepConfig,
    /// Stain analysis of the tumour.
    pub features: FeatureStepConfig,
    /// Slide scoring: the rule, its thresholds and the flags.
    pub scoring: her2_score::ScoringConfig,
}

/// Stage 1 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TissueStepConfig {
    /// Longer side of the thumbnail the tissue is found on, in pixels.
    pub thumbnail_max_side: u32,
    /// The detector's settings (HSV + Otsu, morphology, control heuristic).
    pub detector: tissue_mask::TissueConfig,
}

impl Default for TissueStepConfig {
    fn default() -> Self {
        Self {
            thumbnail_max_side: 2048,
            detector: tissue_mask::TissueConfig::default(),
        }
    }
}

/// Stage 2 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TumorStepConfig {
    /// A classifier patch is classified when at least this fraction of it is scored tissue.
    pub min_tissue_fraction: f64,
    /// Batch size, tumour threshold and mask clean-up.
    pub inference: tumor_classifier::InferenceConfig,
}

impl Default for TumorStepConfig {
    fn default() -> Self {
        Self {
            min_tissue_fraction: 0.5,
            inference: tumor_classifier::InferenceConfig::default(),
        }
    }
}

/// Stage 3 settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureStepConfig {
    /// Feature patches: 512 px at 0.5 um/px in the paper. `keep_partial` (default on) also
    /// analyses the partial patches of the right and bottom edges, each measured on its part
    /// inside the slide, so that no tissue at those edges is left out.
    pub grid: wsi_io::PatchGridConfig,
    /// A feature patch is analysed when at least this fraction of it is tumour.
    pub min_tumor_fraction: f64,
    /// Micrometres of tissue read around each feature patch so that a cell near its border
    /// keeps its whole nucleus and membrane ring; a cell counts in the patch that holds its
    /// centroid (0: each patch analysed alone, cells cut at its border).
    pub context_um: f64,
    /// Patches analysed at once (bounds memory: each holds one patch's pixels and planes).
    pub chunk: usize,
    /// Most patches of the control piece analysed to check its staining (0: do not check).
    pub max_control_patches: usize,
    /// Most tumour patches (spread over the slide) read to estimate the slide's stain vectors
    /// when `stain.stain_estimation.enabled`.
    pub max_estimation_patches: usize,
    /// Take off every pixel's optical density, per channel, what the slide's glass (as the
    /// tissue step estimated it) reads beyond `reference_glass_od`: a dimmer or tinted scan
    /// then adds no stain. Without a glass estimate (a mask or ROI given) nothing is taken off.
    pub od_against_glass: bool,
    /// Base-10 OD per channel of the glass the stain settings were made on (`ihc-synth`'s
    /// default glass, 0.022; real scans' glass reads 0.02-0.04): glass up to it is left
    /// alone, so that the nucleus and membrane thresholds keep their meaning.
    pub reference_glass_od: f64,
    /// Deconvolution, brown range, segmentation and membrane settings.
    pub stain: stain_features::StainConfig,
}

impl Default for FeatureStepConfig {
    fn default() -> Self {
        Self {
            grid: wsi_io::PatchGridConfig {
                patch_px: 512,
                target_mpp: 0.5,
                keep_partial: true,
                ..wsi_io::PatchGridConfig::default()
            },
            min_tumor_fraction: 0.5,
            context_um: 16.0,
            chunk: 64,
            max_control_patches: 16,
            max_estimation_patches: 16,
            od_against_glass: true,
            reference_glass_od: 0.022,
            stain: stain_features::StainConfig::default(),
        }
    }
}

impl PipelineConfig {
    /// Reads a config file: JSON when the extension is `.json`, TOML otherwise. Missing fields
    /// take their defaults; unknown fields, at any depth, are an error naming the field's path
    /// (`tissue.detector.opning_um`): a typo must not pass silently.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Her2Error::io(path, e))?;
        let config: Self = parse_config(&text, ConfigFormat::of(path)).map_err(|source| {
            Her2Error::ConfigFile {
                path: path.to_path_buf(),
                source,
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks the values every stage depends on.
    pub fn validate(&self) -> Result<()> {
        let invalid =
            |field: &'static str, reason: String| Her2Error::InvalidConfig { field, reason };
        let fraction = |field: &'static str, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(invalid(field, format!("must be in [0, 1], got {v}")))
            }
        };
        fraction("tumor.min_tissue_fraction", self.tumor.min_tissue_fraction)?;
        fraction(
            "features.min_tumor_fraction",
            self.features.min_tumor_fraction,
        )?;
        let glass = self.features.reference_glass_od;
        if !(glass.is_finite() && (0.0..=1.0).contains(&glass)) {
            return Err(invalid(
                "features.reference_glass_od",
                format!("must be in [0, 1], got {glass}"),
            ));
        }
        let context = self.features.context_um;
        if !(context.is_finite() && (0.0..=100.0).contains(&context)) {
            return Err(invalid(
                "features.context_um",
                format!("must be in [0, 100], got {context}"),
            ));
        }
        if self.tissue.thumbnail_max_side < 16 {
            return Err(invalid(
                "tissue.thumbnail_max_side",
                format!(
                    "must be at least 16, got {}",
                    self.tissue.thumbnail_max_side
                ),
            ));
        }
        if self.features.chunk == 0 {
            return Err(invalid("features.chunk", "must be at least 1".into()));
        }
        self.features.grid.validate()?;
        self.features.stain.validate()?;
        self.scoring.validate()?;
        Ok(())
    }

    /// The config as TOML, for writing a template or recording what was used.
    pub fn to_toml(&self) -> Result<String> {
        Ok(toml::to_string_pretty(self)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_papers_and_valid() {
        let config = PipelineConfig::default();
        config.validate().unwrap();
        assert_eq!(config.features.grid.patch_px, 512);
        assert_eq!(config.features.grid.target_mpp, 0.5);
        assert_eq!(config.tissue.thumbnail_max_side, 2048);
    }

    #[test]
    fn toml_round_trip_keeps_every_value() {
        let mut config = PipelineConfig::default();
        config.tumor.min_tissue_fraction = 0.25;
        let text = config.to_toml().unwrap();
        let back: PipelineConfig = toml::from_str(&text).unwrap();
        assert_eq!(back, config);
    }

    #[test]
    fn load_rejects_unknown_fields_and_bad_values() {
        let dir = tempfile::tempdir().unwrap();
        let typo = dir.path().join("typo.toml");
        std::fs::write(&typo, "[tumor]\nmin_tisue_fraction = 0.3\n").unwrap();
        let err = PipelineConfig::load(&typo).unwrap_err().to_string();
        assert!(err.contains("typo.toml"), "{err}");
        assert!(err.contains("`tumor.min_tisue_fraction`"), "{err}");
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, r#"{"features": {"min_tumor_fraction": 2.0}}"#).unwrap();
        let err = PipelineConfig::load(&bad).unwrap_err();
        assert!(
            matches!(
                err,
                Her2Error::InvalidConfig {
                    field: "features.min_tumor_fraction",
                    ..
                }
            ),
            "{err:?}"
        );
    }

    /// Loads `text` as a TOML (or, with `json`, JSON) config file and returns the error's text.
    fn load_error(text: &str, json: bool) -> String {
        let dir = tempfile::tempdir().unwrap();
        let path = dir
            .path()
            .join(if json { "config.json" } else { "config.toml" });
        std::fs::write(&path, text).unwrap();
        let err = PipelineConfig::load(&path).unwrap_err();
        assert!(matches!(err, Her2Error::ConfigFile { .. }), "{err:?}");
        err.to_string()
    }

    /// Every nested config rejects a field it does not have, and says where it is.
    #[test]
    fn unknown_nested_fields_are_rejected_with_their_path() {
        let cases = [
            // tissue_mask::TissueConfig and its nested configs
            (
                "[tissue.detector]\nopning_um = 3\n",
                "tissue.detector.opning_um",
            ),
            (
                "[tissue.detector.glass]\nbrigth_percentile = 0.9\n",
                "tissue.detector.glass.brigth_percentile",
            ),
            (
                "[tissue.detector.control]\nenabeld = false\n",
                "tissue.detector.control.enabeld",
            ),
            // tumor_classifier::InferenceConfig and MaskConfig
            ("[tumor.inference]\nbatch = 8\n", "tumor.inference.batch"),
            (
                "[tumor.inference.mask]\nthreshhold = 0.4\n",
                "tumor.inference.mask.threshhold",
            ),
            // a run-time choice, not a configuration
            (
                "[tumor.inference]\nshow_progress = true\n",
                "tumor.inference.show_progress",
            ),
            // wsi_io::PatchGridConfig
            ("[features.grid]\npatch = 256\n", "features.grid.patch"),
            // stain_features::StainConfig and its nested configs
            ("[features.stain]\nmatirx = 1\n", "features.stain.matirx"),
            (
                "[features.stain.matrix]\nnmae = \"x\"\n",
                "features.stain.matrix.nmae",
            ),
            (
                "[features.stain.brown]\nhue = 3\n",
                "features.stain.brown.hue",
            ),
            (
                "[features.stain.segmentation]\nmin_area = 3\n",
                "features.stain.segmentation.min_area",
            ),
            (
                "[features.stain.segmentation.local]\nsigma = 3\n",
                "features.stain.segmentation.local.sigma",
            ),
            (
                "[features.stain.membrane]\nring_um = 3\n",
                "features.stain.membrane.ring_um",
            ),
            (
                "[features.stain.positivity]\nmethd = 3\n",
                "features.stain.positivity.methd",
            ),
            (
                "[features.stain.classes]\nstrong = 0.5\n",
                "features.stain.classes.strong",
            ),
            (
                "[features.stain.counting]\nmin_um2 = 3\n",
                "features.stain.counting.min_um2",
            ),
            (
                "[features.stain.stain_estimation]\nenable = true\n",
                "features.stain.stain_estimation.enable",
            ),
            // her2_score::ScoringConfig (already strict) keeps its paths too
            (
                "[scoring.flags.control]\nmin_cels = 3\n",
                "scoring.flags.control.min_cels",
            ),
        ];
        for (text, path) in cases {
            let err = load_error(text, false);
            assert!(err.contains(&format!("`{path}`")), "{text}: {err}");
        }
        let err = load_error(r#"{"tissue": {"detector": {"opning_um": 3}}}"#, true);
        assert!(err.contains("`tissue.detector.opning_um`"), "{err}");
    }

    #[test]
    fn show_progress_is_not_saved() {
        let text = PipelineConfig::default().to_toml().unwrap();
        assert!(!text.contains("show_progress"), "{text}");
        assert!(text.contains("batch_size"), "{text}");
    }
}
