//! `ndarray` arrays of the tumour grid (`ndarray` feature): the probability map and the
//! thresholded mask, `rows x cols` with row `r`, column `c` the grid cell `(c, r)`.

use ndarray::{Array2, ArrayView2};

use crate::geometry::Bitmap;
use crate::tumor_map::{TumorMap, TumorMask};

impl TumorMap {
    /// The tumour probabilities as a `rows x cols` array, `NaN` where a cell was not
    /// classified (no tissue). A copy: the map stores `Option<f32>`, which has no `f32`
    /// layout to view.
    pub fn probability_array(&self) -> Array2<f32> {
        let (rows, cols) = (self.geometry.rows as usize, self.geometry.cols as usize);
        Array2::from_shape_fn((rows, cols), |(r, c)| {
            self.probabilities
                .get(r * cols + c)
                .copied()
                .flatten()
                .unwrap_or(f32::NAN)
        })
    }
}

impl TumorMask {
    /// Which grid cells are tumour, as a `rows x cols` view over the mask's own memory (no
    /// copy). `None` only when the public fields were set by hand to a size other than the
    /// grid's.
    pub fn view(&self) -> Option<ArrayView2<'_, bool>> {
        self.cells.view()
    }
}

impl Bitmap {
    /// The raster as a `height x width` view over its own memory (no copy); `None` only when
    /// the public fields were set by hand so that `bits` is not `width * height` long.
    pub fn view(&self) -> Option<ArrayView2<'_, bool>> {
        ArrayView2::from_shape((self.height as usize, self.width as usize), &self.bits).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GridGeometry, MaskConfig};

    #[test]
    fn the_probability_grid_is_rows_by_cols_with_nan_off_tissue() {
        // 3 columns x 2 rows of 100 px cells.
        let geometry = GridGeometry::with_cell_size(300, 200, 100).unwrap();
        let probabilities = vec![Some(0.9), None, Some(0.1), Some(0.2), Some(0.8), None];
        let map = TumorMap::new(geometry, probabilities, "test").unwrap();
        let array = map.probability_array();
        assert_eq!(array.dim(), (2, 3));
        assert_eq!(array[[0, 0]], 0.9);
        assert!(array[[0, 1]].is_nan());
        assert_eq!(array[[1, 1]], 0.8);
        for (r, row) in array.rows().into_iter().enumerate() {
            for (c, &v) in row.iter().enumerate() {
                let want = map.get(c as u32, r as u32);
                assert_eq!(want.unwrap_or(f32::NAN).to_bits(), v.to_bits());
            }
        }

        let mask = map.tumor_mask(&MaskConfig {
            threshold: 0.5,
            min_region_cells: 1,
        });
        assert_eq!(mask.tumor_cells(), 2);
        let view = mask.view().unwrap();
        assert_eq!(view.dim(), (2, 3));
        assert_eq!(
            view.as_ptr(),
            mask.cells.bits.as_ptr(),
            "a view, not a copy"
        );
        for r in 0..2 {
            for c in 0..3 {
                assert_eq!(view[[r, c]], mask.is_tumor(c as u32, r as u32));
            }
        }
    }
}
