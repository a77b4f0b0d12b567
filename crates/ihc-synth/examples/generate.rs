//! A tour of the in-memory API (what `her2 synth slide` does not show): build one synthetic
//! slide, print its truth, render a thumbnail and a full-resolution region around a tumour
//! cell, and write them with the region's cells and the tissue and tumour masks.
//!
//! `cargo run --release -p ihc-synth --example generate -- OUT_DIR [CLASS] [SEED]`
//!
//! CLASS is one of null, ultralow, 1plus, 2plus-weak, 2plus-intense, 3plus (default 2plus-weak).
//! Writes `thumbnail.png`, `region.png`, `region.cells.csv`, `tissue.png`, `tumor.png` in OUT_DIR.

use std::fmt::Write as _;
use std::path::PathBuf;

use ihc_synth::{CellKind, Her2Class, SynthConfig, SyntheticSlide};

/// Side of the rendered full-resolution region.
const REGION: u32 = 1024;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(
        args.next()
            .ok_or("usage: generate OUT_DIR [CLASS] [SEED]")?,
    );
    let class = match args.next() {
        Some(name) => Her2Class::from_name(&name).ok_or(format!("unknown class {name:?}"))?,
        None => Her2Class::Equivocal2WeakComplete,
    };
    let seed = args.next().map_or(Ok(1), |s| s.parse())?;
    std::fs::create_dir_all(&out)?;

    // Layout and cells are fixed here; nothing is rendered yet.
    let cfg = SynthConfig::new(6144, 4096, class, seed);
    let slide = SyntheticSlide::new(&cfg)?;
    let truth = slide.truth();
    let g = &truth.cells.guideline;
    println!(
        "{} ({}): {} tumour cells, {:.1}% positive, {:.1}% weak-or-stronger complete, \
         {:.1}% intense complete; tissue {:.0}% of the slide, control {}",
        truth.score,
        truth.category,
        truth.cells.tumour_cells,
        g.positive,
        g.complete_weak_or_stronger,
        g.intense_complete,
        100.0 * truth.tissue_fraction,
        truth.control_present
    );

    // A thumbnail is rendered directly at low resolution, not downsampled from level 0.
    slide
        .render_thumbnail(1024)
        .save(out.join("thumbnail.png"))?;
    let ds = 8.0;
    slide.tissue_mask(ds).save(out.join("tissue.png"))?;
    slide.tumor_mask(ds).save(out.join("tumor.png"))?;

    // Full resolution around the median patient tumour cell (by id).
    let (w, h) = slide.dimensions();
    let tumour: Vec<_> = slide
        .cells_in(0, 0, w, h)
        .into_iter()
        .filter(|c| c.kind == CellKind::Tumour)
        .collect();
    let centre = &tumour[tumour.len() / 2];
    let x = (centre.x as u32).saturating_sub(REGION / 2).min(w - REGION);
    let y = (centre.y as u32).saturating_sub(REGION / 2).min(h - REGION);
    slide
        .render_region(x, y, REGION, REGION)
        .save(out.join("region.png"))?;

    // The truth of every cell in the region, in region coordinates.
    let mut csv = String::from("id,x,y,kind,intensity,completeness,complete\n");
    let cells = slide.cells_in(x, y, REGION, REGION);
    for c in &cells {
        writeln!(
            csv,
            "{},{:.1},{:.1},{},{},{:.2},{}",
            c.id,
            c.x - x as f64,
            c.y - y as f64,
            c.kind.name(),
            c.intensity.name(),
            c.completeness,
            c.complete
        )?;
    }
    std::fs::write(out.join("region.cells.csv"), csv)?;
    println!(
        "region ({x}, {y}) {REGION}x{REGION}: {} cells; files in {}",
        cells.len(),
        out.display()
    );
    Ok(())
}
