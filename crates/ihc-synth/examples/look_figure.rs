//! The figure of `docs/ihc-synth.md` (section Looks): a crop of a synthetic 2+ slide in the
//! classic and the realistic look, and optionally a crop of a real scan, side by side at the
//! same scale (0.25 um/px, 40x).
//!
//! `cargo run --release -p ihc-synth --example look_figure -- OUT.png [REAL_IMAGE X Y] [SEED]`
//!
//! The synthetic crops are centred on the tumour cell with the most tumour neighbours; the real crop is the `PANEL` square at (X, Y) of REAL_IMAGE (any format the
//! `image` crate reads, taken to be at 0.25 um/px too).

use std::path::PathBuf;

use ihc_synth::{CellKind, Her2Class, Look, SynthConfig, SyntheticSlide};
use image::{Rgb, RgbImage};

/// Side of each panel (px at 0.25 um/px: 56 um); three panels stay under 300 KB of PNG.
const PANEL: u32 = 224;
/// White gap between panels.
const GAP: u32 = 6;

/// A `PANEL` crop of a 2+ slide in `look`, centred on a tumour cell near the tumour's middle.
fn synthetic(look: Look, seed: u64) -> Result<RgbImage, Box<dyn std::error::Error>> {
    let cfg = look.config(SynthConfig {
        mpp: 0.25,
        control: false,
        tissue_fraction: [0.6, 0.7],
        ..SynthConfig::new(4096, 4096, Her2Class::Equivocal2WeakComplete, seed)
    });
    let slide = SyntheticSlide::new(&cfg)?;
    let cells = slide.cells_in(0, 0, 4096, 4096);
    let tumour: Vec<_> = cells
        .iter()
        .filter(|c| c.kind == CellKind::Tumour)
        .collect();
    // The tumour cell with the most tumour neighbours within the panel: a crop inside a nest.
    let half = f64::from(PANEL / 2);
    let centre = tumour
        .iter()
        .max_by_key(|c| {
            tumour
                .iter()
                .filter(|o| (o.x - c.x).abs() < half && (o.y - c.y).abs() < half)
                .count()
        })
        .ok_or("no tumour cells")?;
    let x = (centre.x - half).clamp(0.0, f64::from(4096 - PANEL)) as u32;
    let y = (centre.y - half).clamp(0.0, f64::from(4096 - PANEL)) as u32;
    Ok(slide.render_region(x, y, PANEL, PANEL))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: look_figure OUT.png [REAL_IMAGE X Y] [SEED]";
    let out = PathBuf::from(args.first().ok_or(usage)?);
    let real = match args.get(1..4) {
        Some([path, x, y]) => {
            let image = image::open(path)
                .map_err(|e| format!("{path}: cannot read the image: {e}"))?
                .to_rgb8();
            let (x, y): (u32, u32) = (x.parse()?, y.parse()?);
            if x + PANEL > image.width() || y + PANEL > image.height() {
                return Err(format!("{path}: the crop at ({x}, {y}) leaves the image").into());
            }
            Some(image::imageops::crop_imm(&image, x, y, PANEL, PANEL).to_image())
        }
        _ => None,
    };
    let seed_at = if real.is_some() { 4 } else { 1 };
    let seed = args.get(seed_at).map_or(Ok(3), |s| s.parse())?;
    let mut panels = vec![
        synthetic(Look::Classic, seed)?,
        synthetic(Look::Realistic, seed)?,
    ];
    panels.extend(real);
    let k = panels.len() as u32;
    let mut figure = RgbImage::from_pixel(k * PANEL + (k - 1) * GAP, PANEL, Rgb([255; 3]));
    for (i, panel) in panels.iter().enumerate() {
        image::imageops::replace(&mut figure, panel, i64::from(i as u32 * (PANEL + GAP)), 0);
    }
    figure.save(&out)?;
    println!("{}: {k} panels of {PANEL} px at 0.25 um/px", out.display());
    Ok(())
}
