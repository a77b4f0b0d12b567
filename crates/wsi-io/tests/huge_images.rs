//! An image whose header declares more pixels than fit in memory is refused before any pixel
//! is decoded, with an error that states the declared size and the limit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use wsi_io::{ImageSlide, WsiError, open};

/// A PNG chunk: length, type, data, CRC of type and data.
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
}

/// A PNG header declaring an 8-bit RGB image of `w` x `h` pixels, with one empty IDAT.
fn huge_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    png_chunk(&mut out, b"IDAT", &[]);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// A little-endian, uncompressed, stripped (so not for OpenSlide) 8-bit grey TIFF declaring
/// `w` x `h` pixels in one strip whose bytes are not there.
fn huge_tiff(w: u32, h: u32) -> Vec<u8> {
    const SHORT: u16 = 3;
    const LONG: u16 = 4;
    let entries: [(u16, u16, u32); 9] = [
        (256, LONG, w),   // ImageWidth
        (257, LONG, h),   // ImageLength
        (258, SHORT, 8),  // BitsPerSample
        (259, SHORT, 1),  // Compression: none
        (262, SHORT, 1),  // PhotometricInterpretation: BlackIsZero
        (273, LONG, 8),   // StripOffsets
        (277, SHORT, 1),  // SamplesPerPixel
        (278, LONG, h),   // RowsPerStrip
        (279, LONG, 128), // StripByteCounts
    ];
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&8u32.to_le_bytes());
    out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
    for (tag, kind, value) in entries {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&kind.to_le_bytes());
        out.extend_from_slice(&1u32.to_le_bytes());
        if kind == SHORT {
            out.extend_from_slice(&(value as u16).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
        } else {
            out.extend_from_slice(&value.to_le_bytes());
        }
    }
    out.extend_from_slice(&0u32.to_le_bytes());
    out.resize(out.len() + 128, 0);
    out
}

fn assert_refused_with_size(path: &Path) {
    let err = match open(path) {
        Ok(_) => panic!("{} opened but should not have", path.display()),
        Err(e) => e,
    };
    assert!(
        matches!(
            err,
            WsiError::BadSize {
                w: 1_000_000,
                h: 1_000_000,
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    let limit = format!("{} MiB", ImageSlide::MAX_DECODED_BYTES / (1024 * 1024));
    let file = path.display().to_string();
    for part in [
        file.as_str(),
        "1000000x1000000",
        "too large to hold in memory",
        limit.as_str(),
    ] {
        assert!(message.contains(part), "{part:?} missing: {message}");
    }
    assert!(!message.contains(" 0x0 "), "{message}");
}

#[test]
fn a_png_declaring_a_million_pixels_square_is_refused_with_its_size_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.png");
    std::fs::write(&path, huge_png(1_000_000, 1_000_000)).unwrap();
    assert_refused_with_size(&path);
}

#[test]
fn a_tiff_declaring_a_million_pixels_square_is_refused_with_its_size_and_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.tif");
    std::fs::write(&path, huge_tiff(1_000_000, 1_000_000)).unwrap();
    assert_refused_with_size(&path);
}

#[test]
fn the_crafted_headers_are_valid_images_when_small() {
    // The same header builders at a size that fits: the PNG has no pixel data (corrupt, not
    // refused for its size) and the TIFF decodes, which shows the refusal above is the size.
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("small.png");
    std::fs::write(&png, huge_png(4, 4)).unwrap();
    assert!(matches!(open(&png), Err(WsiError::Corrupt { .. })));
    let tiff = dir.path().join("small.tif");
    std::fs::write(&tiff, huge_tiff(16, 8)).unwrap();
    let slide = open(&tiff).unwrap();
    assert_eq!(slide.dimensions(), (16, 8));
}
