//! Cutting a strip of rows into padded tiles and compressing them in parallel.

use rayon::prelude::*;

use super::codec::encode_tile;
use super::options::Compression;

/// Compresses every tile of a strip (`rows` rows of `width` RGB pixels, at most `side` rows),
/// left to right, the tiles in parallel. The error is the codec's message.
pub(crate) fn encode_strip_tiles(
    strip: &[u8],
    width: u32,
    rows: u32,
    side: u32,
    compression: Compression,
) -> Result<Vec<Vec<u8>>, String> {
    (0..width.div_ceil(side))
        .into_par_iter()
        .map(|col| {
            let mut tile = extract_tile(strip, width, rows, col, side);
            encode_tile(compression, &mut tile, side)
        })
        .collect()
}

/// Copies tile column `col` of a strip (`rows` rows of `width` RGB pixels, row-major) into a
/// `side` x `side` buffer. Past the right or bottom edge the last pixel / row is repeated:
/// TIFF tiles are always full-sized, and repeating the edge keeps JPEG from ringing there.
pub(crate) fn extract_tile(strip: &[u8], width: u32, rows: u32, col: u32, side: u32) -> Vec<u8> {
    let (width, rows, side) = (width as usize, rows as usize, side as usize);
    let x0 = col as usize * side;
    let copy_w = side.min(width - x0);
    let mut tile = vec![0u8; side * side * 3];
    for (y, out_row) in tile.chunks_exact_mut(side * 3).enumerate() {
        let src_y = y.min(rows - 1);
        let src = &strip[(src_y * width + x0) * 3..][..copy_w * 3];
        out_row[..copy_w * 3].copy_from_slice(src);
        let last = [
            src[copy_w * 3 - 3],
            src[copy_w * 3 - 2],
            src[copy_w * 3 - 1],
        ];
        for px in out_row[copy_w * 3..].chunks_exact_mut(3) {
            px.copy_from_slice(&last);
        }
    }
    tile
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A strip whose pixel (x, y) is (x, y, 7).
    fn strip(width: u32, rows: u32) -> Vec<u8> {
        (0..rows)
            .flat_map(|y| (0..width).flat_map(move |x| [x as u8, y as u8, 7]))
            .collect()
    }

    fn px(tile: &[u8], side: usize, x: usize, y: usize) -> [u8; 3] {
        let i = (y * side + x) * 3;
        [tile[i], tile[i + 1], tile[i + 2]]
    }

    #[test]
    fn inner_tiles_are_copied_exactly() {
        let s = strip(40, 16);
        let t = extract_tile(&s, 40, 16, 1, 16);
        assert_eq!(px(&t, 16, 0, 0), [16, 0, 7]);
        assert_eq!(px(&t, 16, 15, 15), [31, 15, 7]);
    }

    #[test]
    fn edge_tiles_repeat_the_last_column_and_row() {
        let s = strip(40, 5);
        let t = extract_tile(&s, 40, 5, 2, 16);
        assert_eq!(t.len(), 16 * 16 * 3);
        assert_eq!(px(&t, 16, 7, 4), [39, 4, 7]);
        assert_eq!(
            px(&t, 16, 15, 4),
            [39, 4, 7],
            "right padding repeats column 39"
        );
        assert_eq!(
            px(&t, 16, 3, 15),
            [35, 4, 7],
            "bottom padding repeats row 4"
        );
    }

    #[test]
    fn strips_give_one_tile_per_column_in_order() {
        let s = strip(40, 16);
        let tiles = encode_strip_tiles(&s, 40, 16, 16, Compression::Deflate).unwrap();
        assert_eq!(tiles.len(), 3);
        let mut first = extract_tile(&s, 40, 16, 0, 16);
        assert_eq!(
            tiles[0],
            encode_tile(Compression::Deflate, &mut first, 16).unwrap()
        );
        assert_ne!(tiles[0], tiles[2]);
    }

    #[test]
    fn a_one_pixel_wide_strip_fills_the_tile() {
        let s = strip(1, 3);
        let t = extract_tile(&s, 1, 3, 0, 16);
        assert_eq!(px(&t, 16, 15, 15), [0, 2, 7]);
    }
}
