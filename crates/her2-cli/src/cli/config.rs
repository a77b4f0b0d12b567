//! `her2 config`: print the full pipeline configuration (the paper's defaults, or a file's
//! values completed with them) as TOML, to start a config file from.

use std::path::PathBuf;

use her2::PipelineConfig;

/// Arguments of `her2 config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// A config file to complete with the defaults and check (TOML, or JSON by extension).
    pub file: Option<PathBuf>,
}

/// Runs `her2 config`.
pub fn run(args: ConfigArgs) -> anyhow::Result<()> {
    let config = match &args.file {
        Some(path) => PipelineConfig::load(path)?,
        None => PipelineConfig::default(),
    };
    print!("{}", config.to_toml()?);
    Ok(())
}
