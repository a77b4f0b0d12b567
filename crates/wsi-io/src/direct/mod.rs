//! Direct reads of JPEG-tiled TIFF levels (Aperio SVS, generic tiled TIFF): the file's tiles
//! decoded in this process and copied into the requested region, without OpenSlide's per-read
//! overhead (its tile lookup, ARGB compositing and one global lock around its cache).
//!
//! Used by [`OpenSlideSlide`](crate::OpenSlideSlide) only where the result is the same region
//! OpenSlide would paint: a level whose TIFF directory holds 8-bit RGB/YCbCr JPEG tiles, read
//! at whole level pixels (level-0 `x`, `y` multiples of the level's downsample). Everything
//! else (other vendors, JPEG 2000, sub-pixel offsets) stays with OpenSlide. Pixels can differ
//! from OpenSlide's by the rounding of two JPEG decoders (`tests/direct_tiles.rs` bounds it).

mod cache;
mod read_at;
mod tiff;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use image::RgbImage;
use zune_jpeg::JpegDecoder;
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use crate::error::{Result, WsiError};
use crate::tiff_codes::PHOTOMETRIC_RGB;
use cache::TileCache;
use read_at::read_exact_at;
use tiff::{TiledDirectory, tiled_directories};

/// Decoded tiles kept per slide: 32 MiB, like OpenSlide's default cache.
const CACHE_BYTES: usize = 32 << 20;

/// A level-`level` tile of the file decoded into RGB, or `None` for a tile never written
/// (TIFF byte count 0), which reads white as in OpenSlide.
type DecodedTile = Option<Arc<[u8]>>;

/// The directly readable levels of one TIFF-based slide.
#[derive(Debug)]
pub(crate) struct DirectTiles {
    path: PathBuf,
    file: File,
    /// Per OpenSlide level: its TIFF directory and downsample when read directly.
    levels: Vec<Option<(TiledDirectory, f64)>>,
    cache: TileCache,
}

impl DirectTiles {
    /// Matches OpenSlide's levels (`dimensions`, `downsamples`) to the file's tiled
    /// directories and keeps those the direct reader decodes exactly as OpenSlide would paint
    /// them. `None` when no level qualifies or the file is not a TIFF this reader walks: the
    /// slide is then read by OpenSlide alone, so no error is lost.
    pub(crate) fn open(
        path: &Path,
        dimensions: &[(u64, u64)],
        downsamples: &[f64],
    ) -> Option<Self> {
        let file = File::open(path).ok()?;
        let mut directories = tiled_directories(&file).ok()?;
        let mut direct = Self {
            path: path.to_path_buf(),
            file,
            levels: Vec::with_capacity(dimensions.len()),
            cache: TileCache::new(CACHE_BYTES),
        };
        for (&(w, h), &downsample) in dimensions.iter().zip(downsamples) {
            let found = directories
                .iter()
                .position(|d| (d.width, d.height) == (w, h));
            let level = found
                .map(|i| directories.remove(i))
                .filter(|d| d.is_plain_jpeg_rgb() && direct.decodes_like_openslide(d))
                .map(|d| (d, downsample));
            direct.levels.push(level);
        }
        direct.levels.iter().any(Option::is_some).then_some(direct)
    }

    /// Which OpenSlide levels are read directly.
    pub(crate) fn levels(&self) -> Vec<usize> {
        (0..self.levels.len())
            .filter(|&l| self.levels[l].is_some())
            .collect()
    }

    /// Whether the decoder reads `dir`'s tiles in the colour space OpenSlide assumes (it takes
    /// it from the TIFF `PhotometricInterpretation`; the JPEG decoder from the stream), checked
    /// on the first written tile.
    fn decodes_like_openslide(&self, dir: &TiledDirectory) -> bool {
        let Some(index) = dir.tile_byte_counts.iter().position(|&n| n > 0) else {
            return true;
        };
        let Ok(stream) = self.tile_stream(dir, index) else {
            return false;
        };
        let mut decoder = JpegDecoder::new(ZCursor::new(&stream));
        if decoder.decode_headers().is_err() {
            return false;
        }
        let rgb_stream = decoder.input_colorspace() == Some(ColorSpace::RGB);
        let dims_ok =
            decoder.dimensions() == Some((dir.tile_width as usize, dir.tile_height as usize));
        dims_ok && rgb_stream == (dir.photometric == u64::from(PHOTOMETRIC_RGB))
    }

    /// Reads a region as OpenSlide's `read_region` would, when this reader covers it:
    /// `Ok(None)` for a level it does not read or a region not at whole level pixels.
    pub(crate) fn read_region(
        &self,
        x: i64,
        y: i64,
        level: usize,
        w: u32,
        h: u32,
    ) -> Result<Option<RgbImage>> {
        let Some(Some((dir, downsample))) = self.levels.get(level) else {
            return Ok(None);
        };
        let (Some(lx), Some(ly)) = (
            whole_level_pixel(x, *downsample),
            whole_level_pixel(y, *downsample),
        ) else {
            return Ok(None);
        };
        let mut out = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
        let (tw, th) = (u64::from(dir.tile_width), u64::from(dir.tile_height));
        let x_end = (lx + u64::from(w)).min(dir.width);
        let y_end = (ly + u64::from(h)).min(dir.height);
        if lx >= x_end || ly >= y_end {
            return Ok(Some(out));
        }
        let out_stride = w as usize * 3;
        let tile_stride = tw as usize * 3;
        for row in ly / th..=(y_end - 1) / th {
            for col in lx / tw..=(x_end - 1) / tw {
                let index = row * dir.tiles_across() + col;
                let Some(tile) = self.tile(level, dir, index)? else {
                    continue;
                };
                // The overlap of this tile and the request, in level pixels.
                let (x0, x1) = (lx.max(col * tw), x_end.min((col + 1) * tw));
                let (y0, y1) = (ly.max(row * th), y_end.min((row + 1) * th));
                let span = (x1 - x0) as usize * 3;
                for yy in y0..y1 {
                    let src = (yy - row * th) as usize * tile_stride + (x0 - col * tw) as usize * 3;
                    let dst = (yy - ly) as usize * out_stride + (x0 - lx) as usize * 3;
                    out.as_mut()[dst..dst + span].copy_from_slice(&tile[src..src + span]);
                }
            }
        }
        Ok(Some(out))
    }

    /// Tile `index` of `level`, from the cache or decoded.
    fn tile(&self, level: usize, dir: &TiledDirectory, index: u64) -> Result<DecodedTile> {
        let i = usize::try_from(index).unwrap_or(usize::MAX);
        if dir.tile_byte_counts.get(i).is_none_or(|&n| n == 0) {
            return Ok(None);
        }
        if let Some(tile) = self.cache.get((level, index)) {
            return Ok(Some(tile));
        }
        let corrupt = |reason: String| WsiError::Corrupt {
            path: self.path.clone(),
            what: format!("tile {index} of level {level}"),
            reason,
        };
        let stream = self
            .tile_stream(dir, i)
            .map_err(|e| corrupt(format!("cannot read the tile's bytes: {e}")))?;
        let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::RGB);
        let mut decoder = JpegDecoder::new_with_options(ZCursor::new(&stream), options);
        let pixels = decoder
            .decode()
            .map_err(|e| corrupt(format!("JPEG decoding failed: {e:?}")))?;
        let expected = dir.tile_width as usize * dir.tile_height as usize * 3;
        if pixels.len() != expected {
            return Err(corrupt(format!(
                "the JPEG decodes to {} bytes, not a {}x{} RGB tile",
                pixels.len(),
                dir.tile_width,
                dir.tile_height
            )));
        }
        let tile: Arc<[u8]> = Arc::from(pixels);
        self.cache.insert((level, index), Arc::clone(&tile));
        Ok(Some(tile))
    }

    /// Tile `index`'s JPEG stream, made whole with the directory's shared tables when the file
    /// stores tiles abbreviated (tables' SOI..tables, then the tile without its SOI).
    fn tile_stream(&self, dir: &TiledDirectory, index: usize) -> std::io::Result<Vec<u8>> {
        let invalid = |r: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, r.to_owned());
        let (Some(&offset), Some(&len)) =
            (dir.tile_offsets.get(index), dir.tile_byte_counts.get(index))
        else {
            return Err(invalid("no such tile"));
        };
        let len = usize::try_from(len).map_err(|_| invalid("tile too large"))?;
        if len > 64 << 20 {
            return Err(invalid("tile byte count above 64 MiB"));
        }
        let mut tile = vec![0u8; len];
        read_exact_at(&self.file, &mut tile, offset)?;
        let mut stream = match &dir.jpeg_tables {
            Some(tables) if tables.len() >= 4 && tile.len() >= 2 => {
                let mut stream = Vec::with_capacity(tables.len() + tile.len());
                stream.extend_from_slice(&tables[..tables.len() - 2]); // drop the tables' EOI
                stream.extend_from_slice(&tile[2..]); // drop the tile's SOI
                stream
            }
            _ => tile,
        };
        if dir.photometric == u64::from(PHOTOMETRIC_RGB) {
            label_components_rgb(&mut stream);
        }
        Ok(stream)
    }
}

/// Renames the three components of a JPEG stream `R`, `G`, `B` (in its frame header and scan
/// headers), the one in-stream sign that JPEG decoders read as "no YCbCr conversion".
///
/// TIFF states the colour space in `PhotometricInterpretation`, and Aperio's RGB tiles carry
/// no JFIF or Adobe marker, so a decoder left to guess would convert them from YCbCr; OpenSlide
/// tells libjpeg the colour space instead. Stops at the first scan's data; a malformed header
/// is left as it is for the decoder to reject.
fn label_components_rgb(stream: &mut [u8]) {
    const RGB: [u8; 3] = *b"RGB";
    let mut ids = [0u8; 3];
    let mut at = 2; // after SOI
    while at + 4 <= stream.len() && stream[at] == 0xFF {
        let marker = stream[at + 1];
        if marker == 0xFF {
            at += 1; // fill byte
            continue;
        }
        let len = usize::from(u16::from_be_bytes([stream[at + 2], stream[at + 3]]));
        let Some(segment) = stream.get_mut(at + 4..at + 2 + len) else {
            return;
        };
        match marker {
            // Baseline / extended sequential frame: P, Y, X, Nf, then C, HV, Tq each (progressive
            // streams keep their ids and fail the colour-space check: OpenSlide reads them).
            0xC0 | 0xC1 => {
                if segment.len() < 15 || segment[5] != 3 {
                    return;
                }
                for (k, rgb) in RGB.iter().enumerate() {
                    ids[k] = segment[6 + 3 * k];
                    segment[6 + 3 * k] = *rgb;
                }
            }
            // Start of scan: Ns, then Cs, TdTa each; the entropy-coded data follows.
            0xDA => {
                let ns = usize::from(segment.first().copied().unwrap_or(0));
                for k in 0..ns {
                    if let Some(selector) = segment.get_mut(1 + 2 * k)
                        && let Some(i) = ids.iter().position(|id| id == selector)
                    {
                        *selector = RGB[i];
                    }
                }
                return;
            }
            _ => {}
        }
        at += 2 + len;
    }
}

/// `v / downsample` when it is a whole, non-negative level pixel (OpenSlide would paint a
/// region at a fractional offset with interpolation), else `None`.
fn whole_level_pixel(v: i64, downsample: f64) -> Option<u64> {
    let level = v as f64 / downsample;
    let rounded = level.round();
    ((level - rounded).abs() < 1e-6 && rounded >= 0.0).then_some(rounded as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_level_pixels_only() {
        assert_eq!(whole_level_pixel(512, 1.0), Some(512));
        assert_eq!(whole_level_pixel(512, 4.0), Some(128));
        assert_eq!(whole_level_pixel(513, 4.0), None);
        assert_eq!(whole_level_pixel(3000, 3.0003), None);
        assert_eq!(whole_level_pixel(0, 3.0003), Some(0));
        assert_eq!(whole_level_pixel(-4, 4.0), None);
    }

    #[test]
    fn a_corrupt_tile_is_an_error_naming_the_file_and_tile() {
        use std::io::{Seek, SeekFrom, Write};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jpeg.svs");
        let image = RgbImage::from_fn(600, 300, |x, y| image::Rgb([x as u8, y as u8, 90]));
        let options = crate::WriterOptions {
            compression: crate::Compression::Jpeg { quality: 80 },
            mpp: Some(0.5),
            ..crate::WriterOptions::default()
        };
        crate::write_pyramid(&path, &image, &options).unwrap();
        let level0 = tiled_directories(&File::open(&path).unwrap())
            .unwrap()
            .remove(0);
        let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.seek(SeekFrom::Start(level0.tile_offsets[1])).unwrap();
        file.write_all(&[0u8; 16]).unwrap();
        drop(file);

        let direct = DirectTiles::open(&path, &[(600, 300)], &[1.0]).unwrap();
        assert_eq!(direct.levels(), vec![0]);
        assert!(direct.read_region(0, 0, 0, 100, 100).unwrap().is_some()); // tile 0 is fine
        let err = direct
            .read_region(300, 0, 0, 100, 100)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("jpeg.svs") && err.contains("tile 1 of level 0"),
            "{err}"
        );
    }

    #[test]
    fn a_file_that_is_not_a_tiff_has_no_direct_levels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.png");
        std::fs::write(&path, b"\x89PNG\r\n\x1a\nnot really").unwrap();
        assert!(DirectTiles::open(&path, &[(10, 10)], &[1.0]).is_none());
    }
}
