//! `ndarray` at the seams: a synthetic 3+ slide held in memory, its tumour probability grid
//! and mask as arrays, one patch's hematoxylin and DAB planes as zero-copy views, and its
//! cells as a numeric table.
//!
//! `cargo run -p her2 --features ndarray --example ndarray_seams`

use her2::ihc_synth::{Her2Class, SynthConfig, SyntheticSlide};
use her2::ndarray::{Axis, s};
use her2::stain_features::{
    CELL_TABLE_COLUMNS, Deconvolver, Stain, StainAnalyzer, StainConfig, StainMatrix, cell_table,
};
use her2::tumor_classifier::{
    AllTissueTumor, InferenceConfig, MaskConfig, Rect, TumorModel, classify_slide,
};
use her2::wsi_io::{ImageSlide, Mpp, OpenOptions, Slide};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The slide's resolution (20x).
const MPP: f64 = 0.5;

fn main() -> Result<(), Error> {
    // A 2048 px square synthetic 3+ slide, rendered into memory.
    let side = 2048;
    let synthetic = SyntheticSlide::new(&SynthConfig::new(side, side, Her2Class::Positive3, 3))?;
    let image = synthetic.render_region(0, 0, side, side);
    let slide = ImageSlide::from_rgb(
        "synthetic-3plus",
        image.clone(),
        "generated",
        &OpenOptions::with_mpp(Mpp::square(MPP)),
    )?;

    // The tumour probability grid as an Array2 (NaN off tissue) and the mask as a view.
    let model = AllTissueTumor::default();
    let is_tissue = |rect: Rect| {
        let patch = slide.read_region(
            rect.x as i64,
            rect.y as i64,
            0,
            rect.w as u32,
            rect.h as u32,
        );
        patch.is_ok_and(|p| {
            let mean = p.pixels().map(|px| f64::from(px[1])).sum::<f64>() / p.pixels().len() as f64;
            mean < 220.0
        })
    };
    let map = classify_slide(&slide, &model, &is_tissue, &InferenceConfig::default())?;
    let probabilities = map.probability_array();
    let on_tissue = probabilities.iter().filter(|p| !p.is_nan()).count();
    println!(
        "tumour grid {:?} (rows x cols, {} px cells at {} um/px), {on_tissue} cells on tissue",
        probabilities.dim(),
        map.geometry.cell_size,
        model.mpp()
    );
    let mask = map.tumor_mask(&MaskConfig::default());
    let mask_view = mask
        .view()
        .ok_or("tumour mask of another size than its grid")?;
    let per_row: Vec<usize> = mask_view
        .axis_iter(Axis(0))
        .map(|row| row.iter().filter(|&&t| t).count())
        .collect();
    println!("tumour cells per grid row: {per_row:?}");

    // One 512 px patch: stain planes as views over the deconvolution's own buffers.
    let patch = image::imageops::crop_imm(&image, 768, 768, 512, 512).to_image();
    let planes = Deconvolver::od10(&StainMatrix::qupath_h_dab())?.deconvolve(&patch);
    let hematoxylin = planes
        .view(Stain::Hematoxylin)
        .ok_or("no hematoxylin plane")?;
    let dab = planes.view(Stain::Dab).ok_or("no DAB plane")?;
    println!(
        "patch planes {:?}: mean hematoxylin OD {:.3}, mean DAB OD {:.3}, DAB OD of the centre 64 px {:.3}",
        dab.dim(),
        hematoxylin.mean().unwrap_or(0.0),
        dab.mean().unwrap_or(0.0),
        dab.slice(s![224..288, 224..288]).mean().unwrap_or(0.0),
    );

    // The patch's cells as a table, one row per cell.
    let analyzer = StainAnalyzer::new(StainConfig::default())?;
    let (features, cells) = analyzer.analyze_with_cells(&patch, MPP)?;
    let table = cell_table(&cells);
    let column = |name: &str| CELL_TABLE_COLUMNS.iter().position(|c| *c == name);
    let (area, dab_od, positive) = (
        column("area_um2").ok_or("no area column")?,
        column("membrane_dab_od").ok_or("no DAB column")?,
        column("positive").ok_or("no positive column")?,
    );
    println!(
        "{} cells ({} positive): mean nucleus {:.1} um^2, mean membrane DAB OD {:.3}, {} positive in the table",
        features.cell_count,
        features.positive_cells,
        table.column(area).mean().unwrap_or(0.0),
        table.column(dab_od).mean().unwrap_or(0.0),
        table.column(positive).sum(),
    );
    Ok(())
}
