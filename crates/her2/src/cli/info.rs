//! `her2 info SLIDE [--json]`: what a slide file holds.

use std::path::PathBuf;

/// Arguments of `her2 info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Slide or image file (SVS, TIFF, NDPI, MRXS, ... or PNG/JPEG).
    pub slide: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `her2 info` (implemented with the OpenSlide backend).
pub fn run(args: InfoArgs) -> anyhow::Result<()> {
    anyhow::bail!("{}: info is not implemented yet", args.slide.display())
}
