//! [`PyramidWriter`]: level-0 strips in, a tiled pyramidal TIFF out, in bounded memory.
//!
//! Each strip is cut into tiles that are compressed in parallel and appended to the file at
//! once; the strip is then halved (2x2 box filter) into the next level's strip buffer, which
//! is encoded and halved in turn when it fills. So only one strip per level is held, and
//! memory grows with the image width, not its height. The IFDs go at the end of the file,
//! written by [`PyramidWriter::finish`].

use std::path::{Path, PathBuf};

use image::RgbImage;

use super::downsample::halve_strip;
use super::ifd::{EncodedIfd, TiffFormat, encode_ifd};
use super::level_tags::{LevelLayout, level_tags};
use super::levels::{level_sizes, tile_grid};
use super::options::{BigTiff, WriterOptions};
use super::sink::FileSink;
use super::tile::encode_strip_tiles;
use crate::error::{Result, WsiError};

/// Largest accepted width or height: one strip of this width is ~0.8 GB at 256-px tiles.
pub const MAX_IMAGE_SIDE: u32 = 1 << 20;

/// A level being built: its geometry, the rows collected for its next strip, and where its
/// finished tiles went.
struct LevelState {
    layout: LevelLayout,
    /// Rows waiting to form the next strip (unused for level 0, whose strips come whole).
    pending: Vec<u8>,
    pending_rows: u32,
    /// Rows already encoded.
    rows_done: u32,
}

/// Streams a tiled, pyramidal, Aperio-style TIFF (`.svs`) to disk strip by strip.
///
/// Give it level-0 strips from top to bottom with [`write_strip`](Self::write_strip), then
/// call [`finish`](Self::finish). The file is built as a hidden temporary file in the
/// target's folder and only renamed onto the target by `finish`; dropping the writer before
/// that deletes it, so no partial slide is ever left behind.
pub struct PyramidWriter {
    path: PathBuf,
    options: WriterOptions,
    levels: Vec<LevelState>,
    sink: FileSink,
    strips_written: u32,
}

impl PyramidWriter {
    /// Starts a `width` x `height` slide at `path` (replaced when `finish` succeeds).
    ///
    /// Fails on invalid options, a zero or over-large size ([`MAX_IMAGE_SIDE`]), or when the
    /// temporary file cannot be created in the target's folder.
    pub fn create(
        path: impl AsRef<Path>,
        width: u32,
        height: u32,
        options: WriterOptions,
    ) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        options.validate()?;
        if width == 0 || height == 0 || width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE {
            return Err(WsiError::InvalidParameter(format!(
                "{}: cannot write a {width}x{height} image: each side must be 1..={MAX_IMAGE_SIDE}",
                path.display()
            )));
        }
        let max_len = match options.bigtiff {
            BigTiff::Never => u64::from(u32::MAX),
            BigTiff::Auto | BigTiff::Always => u64::MAX,
        };
        let sink = FileSink::create(&path, max_len)?;
        let levels = level_sizes(width, height, options.min_level_side)
            .into_iter()
            .enumerate()
            .map(|(index, size)| {
                let (across, down) = tile_grid(size.0, size.1, options.tile_size);
                let tiles = across as usize * down as usize;
                LevelState {
                    layout: LevelLayout {
                        index,
                        size,
                        tile_offsets: Vec::with_capacity(tiles),
                        tile_byte_counts: Vec::with_capacity(tiles),
                    },
                    pending: Vec::new(),
                    pending_rows: 0,
                    rows_done: 0,
                }
            })
            .collect();
        Ok(Self {
            path,
            options,
            levels,
            sink,
            strips_written: 0,
        })
    }

    /// Width and height of every level the file will have, level 0 first.
    pub fn level_sizes(&self) -> Vec<(u32, u32)> {
        self.levels.iter().map(|l| l.layout.size).collect()
    }

    /// Writes the next full-width strip of level 0, from top to bottom. Its height must be
    /// `tile_size`, except the last strip, which holds the rows that remain.
    pub fn write_strip(&mut self, strip: &RgbImage) -> Result<()> {
        let (width, height) = self.levels[0].layout.size;
        let done = self.levels[0].rows_done;
        let expected = self.options.tile_size.min(height - done);
        if done == height {
            return Err(WsiError::InvalidParameter(format!(
                "{}: all {height} rows are already written; call finish",
                self.path.display()
            )));
        }
        if strip.dimensions() != (width, expected) {
            return Err(WsiError::InvalidParameter(format!(
                "{}: strip {} is {}x{}, expected {width}x{expected} (the full width, {} rows except the last)",
                self.path.display(),
                self.strips_written,
                strip.width(),
                strip.height(),
                self.options.tile_size,
            )));
        }
        self.append_level0_strip(strip.as_raw(), expected)
    }

    /// Encodes a level-0 strip already checked to be the next one.
    fn append_level0_strip(&mut self, pixels: &[u8], rows: u32) -> Result<()> {
        self.encode_strip(0, pixels, rows)?;
        self.strips_written += 1;
        Ok(())
    }

    /// Encodes one strip of `level` (`rows` full rows), appends its tiles, and passes its
    /// halved rows down to the next level.
    fn encode_strip(&mut self, level: usize, pixels: &[u8], rows: u32) -> Result<()> {
        let state = &self.levels[level];
        let width = state.layout.size.0;
        let tiles = encode_strip_tiles(
            pixels,
            width,
            rows,
            self.options.tile_size,
            self.options.compression,
        )
        .map_err(|reason| WsiError::Encode {
            path: self.path.clone(),
            what: format!(
                "level {level} tiles of rows {}..{}",
                state.rows_done,
                state.rows_done + rows
            ),
            reason,
        })?;
        for tile in &tiles {
            let offset = self.sink.append(tile)?;
            let layout = &mut self.levels[level].layout;
            layout.tile_offsets.push(offset);
            layout.tile_byte_counts.push(tile.len() as u64);
        }
        self.levels[level].rows_done += rows;
        if level + 1 < self.levels.len() {
            let halved = halve_strip(pixels, width, rows);
            self.push_rows(level + 1, &halved, rows.div_ceil(2))?;
        }
        Ok(())
    }

    /// Adds `rows` full rows to `level`'s strip buffer, encoding the strip whenever it is full
    /// or holds the level's last row.
    fn push_rows(&mut self, level: usize, data: &[u8], rows: u32) -> Result<()> {
        let row_bytes = self.levels[level].layout.size.0 as usize * 3;
        let mut consumed = 0;
        while consumed < rows {
            let state = &mut self.levels[level];
            let take = (self.options.tile_size - state.pending_rows).min(rows - consumed);
            state.pending.extend_from_slice(
                &data[consumed as usize * row_bytes..(consumed + take) as usize * row_bytes],
            );
            state.pending_rows += take;
            consumed += take;
            let level_height = state.layout.size.1;
            if state.pending_rows == self.options.tile_size
                || state.rows_done + state.pending_rows == level_height
            {
                let strip = std::mem::take(&mut state.pending);
                let strip_rows = std::mem::replace(&mut state.pending_rows, 0);
                self.encode_strip(level, &strip, strip_rows)?;
                // Keep the allocation for the next strip of this level.
                let mut strip = strip;
                strip.clear();
                self.levels[level].pending = strip;
            }
        }
        Ok(())
    }

    /// Writes the directories of all levels and renames the finished file onto the target.
    /// Fails (leaving no file) when not every row of level 0 was written.
    pub fn finish(mut self) -> Result<()> {
        let base_size = self.levels[0].layout.size;
        if let Some(level) = self.levels.iter().find(|l| l.rows_done != l.layout.size.1) {
            return Err(WsiError::InvalidParameter(format!(
                "{}: finish called after {} of {} rows of level {}; write every strip first",
                self.path.display(),
                level.rows_done,
                level.layout.size.1,
                level.layout.index
            )));
        }
        self.sink.align_even()?;
        let start = self.sink.position();
        let tag_sets: Vec<_> = self
            .levels
            .iter()
            .map(|l| level_tags(&l.layout, base_size, &self.options))
            .collect();
        let classic = match self.options.bigtiff {
            BigTiff::Always => None,
            BigTiff::Auto | BigTiff::Never => chain_ifds(&tag_sets, TiffFormat::Classic, start),
        };
        let (format, ifds) = match (classic, self.options.bigtiff) {
            (Some(ifds), _) => (TiffFormat::Classic, ifds),
            (None, BigTiff::Never) => {
                return Err(WsiError::Encode {
                    path: self.path.clone(),
                    what: "the directories".to_string(),
                    reason: "the file passes 4 GiB; use BigTiff::Auto or Always".to_string(),
                });
            }
            (None, _) => (
                TiffFormat::Big,
                chain_ifds(&tag_sets, TiffFormat::Big, start).ok_or_else(|| WsiError::Encode {
                    path: self.path.clone(),
                    what: "the directories".to_string(),
                    reason: "too many entries for BigTIFF".to_string(),
                })?,
            ),
        };
        for ifd in &ifds {
            self.sink.append(&ifd.bytes)?;
        }
        let header = format.header(start).ok_or_else(|| WsiError::Encode {
            path: self.path.clone(),
            what: "the header".to_string(),
            reason: "first directory offset does not fit".to_string(),
        })?;
        self.sink.persist(&header)
    }
}

/// Encodes the IFDs of all levels back to back from offset `start` (even), each pointing at
/// the next; `None` when some offset does not fit `format`.
fn chain_ifds(
    tag_sets: &[Vec<super::ifd::Tag>],
    format: TiffFormat,
    start: u64,
) -> Option<Vec<EncodedIfd>> {
    let mut at = start;
    let mut ifds: Vec<EncodedIfd> = Vec::with_capacity(tag_sets.len());
    for tags in tag_sets {
        if let Some(previous) = ifds.last_mut() {
            previous.link(format, at)?;
        }
        let ifd = encode_ifd(tags, format, at)?;
        at += ifd.bytes.len() as u64;
        ifds.push(ifd);
    }
    Some(ifds)
}

/// Writes a whole in-memory image as a pyramidal TIFF at `path`: the convenience form of
/// [`PyramidWriter`] for images that already fit in memory.
pub fn write_pyramid(
    path: impl AsRef<Path>,
    image: &RgbImage,
    options: &WriterOptions,
) -> Result<()> {
    let (width, height) = image.dimensions();
    let mut writer = PyramidWriter::create(path, width, height, options.clone())?;
    let strip_bytes = options.tile_size as usize * width as usize * 3;
    // Whole strips of the image in order: exactly what write_strip would accept.
    for chunk in image.as_raw().chunks(strip_bytes) {
        let rows = (chunk.len() / (width as usize * 3)) as u32;
        writer.append_level0_strip(chunk, rows)?;
    }
    writer.finish()
}
