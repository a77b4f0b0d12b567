//! The `her2` command line: one subcommand per job, each in its own module under `cli/`.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// HER2 IHC whole-slide scoring (0 / 1+ / 2+ / 3+) with its evidence.
#[derive(Debug, Parser)]
#[command(name = "her2", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands; each variant's arguments and `run` live in `cli/<name>.rs`.
#[derive(Debug, Subcommand)]
enum Command {
    /// Score one slide: report.json, patches.csv, heatmap/overlay PNGs, tumour and cell GeoJSON.
    Score(cli::score::ScoreArgs),
    /// Score a cohort (manifest CSV or folder), shardable and resumable, with a summary table.
    Batch(cli::batch::BatchArgs),
    /// Score a labelled cohort and compare every rule with the labels.
    Eval(cli::eval::EvalArgs),
    /// Print the full pipeline configuration (defaults, or a file completed with them) as TOML.
    Config(cli::config::ConfigArgs),
    /// Find the tissue on a slide's thumbnail: mask, numbered pieces, control piece, GeoJSON.
    Tissue(cli::tissue::TissueArgs),
    /// Cells of one region: overlay PNG, QuPath cell GeoJSON and the region's stain features.
    Cells(cli::cells::CellsArgs),
    /// Score nucleus detection against annotated nuclei (CSV, label image or colour mask).
    EvalNuclei(cli::eval_nuclei::EvalNucleiArgs),
    /// Print a slide's vendor, levels, dimensions, downsamples, MPP and associated images.
    Info(cli::info::InfoArgs),
    /// Fit a scoring rule's thresholds to labelled slides and write a config for `score`.
    Calibrate(cli::calibrate::CalibrateArgs),
    /// Train the tumour / non-tumour patch classifier (ResNet) on patch folders or annotated slides.
    Train(cli::train::TrainArgs),
    /// Import a ResNet trained in PyTorch (torchvision names) as a checkpoint for `score --model`.
    ImportModel(cli::import_model::ImportModelArgs),
    /// Tumour probability map of a slide: heatmap, per-patch CSV, tumour mask and GeoJSON.
    TumorMap(cli::tumor_map::TumorMapArgs),
    /// Synthetic HER2 IHC slides with ground truth: one slide, a labelled cohort, patches.
    Synth(cli::synth::SynthArgs),
    /// A local deep-zoom viewer of a slide in the browser, with the results of `score` as layers.
    View(cli::view::ViewArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Score(args) => cli::score::run(args),
        Command::Batch(args) => cli::batch::run(args),
        Command::Eval(args) => cli::eval::run(args),
        Command::Config(args) => cli::config::run(args),
        Command::Tissue(args) => cli::tissue::run(args),
        Command::Cells(args) => cli::cells::run(args),
        Command::EvalNuclei(args) => cli::eval_nuclei::run(args),
        Command::Info(args) => cli::info::run(args),
        Command::Calibrate(args) => cli::calibrate::run(args),
        Command::Train(args) => cli::train::run(args),
        Command::ImportModel(args) => cli::import_model::run(args),
        Command::TumorMap(args) => cli::tumor_map::run(args),
        Command::Synth(args) => cli::synth::run(args),
        Command::View(args) => cli::view::run(args),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("her2: error: {}", cli::one_line(&err));
            ExitCode::FAILURE
        }
    }
}
