//! `her2 score SLIDE --out DIR`: score one slide and write its report and evidence.

use std::io::IsTerminal;
use std::path::PathBuf;

use her2::{SlideRequest, TissueSource};

use crate::cli::pipeline_args::PipelineArgs;

/// Arguments of `her2 score`.
#[derive(Debug, clap::Args)]
pub struct ScoreArgs {
    /// Slide or image file.
    pub slide: PathBuf,
    /// Output folder: report.json, patches.csv, heatmap.png, overlay.png, tumor.geojson,
    /// cells.geojson.
    #[arg(long)]
    pub out: PathBuf,
    /// Score only the tissue inside these polygons (GeoJSON in level-0 coordinates, any form
    /// QuPath exports, `.gz` too; features classified `Ignore*` left out).
    #[arg(long, value_name = "F.geojson", conflicts_with = "mask")]
    pub roi: Option<PathBuf>,
    /// Use this tissue mask image (non-zero = tissue) instead of the automatic mask.
    #[arg(long, value_name = "F.png")]
    pub mask: Option<PathBuf>,
    /// Leave this tissue piece out of scoring (ids as numbered by `her2 tissue`); repeatable.
    #[arg(long = "exclude-piece", value_name = "ID")]
    pub exclude_piece: Vec<u32>,
    /// Print the report as JSON on stdout instead of the one-line summary.
    #[arg(long)]
    pub json: bool,
    /// How to build the pipeline.
    #[command(flatten)]
    pub pipeline: PipelineArgs,
}

impl ScoreArgs {
    /// What to ask of the pipeline for this slide.
    pub fn request(&self) -> SlideRequest {
        SlideRequest {
            mpp: self.pipeline.mpp,
            tissue: match (&self.roi, &self.mask) {
                (Some(roi), _) => TissueSource::Roi(roi.clone()),
                (None, Some(mask)) => TissueSource::MaskImage(mask.clone()),
                (None, None) => TissueSource::Detect,
            },
            exclude_pieces: self.exclude_piece.clone(),
            keep_cells: !self.pipeline.no_cells,
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// Runs `her2 score`.
pub fn run(args: ScoreArgs) -> anyhow::Result<()> {
    let pipeline = args.pipeline.pipeline()?;
    let analysis = pipeline.run(&args.slide, &args.request())?;
    her2::write_outputs(&analysis, &args.out, args.pipeline.output_options())?;
    let report = &analysis.report;
    if args.json {
        println!("{}", serde_json::to_string_pretty(report)?);
    } else {
        println!(
            "{}: {} [{} tumour patches, {} cells, {:.1} s] -> {}",
            args.slide.display(),
            report.assessment.summary(),
            report.tumor.feature_patches,
            report.features.cells,
            report.timings_ms.total / 1e3,
            args.out.display()
        );
    }
    Ok(())
}
