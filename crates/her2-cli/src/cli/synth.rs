//! `her2 synth slide|cohort|patches`: synthetic HER2 IHC slides with ground truth
//! (`ihc-synth`): one slide, a labelled cohort with a manifest, or a patch dataset for the
//! tumour classifier.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ihc_synth::{
    Her2Class, Look, PatchDatasetConfig, SlideFiles, SynthConfig, export_patches, generate_cohort,
    generate_slide_files,
};

/// Arguments of `her2 synth`.
#[derive(Debug, clap::Args)]
pub struct SynthArgs {
    /// What to generate.
    #[command(subcommand)]
    pub command: SynthCommand,
}

/// The `her2 synth` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SynthCommand {
    /// One slide: `<stem>.svs` plus truth JSON, masks, GeoJSON outlines and cells CSV.
    Slide(SlideArgs),
    /// K slides per HER2 class and `manifest.csv` (slide_id, path, label, ...).
    Cohort(CohortArgs),
    /// Random tumour / normal patches in `tumor/`, `normal/` and `index.csv`.
    Patches(PatchesArgs),
}

/// Slide settings shared by `slide` and `cohort`.
#[derive(Debug, clap::Args)]
pub struct SlideSettings {
    /// Slide configuration (JSON, fields of `SynthConfig`; missing fields take defaults);
    /// the options below override it.
    #[arg(long, value_name = "F.json")]
    pub config: Option<PathBuf>,
    /// Level-0 width in pixels.
    #[arg(long)]
    pub width: Option<u32>,
    /// Level-0 height in pixels.
    #[arg(long)]
    pub height: Option<u32>,
    /// Microns per pixel (0.5 = 20x, 0.25 = 40x).
    #[arg(long)]
    pub mpp: Option<f64>,
    /// Seed (same seed, same bytes).
    #[arg(long)]
    pub seed: Option<u64>,
    /// TIFF tile side in pixels.
    #[arg(long)]
    pub tile_size: Option<u32>,
    /// JPEG quality of the tiles.
    #[arg(long)]
    pub quality: Option<u8>,
    /// Leave out the 3+ control piece.
    #[arg(long)]
    pub no_control: bool,
    /// Appearance preset: `classic` (dark uniform nuclei, neutral glass; the default) or
    /// `realistic` / `real` (vesicular tumour nuclei, hematoxylin 0.4x-1.2x per slide,
    /// blue-grey cast). Sets `tumour_nuclei`, `stain.hematoxylin_scale` and
    /// `stain.counterstain_cast` over the config file's.
    #[arg(long, value_parser = parse_look)]
    pub look: Option<Look>,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// Arguments of `her2 synth slide`.
#[derive(Debug, clap::Args)]
pub struct SlideArgs {
    /// HER2 class: null, ultralow, 1plus, 2plus-weak, 2plus-intense, 3plus.
    #[arg(long, value_parser = parse_class)]
    pub class: Option<Her2Class>,
    /// File stem (default `<class>-s<seed>`).
    #[arg(long)]
    pub stem: Option<String>,
    /// Slide settings.
    #[command(flatten)]
    pub settings: SlideSettings,
}

/// Arguments of `her2 synth cohort`.
#[derive(Debug, clap::Args)]
pub struct CohortArgs {
    /// Slides per HER2 class (six classes).
    #[arg(long, default_value_t = 5)]
    pub per_class: usize,
    /// Slide settings (the seed is the cohort's base seed).
    #[command(flatten)]
    pub settings: SlideSettings,
}

/// Arguments of `her2 synth patches`.
#[derive(Debug, clap::Args)]
pub struct PatchesArgs {
    /// Patches per label (this many tumour and this many normal).
    #[arg(long, default_value_t = 500)]
    pub n: usize,
    /// Source slides the patches are drawn from.
    #[arg(long, default_value_t = 12)]
    pub slides: usize,
    /// Patch side in pixels.
    #[arg(long, default_value_t = 256)]
    pub patch_size: u32,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

fn parse_class(text: &str) -> Result<Her2Class, String> {
    Her2Class::from_name(text).ok_or_else(|| {
        format!(
            "unknown class {text:?}: use null, ultralow, 1plus, 2plus-weak, 2plus-intense or 3plus"
        )
    })
}

fn parse_look(text: &str) -> Result<Look, String> {
    Look::from_name(text)
        .ok_or_else(|| format!("unknown look {text:?}: use classic or realistic (real)"))
}

fn load_config(s: &SlideSettings) -> anyhow::Result<SynthConfig> {
    let mut cfg = match &s.config {
        Some(path) => SynthConfig::from_file(path)?,
        None => SynthConfig::default(),
    };
    if let Some(look) = s.look {
        look.apply(&mut cfg);
    }
    cfg.width = s.width.unwrap_or(cfg.width);
    cfg.height = s.height.unwrap_or(cfg.height);
    cfg.mpp = s.mpp.unwrap_or(cfg.mpp);
    cfg.seed = s.seed.unwrap_or(cfg.seed);
    cfg.tile_size = s.tile_size.unwrap_or(cfg.tile_size);
    cfg.jpeg_quality = s.quality.unwrap_or(cfg.jpeg_quality);
    cfg.control &= !s.no_control;
    cfg.validate()?;
    Ok(cfg)
}

fn create_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("{}: cannot create the output folder", dir.display()))
}

/// Runs `her2 synth`.
pub fn run(args: SynthArgs) -> anyhow::Result<()> {
    match args.command {
        SynthCommand::Slide(a) => {
            let mut cfg = load_config(&a.settings)?;
            cfg.class = a.class.unwrap_or(cfg.class);
            create_dir(&a.settings.out)?;
            let stem = a.stem.unwrap_or_else(|| SlideFiles::default_stem(&cfg));
            let files = SlideFiles::new(&a.settings.out, &stem);
            let truth = generate_slide_files(&cfg, &files)?;
            let g = &truth.cells.guideline;
            println!(
                "{}: {} ({}), {} tumour cells, {:.1}% positive, {:.1}% weak-or-stronger complete, {:.1}% intense complete",
                files.svs.display(),
                truth.score,
                truth.category,
                truth.cells.tumour_cells,
                g.positive,
                g.complete_weak_or_stronger,
                g.intense_complete
            );
        }
        SynthCommand::Cohort(a) => {
            let cfg = load_config(&a.settings)?;
            let entries = generate_cohort(&cfg, a.per_class, &a.settings.out)?;
            println!(
                "{} slides and {}",
                entries.len(),
                a.settings.out.join("manifest.csv").display()
            );
        }
        SynthCommand::Patches(a) => {
            let cfg = PatchDatasetConfig {
                patches_per_label: a.n,
                slides: a.slides,
                patch_size: a.patch_size,
                seed: a.seed,
                ..PatchDatasetConfig::default()
            };
            let records = export_patches(&cfg, &a.out)?;
            println!(
                "{} patches and {}",
                records.len(),
                a.out.join("index.csv").display()
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(look: Option<Look>) -> SlideSettings {
        SlideSettings {
            config: None,
            width: Some(2048),
            height: None,
            mpp: Some(0.25),
            seed: None,
            tile_size: None,
            quality: None,
            no_control: false,
            look,
            out: PathBuf::from("unused"),
        }
    }

    #[test]
    fn look_sets_the_appearance_and_keeps_the_options() {
        assert_eq!(parse_look("real"), Ok(Look::Realistic));
        assert!(
            parse_look("pretty")
                .unwrap_err()
                .contains("classic or realistic")
        );
        let classic = load_config(&settings(None)).unwrap();
        assert!(classic.tumour_nuclei.is_none());
        let real = load_config(&settings(Some(Look::Realistic))).unwrap();
        assert!(real.tumour_nuclei.is_some());
        assert_eq!(real.stain.hematoxylin_scale, [0.4, 1.2]);
        assert_eq!((real.width, real.mpp), (2048, 0.25));
        assert_eq!(Look::Classic.config(real), classic);
    }
}
