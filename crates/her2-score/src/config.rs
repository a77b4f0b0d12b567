//! `ScoringConfig`: which rule scores, every rule's thresholds and the flag settings, read from
//! and written to TOML or JSON.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::aggregate::SlideAggregator;
use crate::config_text::{ConfigFormat, parse_config};
use crate::error::{Result, ScoreError};
use crate::flags::FlagConfig;
use crate::intensity::AnchorConfig;
use crate::io::write_atomic;
use crate::rules::{Guideline, PaperIntegrated, RuleKind, Scorer, StainingOnly};

/// How patch features are summed into slide features.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AggregationConfig {
    /// Patches with fewer tumour cells get no score of their own (heterogeneity flag).
    pub min_patch_cells: u64,
}

impl Default for AggregationConfig {
    fn default() -> Self {
        AggregationConfig {
            min_patch_cells: 20,
        }
    }
}

/// Everything scoring needs to know. `Default` gives the paper's Table 4 cuts and the
/// guideline's 10% cuts; `her2 calibrate` writes a file of this type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringConfig {
    /// The rule whose score is reported.
    pub rule: RuleKind,
    /// ASCO/CAP guideline rule settings.
    pub guideline: Guideline,
    /// The paper's integrated rule settings.
    pub paper: PaperIntegrated,
    /// The staining-only rule settings.
    pub staining: StainingOnly,
    /// When flags fire.
    pub flags: FlagConfig,
    /// Aggregation settings.
    pub aggregation: AggregationConfig,
    /// How the intensity cuts are anchored to the slide's control.
    pub intensity: AnchorConfig,
}

impl ScoringConfig {
    /// Checks every rule's thresholds and the flag settings.
    pub fn validate(&self) -> Result<()> {
        self.guideline.validate()?;
        self.paper.validate()?;
        self.staining.validate()?;
        self.intensity.validate()?;
        let margins = [
            (
                "flags.borderline_margin_percent",
                self.flags.borderline_margin_percent,
                100.0,
            ),
            (
                "flags.borderline_relative_margin",
                self.flags.borderline_relative_margin,
                1.0,
            ),
            (
                "flags.heterogeneity_share",
                self.flags.heterogeneity_share,
                1.0,
            ),
        ];
        for (name, value, max) in margins {
            crate::rules::check_threshold(name, value, max)?;
        }
        Ok(())
    }

    /// The scorer of a built-in rule, with this config's thresholds.
    pub fn scorer(&self, kind: RuleKind) -> &dyn Scorer {
        match kind {
            RuleKind::Guideline => &self.guideline,
            RuleKind::Paper => &self.paper,
            RuleKind::Staining => &self.staining,
        }
    }

    /// An empty aggregator with this config's patch rule and per-patch minimum.
    pub fn aggregator(&self) -> SlideAggregator {
        SlideAggregator::new(self.guideline.clone(), self.aggregation.min_patch_cells)
    }

    /// Parses a TOML config and validates it: a parse error names the field
    /// ([`ScoreError::ConfigText`]), a bad value is [`ScoreError::InvalidConfig`].
    pub fn from_toml(text: &str) -> Result<ScoringConfig> {
        let config: ScoringConfig = parse_config(text, ConfigFormat::Toml)?;
        config.validate()?;
        Ok(config)
    }

    /// The config as TOML.
    pub fn to_toml(&self) -> std::result::Result<String, toml::ser::Error> {
        toml::to_string_pretty(self)
    }

    /// Reads a config file (`.json` as JSON, anything else as TOML); missing fields take their
    /// defaults, unknown fields are errors naming the field's path.
    pub fn load(path: &Path) -> Result<ScoringConfig> {
        let text = std::fs::read_to_string(path).map_err(|source| ScoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let in_file = |source: ScoreError| ScoreError::Config {
            path: path.to_path_buf(),
            source: Box::new(source),
        };
        let config: ScoringConfig = parse_config(&text, ConfigFormat::of(path))
            .map_err(|e| in_file(ScoreError::ConfigText(e)))?;
        config.validate().map_err(in_file)?;
        Ok(config)
    }

    /// Writes the config atomically (`.json` as JSON, anything else as TOML).
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = match ConfigFormat::of(path) {
            ConfigFormat::Json => serde_json::to_string_pretty(self).map_err(|err| err.to_string()),
            ConfigFormat::Toml => self.to_toml().map_err(|err| err.to_string()),
        }
        .map_err(|message| ScoreError::Encode {
            path: path.to_path_buf(),
            message,
        })?;
        write_atomic(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_and_json_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = ScoringConfig {
            rule: RuleKind::Paper,
            ..ScoringConfig::default()
        };
        config.paper.two_three.circumferential_ratio = Some(0.6);
        for name in ["scoring.toml", "scoring.json"] {
            let path = dir.path().join(name);
            config.save(&path).unwrap();
            assert_eq!(ScoringConfig::load(&path).unwrap(), config, "{name}");
        }
        let text = config.to_toml().unwrap();
        assert!(text.contains("rule = \"paper\""), "{text}");
    }

    #[test]
    fn partial_files_take_defaults_and_bad_ones_name_the_problem() {
        let config = ScoringConfig::from_toml("[guideline]\nthree_plus_percent = 30.0\n").unwrap();
        assert_eq!(config.guideline.three_plus_percent, 30.0);
        assert_eq!(config.paper, PaperIntegrated::default());
        let err = ScoringConfig::from_toml("[guideline]\nthree_plus = 30.0\n").unwrap_err();
        assert!(
            matches!(&err, ScoreError::ConfigText(e) if e.field == "guideline.three_plus"),
            "{err:?}"
        );
        let err = ScoringConfig::from_toml("[staining]\none_two = 2.0\n").unwrap_err();
        assert!(
            matches!(&err, ScoreError::InvalidConfig { field, .. } if field.starts_with("staining.one_two")),
            "{err:?}"
        );
        assert!(err.to_string().contains("staining.one_two"), "{err}");
        // nested: the flags' control expectation
        let err = ScoringConfig::from_toml("[flags.control]\nmin_cels = 3\n").unwrap_err();
        assert!(
            err.to_string().contains("`flags.control.min_cels`"),
            "{err}"
        );

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "rule = \"magic\"\n").unwrap();
        let err = ScoringConfig::load(&path).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("magic"), "{err}");
        let err = ScoringConfig::load(&dir.path().join("absent.toml"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("absent.toml"), "{err}");
    }

    #[test]
    fn scorer_follows_the_kind() {
        let config = ScoringConfig::default();
        for kind in RuleKind::ALL {
            assert_eq!(config.scorer(kind).name(), kind.name());
        }
    }
}
