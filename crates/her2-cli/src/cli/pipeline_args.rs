//! Arguments shared by `score`, `batch` and `eval`: how to build the pipeline and what to write.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use her2::her2_score::{RuleKind, ScoringConfig};
use her2::tumor_classifier::{
    AllTissueTumor, AnnotatedTumor, ComputeDevice, CpuKernel, ResNetTumorModel, TumorModel,
};
use her2::{OutputOptions, Pipeline, PipelineBuilder, PipelineConfig};

/// How to build the pipeline.
#[derive(Debug, Clone, clap::Args)]
pub struct PipelineArgs {
    /// Pipeline configuration (TOML, or JSON by extension); missing fields take the paper's
    /// defaults. `her2 config` prints the full default file.
    #[arg(long, value_name = "F.toml")]
    pub config: Option<PathBuf>,
    /// Scoring configuration written by `her2 calibrate` (replaces the config's `[scoring]`).
    #[arg(long, value_name = "F.toml")]
    pub scoring: Option<PathBuf>,
    /// The rule whose score is reported (all three are computed and kept in the report).
    #[arg(long, value_name = "guideline|paper|staining")]
    pub rule: Option<RuleKind>,
    /// Tumour classifier checkpoint (from `her2 train`).
    #[arg(long, value_name = "F.bpk", required_unless_present_any = ["all_tissue", "tumor_geojson"])]
    pub model: Option<PathBuf>,
    /// Treat all tissue as tumour (for slides or ROIs already restricted to tumour).
    #[arg(long, conflicts_with_all = ["model", "tumor_geojson"])]
    pub all_tissue: bool,
    /// Tumour = the polygons of this GeoJSON (level-0 coordinates, e.g. a QuPath export in
    /// any form, `.gz` too): those classified Tumor when any feature is classified.
    #[arg(long, value_name = "F.geojson", conflicts_with = "model")]
    pub tumor_geojson: Option<PathBuf>,
    /// Device for the classifier: cpu, or cuda / cuda:N (needs the `cuda` build feature).
    #[arg(long, default_value = "cpu")]
    pub device: ComputeDevice,
    /// How the classifier runs on the CPU: folded (batch norm folded into the convolutions,
    /// the fast default) or burn (burn's backend, as in training); same probabilities.
    #[arg(long, default_value = "folded", value_name = "folded|burn")]
    pub cpu_kernel: CpuKernel,
    /// Level-0 microns per pixel, for slides that do not state it or to override the file.
    #[arg(long)]
    pub mpp: Option<f64>,
    /// Do not keep cells (no cells.geojson; faster and smaller on big slides).
    #[arg(long)]
    pub no_cells: bool,
    /// Gzip the GeoJSON outputs.
    #[arg(long)]
    pub gzip: bool,
}

impl PipelineArgs {
    /// The configuration: file (or defaults), then `--scoring`, then `--rule`.
    pub fn pipeline_config(&self) -> anyhow::Result<PipelineConfig> {
        let mut config = match &self.config {
            Some(path) => PipelineConfig::load(path)?,
            None => PipelineConfig::default(),
        };
        if let Some(path) = &self.scoring {
            config.scoring = ScoringConfig::load(path)?;
        }
        if let Some(rule) = self.rule {
            config.scoring.rule = rule;
        }
        config.validate()?;
        Ok(config)
    }

    /// The tumour model the arguments name.
    pub fn tumor_model(&self) -> anyhow::Result<Arc<dyn TumorModel>> {
        if self.all_tissue {
            return Ok(Arc::new(AllTissueTumor::default()));
        }
        if let Some(path) = &self.tumor_geojson {
            return Ok(Arc::new(AnnotatedTumor::from_geojson(path)?));
        }
        let path = self
            .model
            .as_ref()
            .context("no tumour model: give --model, --all-tissue or --tumor-geojson")?;
        Ok(Arc::new(
            ResNetTumorModel::from_checkpoint(path, self.device)?
                .with_cpu_kernel(self.cpu_kernel)?,
        ))
    }

    /// The pipeline.
    pub fn pipeline(&self) -> anyhow::Result<Pipeline> {
        Ok(PipelineBuilder::new(self.pipeline_config()?)
            .tumor_model(self.tumor_model()?)
            .build()?)
    }

    /// Which optional files to write.
    pub fn output_options(&self) -> OutputOptions {
        OutputOptions {
            cells: !self.no_cells,
            gzip: self.gzip,
        }
    }
}
