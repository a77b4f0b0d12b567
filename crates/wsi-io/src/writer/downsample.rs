//! Halving a strip of rows with a 2x2 box filter, to feed the next pyramid level.

use rayon::prelude::*;

/// Halves `rows` rows of `width` RGB pixels (row-major) into `ceil(rows/2)` rows of
/// `ceil(width/2)` pixels, each the rounded mean of a 2x2 block. At an odd right or bottom
/// edge the block is the 1 or 2 pixels that exist. Rows are computed in parallel.
pub(crate) fn halve_strip(strip: &[u8], width: u32, rows: u32) -> Vec<u8> {
    let (w, rows) = (width as usize, rows as usize);
    let (out_w, out_rows) = (w.div_ceil(2), rows.div_ceil(2));
    let mut out = vec![0u8; out_w * out_rows * 3];
    out.par_chunks_exact_mut(out_w * 3)
        .enumerate()
        .for_each(|(oy, out_row)| {
            let top = &strip[2 * oy * w * 3..][..w * 3];
            let bottom = if 2 * oy + 1 < rows {
                &strip[(2 * oy + 1) * w * 3..][..w * 3]
            } else {
                top
            };
            for (ox, px) in out_row.chunks_exact_mut(3).enumerate() {
                let x0 = 2 * ox * 3;
                let x1 = if 2 * ox + 1 < w { x0 + 3 } else { x0 };
                for c in 0..3 {
                    let sum = u16::from(top[x0 + c])
                        + u16::from(top[x1 + c])
                        + u16::from(bottom[x0 + c])
                        + u16::from(bottom[x1 + c]);
                    px[c] = ((sum + 2) / 4) as u8;
                }
            }
        });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_output_pixel_is_the_rounded_block_mean() {
        // 2x2 image, one channel varying: 0, 1, 2, 4 -> mean 1.75 -> 2.
        let strip = [0, 9, 9, 1, 9, 9, 2, 9, 9, 4, 9, 9];
        assert_eq!(halve_strip(&strip, 2, 2), [2, 9, 9]);
    }

    #[test]
    fn odd_edges_average_only_existing_pixels() {
        // 3x3 with value = 10 * x + y in channel 0.
        let strip: Vec<u8> = (0..3u8)
            .flat_map(|y| (0..3u8).flat_map(move |x| [10 * x + y, 0, 255]))
            .collect();
        let out = halve_strip(&strip, 3, 3);
        assert_eq!(out.len(), 2 * 2 * 3);
        // (0,0): mean(0, 10, 1, 11) = 5.5 -> 6; (1,0): column 2 rows 0-1 -> mean(20, 21) -> 21;
        // (0,1): row 2 columns 0-1 -> mean(2, 12) = 7; (1,1): the lone corner 22.
        assert_eq!([out[0], out[3], out[6], out[9]], [6, 21, 7, 22]);
        assert_eq!([out[1], out[2]], [0, 255]);
    }

    #[test]
    fn width_one_stays_width_one() {
        let strip = [10, 20, 30, 20, 40, 50, 99, 99, 99];
        assert_eq!(halve_strip(&strip, 1, 3), [15, 30, 40, 99, 99, 99]);
    }
}
