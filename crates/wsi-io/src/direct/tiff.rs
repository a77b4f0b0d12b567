//! A read-only walk over a TIFF / BigTIFF file's image directories: just the tags a tiled,
//! JPEG-compressed pyramid level needs (sizes, tile layout, tile offsets, JPEG tables).

use std::fs::File;
use std::io;

use super::read_at::read_exact_at;
use crate::tiff_codes::{COMPRESSION_JPEG, PHOTOMETRIC_RGB, PHOTOMETRIC_YCBCR, tag};

/// Refuse files whose directory chain is longer than this (a loop or a hostile file).
const MAX_DIRECTORIES: usize = 4096;
/// Refuse tag arrays above this many values (~1.9 M tiles: a 350k x 350k level of 256 px tiles).
const MAX_ARRAY_LEN: u64 = 1 << 21;

/// One tiled image directory: enough to locate and decode any of its tiles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TiledDirectory {
    /// Width in pixels.
    pub width: u64,
    /// Height in pixels.
    pub height: u64,
    /// Tile width in pixels.
    pub tile_width: u32,
    /// Tile height in pixels.
    pub tile_height: u32,
    /// `Compression` (7 = JPEG).
    pub compression: u64,
    /// `PhotometricInterpretation` (2 = RGB, 6 = YCbCr).
    pub photometric: u64,
    /// `SamplesPerPixel`.
    pub samples_per_pixel: u64,
    /// Every `BitsPerSample` value is 8.
    pub eight_bit: bool,
    /// `PlanarConfiguration` is chunky (1, the default).
    pub chunky: bool,
    /// Byte offset of each tile, row-major.
    pub tile_offsets: Vec<u64>,
    /// Byte length of each tile, row-major; 0 marks a tile that was never written.
    pub tile_byte_counts: Vec<u64>,
    /// The shared JPEG tables (an abbreviated SOI..EOI stream), when the file has them.
    pub jpeg_tables: Option<Vec<u8>>,
}

impl TiledDirectory {
    /// Tiles per row.
    pub fn tiles_across(&self) -> u64 {
        self.width.div_ceil(u64::from(self.tile_width))
    }

    /// Tiles per column.
    pub fn tiles_down(&self) -> u64 {
        self.height.div_ceil(u64::from(self.tile_height))
    }

    /// Whether tiles are 8-bit, 3-sample, chunky JPEG in RGB or YCbCr: what the direct reader
    /// decodes. Anything else stays with OpenSlide.
    pub fn is_plain_jpeg_rgb(&self) -> bool {
        self.compression == u64::from(COMPRESSION_JPEG)
            && [PHOTOMETRIC_RGB, PHOTOMETRIC_YCBCR]
                .iter()
                .any(|&p| self.photometric == u64::from(p))
            && self.samples_per_pixel == 3
            && self.eight_bit
            && self.chunky
            && self.tile_width > 0
            && self.tile_height > 0
            && self.tile_offsets.len() == self.tile_byte_counts.len()
            && self.tile_offsets.len() as u64 == self.tiles_across() * self.tiles_down()
    }
}

/// Byte order and offset width of a TIFF file.
#[derive(Debug, Clone, Copy)]
struct Layout {
    little_endian: bool,
    big_tiff: bool,
}

impl Layout {
    fn u16(&self, b: &[u8]) -> u16 {
        let a = [b[0], b[1]];
        if self.little_endian {
            u16::from_le_bytes(a)
        } else {
            u16::from_be_bytes(a)
        }
    }

    fn u32(&self, b: &[u8]) -> u32 {
        let a = [b[0], b[1], b[2], b[3]];
        if self.little_endian {
            u32::from_le_bytes(a)
        } else {
            u32::from_be_bytes(a)
        }
    }

    fn u64(&self, b: &[u8]) -> u64 {
        let a = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
        if self.little_endian {
            u64::from_le_bytes(a)
        } else {
            u64::from_be_bytes(a)
        }
    }

    /// An offset-sized field (4 bytes, 8 in BigTIFF).
    fn offset(&self, b: &[u8]) -> u64 {
        if self.big_tiff {
            self.u64(b)
        } else {
            u64::from(self.u32(b))
        }
    }

    fn entry_len(&self) -> usize {
        if self.big_tiff { 20 } else { 12 }
    }

    fn count_len(&self) -> usize {
        if self.big_tiff { 8 } else { 2 }
    }

    fn inline_len(&self) -> usize {
        if self.big_tiff { 8 } else { 4 }
    }
}

/// One raw directory entry: its type, count and the bytes of its value field (inline or not).
struct Entry {
    tag: u16,
    kind: u16,
    count: u64,
    field: [u8; 8],
}

fn invalid(reason: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, reason.into())
}

/// Size in bytes of one value of TIFF field type `kind`, for the types this reader reads.
fn type_size(kind: u16) -> Option<u64> {
    match kind {
        1 | 2 | 6 | 7 => Some(1), // BYTE, ASCII, SBYTE, UNDEFINED
        3 | 8 => Some(2),         // SHORT, SSHORT
        4 | 9 | 13 => Some(4),    // LONG, SLONG, IFD
        16..=18 => Some(8),       // LONG8, SLONG8, IFD8
        _ => None,
    }
}

/// Reads a TIFF file's directories one by one.
struct Reader<'a> {
    file: &'a File,
    layout: Layout,
}

impl Reader<'_> {
    /// The raw bytes of an entry's value, read from the file when they do not fit inline.
    fn value_bytes(&self, entry: &Entry) -> io::Result<Vec<u8>> {
        let size = type_size(entry.kind).ok_or_else(|| {
            invalid(format!(
                "tag {} has unsupported type {}",
                entry.tag, entry.kind
            ))
        })?;
        if entry.count > MAX_ARRAY_LEN {
            return Err(invalid(format!(
                "tag {} has {} values, above the reader's limit",
                entry.tag, entry.count
            )));
        }
        let len = size * entry.count;
        let len_usize = usize::try_from(len).map_err(|_| invalid("tag value too large"))?;
        if len_usize <= self.layout.inline_len() {
            return Ok(entry.field[..len_usize].to_vec());
        }
        let offset = self.layout.offset(&entry.field);
        let mut bytes = vec![0u8; len_usize];
        read_exact_at(self.file, &mut bytes, offset)?;
        Ok(bytes)
    }

    /// An entry's values as unsigned integers (BYTE, SHORT, LONG, LONG8 and the IFD types).
    fn integers(&self, entry: &Entry) -> io::Result<Vec<u64>> {
        let bytes = self.value_bytes(entry)?;
        let l = self.layout;
        Ok(match entry.kind {
            1 | 7 => bytes.iter().map(|&b| u64::from(b)).collect(),
            3 => bytes.chunks_exact(2).map(|b| u64::from(l.u16(b))).collect(),
            4 | 13 => bytes.chunks_exact(4).map(|b| u64::from(l.u32(b))).collect(),
            16 | 18 => bytes.chunks_exact(8).map(|b| l.u64(b)).collect(),
            other => {
                return Err(invalid(format!(
                    "tag {} holds type {other}, not an unsigned integer",
                    entry.tag
                )));
            }
        })
    }

    fn first_integer(&self, entry: &Entry) -> io::Result<u64> {
        self.integers(entry)?
            .first()
            .copied()
            .ok_or_else(|| invalid(format!("tag {} is empty", entry.tag)))
    }

    /// The entries of the directory at `offset` and the offset of the next one (0 at the end).
    fn directory(&self, offset: u64) -> io::Result<(Vec<Entry>, u64)> {
        let l = self.layout;
        let mut count_bytes = [0u8; 8];
        read_exact_at(self.file, &mut count_bytes[..l.count_len()], offset)?;
        let count = if l.big_tiff {
            l.u64(&count_bytes)
        } else {
            u64::from(l.u16(&count_bytes))
        };
        if count > 65_535 {
            return Err(invalid(format!("a directory claims {count} entries")));
        }
        let entries_len = count as usize * l.entry_len();
        let mut bytes = vec![0u8; entries_len + l.inline_len()];
        read_exact_at(self.file, &mut bytes, offset + l.count_len() as u64)?;
        let entries = bytes[..entries_len]
            .chunks_exact(l.entry_len())
            .map(|e| {
                let (count, field_at) = if l.big_tiff {
                    (l.u64(&e[4..12]), 12)
                } else {
                    (u64::from(l.u32(&e[4..8])), 8)
                };
                let mut field = [0u8; 8];
                field[..l.inline_len()].copy_from_slice(&e[field_at..field_at + l.inline_len()]);
                Entry {
                    tag: l.u16(&e[0..2]),
                    kind: l.u16(&e[2..4]),
                    count,
                    field,
                }
            })
            .collect();
        Ok((entries, l.offset(&bytes[entries_len..])))
    }

    /// The tiled directory made of `entries`, or `None` when it is striped (e.g. an associated
    /// image) or lacks a required tag.
    fn tiled(&self, entries: &[Entry]) -> io::Result<Option<TiledDirectory>> {
        let find = |t: u16| entries.iter().find(|e| e.tag == t);
        let (Some(w), Some(h), Some(tw), Some(th), Some(offs), Some(counts)) = (
            find(tag::IMAGE_WIDTH),
            find(tag::IMAGE_LENGTH),
            find(tag::TILE_WIDTH),
            find(tag::TILE_LENGTH),
            find(tag::TILE_OFFSETS),
            find(tag::TILE_BYTE_COUNTS),
        ) else {
            return Ok(None);
        };
        let small = |v: u64| u32::try_from(v).map_err(|_| invalid("tile size out of range"));
        let int_or = |t: u16, default: u64| -> io::Result<u64> {
            find(t).map_or(Ok(default), |e| self.first_integer(e))
        };
        Ok(Some(TiledDirectory {
            width: self.first_integer(w)?,
            height: self.first_integer(h)?,
            tile_width: small(self.first_integer(tw)?)?,
            tile_height: small(self.first_integer(th)?)?,
            compression: int_or(tag::COMPRESSION, 1)?,
            photometric: int_or(tag::PHOTOMETRIC, u64::MAX)?,
            samples_per_pixel: int_or(tag::SAMPLES_PER_PIXEL, 1)?,
            eight_bit: match find(tag::BITS_PER_SAMPLE) {
                Some(e) => self.integers(e)?.iter().all(|&b| b == 8),
                None => false,
            },
            chunky: int_or(tag::PLANAR_CONFIGURATION, 1)? == 1,
            tile_offsets: self.integers(offs)?,
            tile_byte_counts: self.integers(counts)?,
            jpeg_tables: find(tag::JPEG_TABLES)
                .map(|e| self.value_bytes(e))
                .transpose()?,
        }))
    }
}

/// Every tiled directory of the TIFF or BigTIFF file, in file order. Striped directories
/// (labels, macros, thumbnails) are skipped.
pub fn tiled_directories(file: &File) -> io::Result<Vec<TiledDirectory>> {
    let mut header = [0u8; 16];
    read_exact_at(file, &mut header, 0)?;
    let little_endian = match &header[0..2] {
        b"II" => true,
        b"MM" => false,
        _ => return Err(invalid("not a TIFF file (no II/MM byte order mark)")),
    };
    let mut layout = Layout {
        little_endian,
        big_tiff: false,
    };
    let first = match layout.u16(&header[2..4]) {
        42 => u64::from(layout.u32(&header[4..8])),
        43 => {
            layout.big_tiff = true;
            layout.u64(&header[8..16])
        }
        v => return Err(invalid(format!("not a TIFF file (version {v})"))),
    };
    let reader = Reader { file, layout };
    let mut directories = Vec::new();
    let mut seen = Vec::new();
    let mut offset = first;
    while offset != 0 {
        if seen.contains(&offset) || seen.len() >= MAX_DIRECTORIES {
            return Err(invalid("the directory chain loops or is too long"));
        }
        seen.push(offset);
        let (entries, next) = reader.directory(offset)?;
        if let Some(tiled) = reader.tiled(&entries)? {
            directories.push(tiled);
        }
        offset = next;
    }
    Ok(directories)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> File {
        let mut f = tempfile::tempfile().unwrap();
        f.write_all(bytes).unwrap();
        f
    }

    /// A little-endian classic TIFF with one tiled 300 x 200 directory of 256 px JPEG tiles.
    fn tiny_tiled_tiff() -> Vec<u8> {
        let mut b = b"II*\0".to_vec();
        b.extend(8u32.to_le_bytes());
        let entries: [(u16, u16, u32, u32); 10] = [
            (256, 3, 1, 300),
            (257, 3, 1, 200),
            (258, 3, 1, 8),
            (259, 3, 1, 7),
            (262, 3, 1, 6),
            (277, 3, 1, 3),
            (322, 3, 1, 256),
            (323, 3, 1, 256),
            (324, 4, 2, 200), // two LONGs at offset 200
            (325, 4, 2, 208),
        ];
        b.extend((entries.len() as u16).to_le_bytes());
        for (t, k, c, v) in entries {
            b.extend(t.to_le_bytes());
            b.extend(k.to_le_bytes());
            b.extend(c.to_le_bytes());
            b.extend(v.to_le_bytes());
        }
        b.extend(0u32.to_le_bytes());
        b.resize(200, 0);
        b.extend(1000u32.to_le_bytes());
        b.extend(2000u32.to_le_bytes());
        b.extend(10u32.to_le_bytes());
        b.extend(0u32.to_le_bytes());
        b
    }

    #[test]
    fn reads_a_tiled_directory() {
        let dirs = tiled_directories(&file_with(&tiny_tiled_tiff())).unwrap();
        assert_eq!(dirs.len(), 1);
        let d = &dirs[0];
        assert_eq!(
            (d.width, d.height, d.tile_width, d.tile_height),
            (300, 200, 256, 256)
        );
        assert_eq!((d.tiles_across(), d.tiles_down()), (2, 1));
        assert_eq!(d.tile_offsets, vec![1000, 2000]);
        assert_eq!(d.tile_byte_counts, vec![10, 0]);
        assert!(d.is_plain_jpeg_rgb());
        assert_eq!(d.jpeg_tables, None);
    }

    #[test]
    fn refuses_non_tiff_and_loops() {
        assert!(tiled_directories(&file_with(b"\x89PNG\r\n\x1a\n........")).is_err());
        let mut looped = b"II*\0".to_vec();
        looped.extend(8u32.to_le_bytes());
        looped.extend(0u16.to_le_bytes());
        looped.extend(8u32.to_le_bytes()); // next directory: itself
        looped.resize(32, 0);
        assert!(tiled_directories(&file_with(&looped)).is_err());
        assert!(tiled_directories(&file_with(b"II*\0")).is_err()); // truncated
    }

    #[test]
    fn other_layouts_are_not_plain_jpeg() {
        let mut d = tiled_directories(&file_with(&tiny_tiled_tiff()))
            .unwrap()
            .remove(0);
        d.compression = 33005; // Aperio JPEG 2000
        assert!(!d.is_plain_jpeg_rgb());
    }
}
