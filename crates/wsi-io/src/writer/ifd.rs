//! Encoding of one TIFF image file directory (IFD) in classic or BigTIFF layout, little-endian.
//!
//! An IFD is a count, a sorted table of fixed-size entries and the offset of the next IFD;
//! values too long to sit in an entry follow the table, each at an even offset.

/// TIFF field types used by the writer, with their on-disk type codes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TagValue {
    /// 16-bit unsigned integers (type 3).
    Short(Vec<u16>),
    /// 32-bit unsigned integers (type 4).
    Long(Vec<u32>),
    /// File offsets or byte counts: LONG (4) in classic TIFF, LONG8 (16) in BigTIFF.
    Offsets(Vec<u64>),
    /// Text, written NUL-terminated (type 2).
    Ascii(String),
    /// Unsigned fractions numerator / denominator (type 5).
    Rational(Vec<(u32, u32)>),
}

/// One IFD entry: a tag code and its value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Tag {
    /// The TIFF tag number (e.g. 256 for ImageWidth).
    pub code: u16,
    /// The value.
    pub value: TagValue,
}

/// The two TIFF layouts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TiffFormat {
    /// 32-bit offsets, 12-byte entries: files under 4 GiB.
    Classic,
    /// 64-bit offsets, 20-byte entries.
    Big,
}

impl TiffFormat {
    /// Bytes of the value/offset field of an entry (and of the next-IFD pointer).
    fn offset_size(self) -> usize {
        match self {
            Self::Classic => 4,
            Self::Big => 8,
        }
    }

    /// Bytes of the entry-count field.
    fn count_size(self) -> usize {
        match self {
            Self::Classic => 2,
            Self::Big => 8,
        }
    }

    /// Bytes of one entry.
    fn entry_size(self) -> usize {
        match self {
            Self::Classic => 12,
            Self::Big => 20,
        }
    }

    /// The file header pointing at the first IFD, padded to [`HEADER_LEN`] bytes; `None` when
    /// the offset does not fit the format.
    pub(crate) fn header(self, first_ifd: u64) -> Option<[u8; HEADER_LEN]> {
        let mut h = [0u8; HEADER_LEN];
        h[0..2].copy_from_slice(b"II");
        match self {
            Self::Classic => {
                h[2..4].copy_from_slice(&42u16.to_le_bytes());
                h[4..8].copy_from_slice(&u32::try_from(first_ifd).ok()?.to_le_bytes());
            }
            Self::Big => {
                h[2..4].copy_from_slice(&43u16.to_le_bytes());
                h[4..6].copy_from_slice(&8u16.to_le_bytes());
                h[8..16].copy_from_slice(&first_ifd.to_le_bytes());
            }
        }
        Some(h)
    }
}

/// Bytes reserved at the start of the file: enough for either header, so the layout can be
/// chosen once the file size is known.
pub(crate) const HEADER_LEN: usize = 16;

/// An IFD ready to be written at a known offset.
#[derive(Debug)]
pub(crate) struct EncodedIfd {
    /// The IFD and its out-of-line values.
    pub bytes: Vec<u8>,
    /// Where in `bytes` the next-IFD pointer sits (so the chain can be linked afterwards).
    pub next_pointer_at: usize,
}

impl EncodedIfd {
    /// Points this IFD at the next one (0 ends the chain); `None` when it does not fit.
    pub(crate) fn link(&mut self, format: TiffFormat, next: u64) -> Option<()> {
        let at = self.next_pointer_at;
        match format {
            TiffFormat::Classic => {
                self.bytes[at..at + 4].copy_from_slice(&u32::try_from(next).ok()?.to_le_bytes())
            }
            TiffFormat::Big => self.bytes[at..at + 8].copy_from_slice(&next.to_le_bytes()),
        }
        Some(())
    }
}

/// The type code, count and little-endian bytes of a value; `None` when an offset does not
/// fit a classic TIFF LONG.
fn value_bytes(value: &TagValue, format: TiffFormat) -> Option<(u16, u64, Vec<u8>)> {
    Some(match value {
        TagValue::Short(v) => (
            3,
            v.len() as u64,
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        TagValue::Long(v) => (
            4,
            v.len() as u64,
            v.iter().flat_map(|x| x.to_le_bytes()).collect(),
        ),
        TagValue::Offsets(v) => match format {
            TiffFormat::Classic => {
                let mut bytes = Vec::with_capacity(v.len() * 4);
                for &x in v {
                    bytes.extend_from_slice(&u32::try_from(x).ok()?.to_le_bytes());
                }
                (4, v.len() as u64, bytes)
            }
            TiffFormat::Big => (
                16,
                v.len() as u64,
                v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            ),
        },
        TagValue::Ascii(s) => {
            let mut bytes = s.as_bytes().to_vec();
            bytes.push(0);
            (2, bytes.len() as u64, bytes)
        }
        TagValue::Rational(v) => (
            5,
            v.len() as u64,
            v.iter()
                .flat_map(|(n, d)| n.to_le_bytes().into_iter().chain(d.to_le_bytes()))
                .collect(),
        ),
    })
}

/// Encodes `tags` (in any order; written sorted by code) as an IFD that will sit at file offset
/// `at` (even), with a next-IFD pointer of 0. `None` when an offset does not fit the format.
pub(crate) fn encode_ifd(tags: &[Tag], format: TiffFormat, at: u64) -> Option<EncodedIfd> {
    let mut sorted: Vec<&Tag> = tags.iter().collect();
    sorted.sort_by_key(|t| t.code);
    let off = format.offset_size();
    let table_len = format.count_size() + sorted.len() * format.entry_size() + off;
    let mut bytes = Vec::with_capacity(table_len);
    let mut extra: Vec<u8> = Vec::new();
    match format {
        TiffFormat::Classic => {
            bytes.extend_from_slice(&u16::try_from(sorted.len()).ok()?.to_le_bytes())
        }
        TiffFormat::Big => bytes.extend_from_slice(&(sorted.len() as u64).to_le_bytes()),
    }
    for tag in sorted {
        let (kind, count, data) = value_bytes(&tag.value, format)?;
        bytes.extend_from_slice(&tag.code.to_le_bytes());
        bytes.extend_from_slice(&kind.to_le_bytes());
        match format {
            TiffFormat::Classic => {
                bytes.extend_from_slice(&u32::try_from(count).ok()?.to_le_bytes())
            }
            TiffFormat::Big => bytes.extend_from_slice(&count.to_le_bytes()),
        }
        if data.len() <= off {
            let mut inline = data;
            inline.resize(off, 0);
            bytes.extend_from_slice(&inline);
        } else {
            let value_at = at + (table_len + extra.len()) as u64;
            match format {
                TiffFormat::Classic => {
                    bytes.extend_from_slice(&u32::try_from(value_at).ok()?.to_le_bytes())
                }
                TiffFormat::Big => bytes.extend_from_slice(&value_at.to_le_bytes()),
            }
            extra.extend_from_slice(&data);
            if extra.len() % 2 == 1 {
                extra.push(0);
            }
        }
    }
    let next_pointer_at = bytes.len();
    bytes.resize(table_len, 0);
    bytes.extend_from_slice(&extra);
    // Values end at even offsets, so the whole IFD does too and the next one stays aligned.
    debug_assert_eq!(bytes.len() % 2, 0);
    Some(EncodedIfd {
        bytes,
        next_pointer_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u16_at(b: &[u8], i: usize) -> u16 {
        u16::from_le_bytes([b[i], b[i + 1]])
    }
    fn u32_at(b: &[u8], i: usize) -> u32 {
        u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
    }
    fn u64_at(b: &[u8], i: usize) -> u64 {
        u64::from_le_bytes(b[i..i + 8].try_into().unwrap())
    }

    fn sample_tags() -> Vec<Tag> {
        vec![
            Tag {
                code: 270,
                value: TagValue::Ascii("Aperio x".into()),
            },
            Tag {
                code: 256,
                value: TagValue::Long(vec![1000]),
            },
            Tag {
                code: 258,
                value: TagValue::Short(vec![8, 8, 8]),
            },
            Tag {
                code: 324,
                value: TagValue::Offsets(vec![16, 5000]),
            },
        ]
    }

    #[test]
    fn classic_entries_are_sorted_with_inline_and_external_values() {
        let at = 100;
        let ifd = encode_ifd(&sample_tags(), TiffFormat::Classic, at).unwrap();
        let b = &ifd.bytes;
        assert_eq!(u16_at(b, 0), 4);
        let codes: Vec<u16> = (0..4).map(|i| u16_at(b, 2 + 12 * i)).collect();
        assert_eq!(codes, [256, 258, 270, 324]);
        // ImageWidth: LONG, count 1, inline.
        assert_eq!((u16_at(b, 4), u32_at(b, 6), u32_at(b, 10)), (4, 1, 1000));
        // BitsPerSample: 3 SHORTs = 6 bytes, stored after the table (table = 2 + 48 + 4).
        assert_eq!((u16_at(b, 16), u32_at(b, 18)), (3, 3));
        let bps_at = u32_at(b, 22) as usize - at as usize;
        assert_eq!(bps_at, 54);
        assert_eq!(
            [
                u16_at(b, bps_at),
                u16_at(b, bps_at + 2),
                u16_at(b, bps_at + 4)
            ],
            [8, 8, 8]
        );
        // ImageDescription: NUL-terminated, at an even offset.
        let desc_at = u32_at(b, 34) as usize;
        assert_eq!(desc_at % 2, 0);
        assert_eq!(u32_at(b, 30), 9);
        assert_eq!(&b[desc_at - at as usize..][..9], b"Aperio x\0");
        // TileOffsets: two LONGs = 8 bytes, out of line in classic.
        assert_eq!(u16_at(b, 40), 4);
        let offs_at = u32_at(b, 46) as usize - at as usize;
        assert_eq!((u32_at(b, offs_at), u32_at(b, offs_at + 4)), (16, 5000));
        assert_eq!(ifd.next_pointer_at, 50);
        assert_eq!(u32_at(b, 50), 0);
    }

    #[test]
    fn bigtiff_uses_long8_offsets_and_inlines_up_to_eight_bytes() {
        let ifd = encode_ifd(&sample_tags(), TiffFormat::Big, 64).unwrap();
        let b = &ifd.bytes;
        assert_eq!(u64_at(b, 0), 4);
        // Entry 1 (BitsPerSample): 6 bytes fit inline in BigTIFF.
        let e1 = 8 + 20;
        assert_eq!(
            (u16_at(b, e1), u16_at(b, e1 + 2), u64_at(b, e1 + 4)),
            (258, 3, 3)
        );
        assert_eq!(
            [u16_at(b, e1 + 12), u16_at(b, e1 + 14), u16_at(b, e1 + 16)],
            [8, 8, 8]
        );
        // Entry 3 (TileOffsets): LONG8 x 2 = 16 bytes, out of line.
        let e3 = 8 + 60;
        assert_eq!(
            (u16_at(b, e3), u16_at(b, e3 + 2), u64_at(b, e3 + 4)),
            (324, 16, 2)
        );
        let offs_at = u64_at(b, e3 + 12) as usize - 64;
        assert_eq!((u64_at(b, offs_at), u64_at(b, offs_at + 8)), (16, 5000));
        assert_eq!(ifd.next_pointer_at, 8 + 80);
    }

    #[test]
    fn offsets_past_4_gib_need_bigtiff() {
        let tags = [Tag {
            code: 324,
            value: TagValue::Offsets(vec![1 << 33]),
        }];
        assert!(encode_ifd(&tags, TiffFormat::Classic, 16).is_none());
        assert!(encode_ifd(&tags, TiffFormat::Big, 16).is_some());
        assert!(TiffFormat::Classic.header(1 << 32).is_none());
        let mut ifd = encode_ifd(&[], TiffFormat::Classic, 16).unwrap();
        assert!(ifd.link(TiffFormat::Classic, 1 << 32).is_none());
        assert!(ifd.link(TiffFormat::Classic, 40).is_some());
        assert_eq!(u32_at(&ifd.bytes, ifd.next_pointer_at), 40);
    }

    #[test]
    fn headers_have_the_magic_numbers() {
        let c = TiffFormat::Classic.header(1234).unwrap();
        assert_eq!(&c[..4], b"II\x2a\x00");
        assert_eq!(u32_at(&c, 4), 1234);
        let b = TiffFormat::Big.header(1 << 40).unwrap();
        assert_eq!(&b[..8], b"II\x2b\x00\x08\x00\x00\x00");
        assert_eq!(u64_at(&b, 8), 1 << 40);
    }

    #[test]
    fn rationals_are_numerator_then_denominator() {
        let tags = [Tag {
            code: 282,
            value: TagValue::Rational(vec![(40000, 1)]),
        }];
        let ifd = encode_ifd(&tags, TiffFormat::Classic, 0).unwrap();
        let at = u32_at(&ifd.bytes, 10) as usize;
        assert_eq!(
            (u32_at(&ifd.bytes, at), u32_at(&ifd.bytes, at + 4)),
            (40000, 1)
        );
    }
}
