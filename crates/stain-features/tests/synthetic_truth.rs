//! Accuracy on `ihc-synth` tiles with ground truth: cell count, membrane completeness,
//! intensity class and positivity of tumour cells (figures recorded in docs/accuracy.md).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ihc_synth::{CellKind, CellTruth, Her2Class, Intensity, SynthConfig, SyntheticSlide};
use stain_features::{Cell, IntensityClass, StainAnalyzer, StainConfig};

const TILE: u32 = 512;
/// Truth cells closer than this to the tile edge are not scored (their ring is cut).
const MARGIN: f64 = 24.0;
/// Largest centroid distance (px) for a detected cell to match a truth nucleus.
const MATCH_PX: f64 = 7.0;

/// Per-run tallies.
#[derive(Debug, Default)]
struct Tally {
    truth_cells: usize,
    truth_tumour_cells: usize,
    detected_cells: usize,
    scored: usize,
    matched: usize,
    completeness_abs_err: f64,
    class_right: usize,
    positive_right: usize,
    complete_right: usize,
    /// confusion[truth class][detected class]
    confusion: [[usize; 4]; 4],
}

fn class_of(i: Intensity) -> IntensityClass {
    match i {
        Intensity::None => IntensityClass::None,
        Intensity::Faint => IntensityClass::Faint,
        Intensity::WeakModerate => IntensityClass::WeakModerate,
        Intensity::Intense => IntensityClass::Intense,
    }
}

/// Tiles of the slide whose cells are mostly patient tumour cells.
fn tumour_tiles(slide: &SyntheticSlide, want: usize) -> Vec<(u32, u32)> {
    let (w, h) = slide.dimensions();
    let mut tiles = Vec::new();
    for y in (0..h - TILE).step_by(TILE as usize) {
        for x in (0..w - TILE).step_by(TILE as usize) {
            let cells = slide.cells_in(x, y, TILE, TILE);
            let tumour = cells.iter().filter(|c| c.kind == CellKind::Tumour).count();
            if tumour >= 120 {
                tiles.push((x, y));
            }
        }
    }
    tiles.truncate(want);
    tiles
}

fn score_tile(truth: &[CellTruth], cells: &[Cell], x0: u32, y0: u32, t: &mut Tally) {
    t.truth_cells += truth.len();
    t.truth_tumour_cells += truth.iter().filter(|c| c.kind == CellKind::Tumour).count();
    t.detected_cells += cells.len();
    let mut used = vec![false; cells.len()];
    for c in truth {
        let (x, y) = (c.x - f64::from(x0), c.y - f64::from(y0));
        let lim = f64::from(TILE) - MARGIN;
        if c.kind != CellKind::Tumour || x < MARGIN || y < MARGIN || x > lim || y > lim {
            continue;
        }
        t.scored += 1;
        let best = cells
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .map(|(i, d)| (i, (d.centroid[0] - x).hypot(d.centroid[1] - y)))
            .filter(|(_, d)| *d <= MATCH_PX)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some((i, _)) = best else { continue };
        used[i] = true;
        let d = &cells[i];
        t.matched += 1;
        t.completeness_abs_err +=
            (d.ring_coverage - if c.positive { c.completeness } else { 0.0 }).abs();
        t.class_right += usize::from(d.intensity == class_of(c.intensity));
        t.confusion[class_of(c.intensity).index()][d.intensity.index()] += 1;
        t.positive_right += usize::from(d.positive == c.positive);
        t.complete_right += usize::from(d.complete == c.complete);
    }
}

fn evaluate(classes: &[Her2Class], tiles_per_slide: usize) -> Tally {
    let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
    let mut t = Tally::default();
    for (k, &class) in classes.iter().enumerate() {
        let mut cfg = SynthConfig::new(4096, 3072, class, 100 + k as u64);
        cfg.control = false;
        let slide = SyntheticSlide::new(&cfg).unwrap();
        for (x, y) in tumour_tiles(&slide, tiles_per_slide) {
            let img = slide.render_region(x, y, TILE, TILE);
            let (_, cells) = analyzer.analyze_with_cells(&img, cfg.mpp).unwrap();
            score_tile(&slide.cells_in(x, y, TILE, TILE), &cells, x, y, &mut t);
        }
    }
    t
}

#[test]
fn accuracy_on_synthetic_tiles_meets_the_goals() {
    let t = evaluate(&Her2Class::ALL, 3);
    let m = t.matched.max(1) as f64;
    // Counted cells are tumour-sized nuclei (`counting.min_nucleus_um2`): compared with the
    // truth tumour cells; the count against all truth nuclei is printed too.
    let count_err =
        (t.detected_cells as f64 - t.truth_tumour_cells as f64).abs() / t.truth_tumour_cells as f64;
    let all_err = (t.detected_cells as f64 - t.truth_cells as f64) / t.truth_cells as f64;
    let mae = t.completeness_abs_err / m;
    let class_acc = t.class_right as f64 / m;
    let pos_acc = t.positive_right as f64 / m;
    let complete_acc = t.complete_right as f64 / m;
    let recall = t.matched as f64 / t.scored.max(1) as f64;
    eprintln!(
        "synthetic accuracy: truth tumour cells {} counted {} (count error {:.1}%; all truth nuclei {}: {:+.1}%), tumour cells scored {} matched {} ({:.1}%), \
         completeness MAE {mae:.3}, class accuracy {:.1}%, positive accuracy {:.1}%, complete accuracy {:.1}%",
        t.truth_tumour_cells,
        t.detected_cells,
        100.0 * count_err,
        t.truth_cells,
        100.0 * all_err,
        t.scored,
        t.matched,
        100.0 * recall,
        100.0 * class_acc,
        100.0 * pos_acc,
        100.0 * complete_acc
    );
    eprintln!(
        "class confusion (rows truth none/faint/weak-moderate/intense, columns detected): {:?}",
        t.confusion
    );
    assert!(t.scored > 500, "too few tumour cells scored: {}", t.scored);
    assert!(
        count_err <= 0.10,
        "cell count off by {:.1}%",
        100.0 * count_err
    );
    assert!(
        recall >= 0.9,
        "only {:.1}% of tumour cells matched",
        100.0 * recall
    );
    assert!(mae <= 0.1, "completeness MAE {mae:.3}");
    assert!(class_acc >= 0.9, "class accuracy {:.1}%", 100.0 * class_acc);
    assert!(pos_acc >= 0.9, "positive accuracy {:.1}%", 100.0 * pos_acc);
}
