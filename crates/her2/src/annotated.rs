//! A tumour the user gave (GeoJSON polygons or a mask, [`TumorAnnotation`]) is the tumour: the
//! feature patches are every patch where the annotation meets scored tissue, sampled at a few
//! micrometres (so nests smaller than a classifier cell count), and a patch's cells count only
//! when their centroid lies inside the annotation.

use stain_features::{Cell, ClassCounts, MembraneOdHistogram, PatchFeatures};
use tissue_mask::TissueMask;
use tumor_classifier::TumorAnnotation;
use wsi_io::{Patch, Rect};

/// Spacing (micrometres) of the samples that measure where an annotation meets tissue in a
/// feature patch: below a tumour cell's size, so that a nest of a few cells is seen.
pub const ANNOTATION_SAMPLE_UM: f64 = 4.0;

/// The feature patches of `patches` that the annotation touches on scored tissue, each with
/// the fraction of its in-slide part (`in_slide(rect)`) that is annotated tissue.
pub fn annotated_patches(
    patches: impl Iterator<Item = Patch>,
    annotation: &TumorAnnotation,
    tissue: &TissueMask,
    mpp: f64,
    in_slide: impl Fn(Rect) -> Rect,
) -> Vec<(Patch, f64)> {
    let d = tissue.downsample();
    let scored = tissue.scored_bitmap();
    patches
        .filter_map(|patch| {
            let rect = in_slide(patch.rect);
            let side_um = rect.w.max(rect.h) as f64 * mpp;
            let n = ((side_um / ANNOTATION_SAMPLE_UM).ceil() as usize).clamp(1, 1024);
            let (sx, sy) = (rect.w as f64 / n as f64, rect.h as f64 / n as f64);
            let inside = annotation
                .sample(rect, n)
                .iter()
                .enumerate()
                .filter(|&(k, &tumour)| {
                    let x = rect.x as f64 + ((k % n) as f64 + 0.5) * sx;
                    let y = rect.y as f64 + ((k / n) as f64 + 0.5) * sy;
                    tumour && scored.get((x / d) as u32, (y / d) as u32)
                })
                .count();
            (inside > 0).then(|| (patch, inside as f64 / (n * n) as f64))
        })
        .collect()
}

/// Keeps the `cells` for which `inside` holds and recounts the cell features of `features`
/// from them (the pixel features, brown staining and DAB density, stay the patch's).
pub fn keep_cells_inside(
    features: &mut PatchFeatures,
    cells: &mut Vec<Cell>,
    inside: impl Fn(&Cell) -> bool,
) {
    cells.retain(|c| inside(c));
    let mut counts = ClassCounts::default();
    let mut membrane_od = MembraneOdHistogram::default();
    for cell in cells.iter() {
        counts.record(cell.intensity, cell.complete);
        if cell.positive {
            membrane_od.record(cell.membrane_dab_od, cell.complete);
        }
    }
    features.membrane_od = membrane_od;
    features.cell_count = cells.len() as u64;
    features.positive_cells = cells.iter().filter(|c| c.positive).count() as u64;
    features.complete_membrane_cells = cells.iter().filter(|c| c.complete).count() as u64;
    features.class_counts = counts;
}

#[cfg(test)]
mod tests {
    use stain_features::{IntensityClass, StainAnalyzer, StainConfig};
    use tissue_mask::{Bitmap, MaskSource};
    use tumor_classifier::Polygon;

    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<(f64, f64)> {
        vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)]
    }

    fn patch(col: u32, x: u64) -> Patch {
        Patch {
            col,
            row: 0,
            rect: Rect::new(x, 0, 512, 512),
            level: 0,
            level_downsample: 1.0,
            read_px: 512,
            out_px: 512,
        }
    }

    #[test]
    fn a_nest_smaller_than_a_grid_cell_selects_its_patch_on_tissue_only() {
        // Tissue on the left 1024 px of a 2048 x 512 slide (mask at downsample 16); a 40 px
        // (20 um) nest in the first patch and one on the glass of the third.
        let bitmap = Bitmap::from_fn(128, 32, |x, _| x < 64);
        let tissue =
            TissueMask::from_bitmap(bitmap, 16.0, 0.5, None, MaskSource::External("t".into()))
                .unwrap();
        let annotation = TumorAnnotation::Polygons(vec![
            Polygon {
                exterior: square(200.0, 200.0, 40.0),
                holes: vec![],
            },
            Polygon {
                exterior: square(1200.0, 200.0, 40.0),
                holes: vec![],
            },
        ]);
        let patches = (0..4).map(|c| patch(c, u64::from(c) * 512));
        let chosen = annotated_patches(patches, &annotation, &tissue, 0.5, |r| r);
        assert_eq!(chosen.len(), 1, "{chosen:?}");
        let (p, fraction) = chosen[0];
        assert_eq!(p.col, 0);
        // 40 x 40 px of 512 x 512.
        assert!((fraction - 1600.0 / 262_144.0).abs() < 0.002, "{fraction}");
    }

    #[test]
    fn cells_outside_are_dropped_and_counts_recomputed() {
        // Two stained cells side by side; only the left one is inside.
        let img = image::RgbImage::from_fn(128, 64, |x, y| {
            let cx = if x < 64 { 32 } else { 96 };
            let r2 = (x as i32 - cx).pow(2) + (y as i32 - 32).pow(2);
            if r2 <= 64 {
                image::Rgb([90, 90, 160])
            } else if (100..=196).contains(&r2) {
                image::Rgb([140, 90, 50])
            } else {
                image::Rgb([235, 232, 230])
            }
        });
        let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
        let (mut features, mut cells) = analyzer.analyze_with_cells(&img, 0.5).unwrap();
        assert_eq!(features.cell_count, 2);
        keep_cells_inside(&mut features, &mut cells, |c| c.centroid[0] < 64.0);
        assert_eq!((features.cell_count, cells.len()), (1, 1));
        assert_eq!(features.positive_cells, u64::from(cells[0].positive));
        assert_eq!(features.class_counts.total(), 1);
        let h = &features.membrane_od;
        assert_eq!(h.total(true) + h.total(false), features.positive_cells);
        assert_ne!(cells[0].intensity, IntensityClass::None);
    }
}
