//! `ndarray` views and arrays of this crate's outputs (`ndarray` feature), for Rust users who
//! go on in array code: the stain planes as zero-copy 2-D views, and the cells of a patch as a
//! numeric table with named columns.

use ndarray::{Array2, ArrayView2};

use crate::cell::Cell;
use crate::deconvolve::StainPlanes;
use crate::matrix::Stain;

impl StainPlanes {
    /// The plane of `stain` as a `height x width` view (row `y`, column `x`) over the planes'
    /// own memory, without a copy (the planes are row-major and contiguous). `None` when the
    /// planes hold no such stain, or when the plane's length is not `width * height` (only
    /// possible when the public fields were set by hand, inconsistently).
    pub fn view(&self, stain: Stain) -> Option<ArrayView2<'_, f32>> {
        let plane = self.plane(stain)?;
        ArrayView2::from_shape((self.height as usize, self.width as usize), plane).ok()
    }
}

/// The columns of [`cell_table`], in order: what each row of the table holds about one cell.
///
/// | column | meaning |
/// |---|---|
/// | `label` | label in the patch's label image (1-based) |
/// | `area_px` | nucleus area in pixels |
/// | `area_um2` | nucleus area in square micrometres |
/// | `centroid_x`, `centroid_y` | centroid in patch pixels (pixel centres at integer + 0.5) |
/// | `ring_coverage` | fraction (0..=1) of the membrane ring's angle that carries DAB |
/// | `ring_mean_dab_od` | mean DAB optical density (OD10) over the ring's pixels |
/// | `membrane_dab_od` | the membrane's DAB optical density (the intensity class is read from it) |
/// | `intensity` | intensity class index: 0 none, 1 faint, 2 weak-moderate, 3 intense ([`crate::IntensityClass::index`]) |
/// | `positive` | 1 when the cell counts as stained, else 0 |
/// | `complete` | 1 when the membrane ring is complete, else 0 |
pub const CELL_TABLE_COLUMNS: [&str; 11] = [
    "label",
    "area_px",
    "area_um2",
    "centroid_x",
    "centroid_y",
    "ring_coverage",
    "ring_mean_dab_od",
    "membrane_dab_od",
    "intensity",
    "positive",
    "complete",
];

/// The measurements of `cells` as a `cells.len() x 11` table, one row per cell in order, the
/// columns named by [`CELL_TABLE_COLUMNS`] (a copy: [`Cell`] holds its outlines beside the
/// numbers, so no array can view them in place). Counts and flags become `f64` exactly.
pub fn cell_table(cells: &[Cell]) -> Array2<f64> {
    let mut table = Array2::zeros((cells.len(), CELL_TABLE_COLUMNS.len()));
    for (mut row, cell) in table.rows_mut().into_iter().zip(cells) {
        let values = [
            f64::from(cell.label),
            cell.area_px as f64,
            cell.area_um2,
            cell.centroid[0],
            cell.centroid[1],
            cell.ring_coverage,
            cell.ring_mean_dab_od,
            cell.membrane_dab_od,
            cell.intensity.index() as f64,
            f64::from(u8::from(cell.positive)),
            f64::from(u8::from(cell.complete)),
        ];
        for (slot, value) in row.iter_mut().zip(values) {
            *slot = value;
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IntensityClass;

    #[test]
    fn a_plane_view_is_the_plane_in_place() {
        let mut planes =
            StainPlanes::zeros(3, 2, [Stain::Hematoxylin, Stain::Dab, Stain::Residual]);
        planes.planes[1][2] = 0.5; // x 2, y 0
        planes.planes[1][3 + 1] = 0.25; // x 1, y 1
        let dab = planes.view(Stain::Dab).unwrap();
        assert_eq!(dab.dim(), (2, 3));
        assert_eq!(dab[[0, 2]], 0.5);
        assert_eq!(dab[[1, 1]], 0.25);
        assert_eq!(
            dab.as_ptr(),
            planes.planes[1].as_ptr(),
            "a view, not a copy"
        );
        assert!(planes.view(Stain::Eosin).is_none());
        planes.planes[0].pop();
        assert!(planes.view(Stain::Hematoxylin).is_none());
    }

    #[test]
    fn the_cell_table_has_one_row_per_cell_in_column_order() {
        let cell = Cell {
            label: 7,
            area_px: 120,
            area_um2: 30.0,
            centroid: [10.5, 4.5],
            contour: vec![[1, 2]],
            boundary: Vec::new(),
            ring_coverage: 0.75,
            ring_mean_dab_od: 0.2,
            membrane_dab_od: 0.3,
            intensity: IntensityClass::WeakModerate,
            positive: true,
            complete: false,
        };
        let table = cell_table(&[cell.clone(), Cell { label: 8, ..cell }]);
        assert_eq!(table.dim(), (2, CELL_TABLE_COLUMNS.len()));
        assert_eq!(
            table.row(0).to_vec(),
            vec![7.0, 120.0, 30.0, 10.5, 4.5, 0.75, 0.2, 0.3, 2.0, 1.0, 0.0]
        );
        assert_eq!(table[[1, 0]], 8.0);
        assert_eq!(cell_table(&[]).dim(), (0, CELL_TABLE_COLUMNS.len()));
    }
}
