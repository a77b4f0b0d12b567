//! Compression of one padded RGB tile into the bytes stored in the file, and the TIFF tags
//! that tell readers how to decode them.

use std::io::Write;

use jpeg_encoder::{ColorType, Encoder, SamplingFactor};

use super::ifd::{Tag, TagValue};
use super::options::Compression;
use crate::tiff_codes::{
    COMPRESSION_DEFLATE, COMPRESSION_JPEG, COMPRESSION_LZW, PHOTOMETRIC_RGB, PHOTOMETRIC_YCBCR,
    PREDICTOR_HORIZONTAL, tag,
};

/// Encodes a `side` x `side` RGB tile (row-major, 3 bytes a pixel). The buffer is scratch:
/// lossless codecs apply the predictor to it in place. The error is the codec's message.
pub(crate) fn encode_tile(
    compression: Compression,
    tile: &mut [u8],
    side: u32,
) -> Result<Vec<u8>, String> {
    match compression {
        Compression::Jpeg { quality } => encode_jpeg(tile, side, quality),
        Compression::Deflate => {
            apply_horizontal_predictor(tile, side as usize);
            let mut z = flate2::write::ZlibEncoder::new(
                Vec::with_capacity(tile.len() / 2),
                flate2::Compression::default(),
            );
            z.write_all(tile).map_err(|e| e.to_string())?;
            z.finish().map_err(|e| e.to_string())
        }
        Compression::Lzw => {
            apply_horizontal_predictor(tile, side as usize);
            weezl::encode::Encoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
                .encode(tile)
                .map_err(|e| e.to_string())
        }
    }
}

/// A complete, self-contained baseline JPEG (its own tables, no JPEGTables tag needed), in
/// YCbCr without chroma subsampling so thin stained membranes keep their colour.
fn encode_jpeg(tile: &[u8], side: u32, quality: u8) -> Result<Vec<u8>, String> {
    let side = u16::try_from(side).map_err(|_| format!("tile side {side} exceeds JPEG's 65535"))?;
    let mut out = Vec::with_capacity(tile.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality);
    encoder.set_sampling_factor(SamplingFactor::F_1_1);
    encoder
        .encode(tile, side, side, ColorType::Rgb)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// TIFF predictor 2 for 8-bit RGB: every sample minus the same channel of the pixel to its
/// left, per row (modulo 256). Readers undo it after decompression.
fn apply_horizontal_predictor(tile: &mut [u8], side: usize) {
    for row in tile.chunks_exact_mut(side * 3) {
        for i in (3..row.len()).rev() {
            row[i] = row[i].wrapping_sub(row[i - 3]);
        }
    }
}

/// The tags describing how tiles of `compression` are stored: Compression,
/// PhotometricInterpretation and, per codec, Predictor or YCbCrSubSampling.
pub(crate) fn codec_tags(compression: Compression) -> Vec<Tag> {
    let short = |code: u16, v: &[u16]| Tag {
        code,
        value: TagValue::Short(v.to_vec()),
    };
    match compression {
        Compression::Jpeg { .. } => vec![
            short(tag::COMPRESSION, &[COMPRESSION_JPEG]),
            short(tag::PHOTOMETRIC, &[PHOTOMETRIC_YCBCR]),
            // Matches the encoder's 1x1 sampling (libtiff checks the two agree).
            short(tag::YCBCR_SUBSAMPLING, &[1, 1]),
        ],
        Compression::Deflate | Compression::Lzw => vec![
            short(
                tag::COMPRESSION,
                &[if compression == Compression::Deflate {
                    COMPRESSION_DEFLATE
                } else {
                    COMPRESSION_LZW
                }],
            ),
            short(tag::PHOTOMETRIC, &[PHOTOMETRIC_RGB]),
            short(tag::PREDICTOR, &[PREDICTOR_HORIZONTAL]),
        ],
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn gradient_tile(side: u32) -> Vec<u8> {
        (0..side * side)
            .flat_map(|i| {
                let (x, y) = (i % side, i / side);
                [(x * 7 + y) as u8, (y * 3) as u8, (x ^ y) as u8]
            })
            .collect()
    }

    fn undo_predictor(tile: &mut [u8], side: usize) {
        for row in tile.chunks_exact_mut(side * 3) {
            for i in 3..row.len() {
                row[i] = row[i].wrapping_add(row[i - 3]);
            }
        }
    }

    #[test]
    fn deflate_tiles_decode_to_the_exact_pixels() {
        let original = gradient_tile(32);
        let bytes = encode_tile(Compression::Deflate, &mut original.clone(), 32).unwrap();
        let mut decoded = Vec::new();
        flate2::read::ZlibDecoder::new(&bytes[..])
            .read_to_end(&mut decoded)
            .unwrap();
        undo_predictor(&mut decoded, 32);
        assert_eq!(decoded, original);
    }

    #[test]
    fn lzw_tiles_decode_to_the_exact_pixels() {
        let original = gradient_tile(48);
        let bytes = encode_tile(Compression::Lzw, &mut original.clone(), 48).unwrap();
        let mut decoded = weezl::decode::Decoder::with_tiff_size_switch(weezl::BitOrder::Msb, 8)
            .decode(&bytes)
            .unwrap();
        undo_predictor(&mut decoded, 48);
        assert_eq!(decoded, original);
    }

    #[test]
    fn jpeg_tiles_are_full_streams_close_to_the_input() {
        let original = gradient_tile(64);
        let bytes =
            encode_tile(Compression::Jpeg { quality: 95 }, &mut original.clone(), 64).unwrap();
        assert_eq!(&bytes[..2], [0xFF, 0xD8], "starts with SOI");
        let decoded = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
            .unwrap()
            .to_rgb8();
        assert_eq!(decoded.dimensions(), (64, 64));
        let mean_err = decoded
            .as_raw()
            .iter()
            .zip(&original)
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / original.len() as f64;
        assert!(mean_err < 4.0, "mean abs error {mean_err}");
    }

    #[test]
    fn predictor_differences_each_channel_from_its_left_neighbour() {
        let mut row = vec![10, 20, 30, 11, 25, 29, 9, 25, 255];
        apply_horizontal_predictor(&mut row, 3);
        assert_eq!(row, [10, 20, 30, 1, 5, 255, 254, 0, 226]);
    }

    #[test]
    fn tags_match_the_codec() {
        let codes = |c| codec_tags(c).iter().map(|t| t.code).collect::<Vec<_>>();
        assert_eq!(codes(Compression::default()), [259, 262, 530]);
        assert_eq!(codes(Compression::Lzw), [259, 262, 317]);
        assert_eq!(
            codec_tags(Compression::Deflate)[0].value,
            TagValue::Short(vec![COMPRESSION_DEFLATE])
        );
    }
}
