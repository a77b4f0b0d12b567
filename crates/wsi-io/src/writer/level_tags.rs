//! The IFD tags of one pyramid level: geometry, pixel layout, codec, tile locations,
//! description and (when known) physical resolution.

use super::codec::codec_tags;
use super::description::level_description;
use super::ifd::{Tag, TagValue};
use super::options::WriterOptions;
use crate::tiff_codes::{RESOLUTION_UNIT_CM, tag};

/// One finished pyramid level: its size and where its tiles are in the file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LevelLayout {
    /// Index in the pyramid (0 = full resolution).
    pub index: usize,
    /// Width and height in pixels.
    pub size: (u32, u32),
    /// File offset of each tile, row-major.
    pub tile_offsets: Vec<u64>,
    /// Byte length of each tile, row-major.
    pub tile_byte_counts: Vec<u64>,
}

/// A TIFF RATIONAL close to `value` (> 0): the finest of a few decimal denominators whose
/// numerator still fits 32 bits.
fn rational(value: f64) -> (u32, u32) {
    for denominator in [1_000_000u32, 10_000, 100, 1] {
        let numerator = (value * f64::from(denominator)).round();
        if numerator <= f64::from(u32::MAX) {
            return (numerator as u32, denominator);
        }
    }
    (u32::MAX, 1)
}

/// All tags of `level` of a pyramid whose level 0 is `base_size`.
pub(crate) fn level_tags(
    level: &LevelLayout,
    base_size: (u32, u32),
    options: &WriterOptions,
) -> Vec<Tag> {
    let long = |code: u16, v: u32| Tag {
        code,
        value: TagValue::Long(vec![v]),
    };
    let short = |code: u16, v: &[u16]| Tag {
        code,
        value: TagValue::Short(v.to_vec()),
    };
    let (w, h) = level.size;
    let mut tags = vec![
        // NewSubfileType: 0 for the full image, 1 ("reduced resolution") for the others.
        long(tag::NEW_SUBFILE_TYPE, u32::from(level.index > 0)),
        long(tag::IMAGE_WIDTH, w),
        long(tag::IMAGE_LENGTH, h),
        short(tag::BITS_PER_SAMPLE, &[8, 8, 8]),
        Tag {
            code: tag::IMAGE_DESCRIPTION,
            value: TagValue::Ascii(level_description(
                base_size,
                level.size,
                level.index,
                options,
            )),
        },
        short(tag::SAMPLES_PER_PIXEL, &[3]),
        short(tag::PLANAR_CONFIGURATION, &[1]),
        long(tag::TILE_WIDTH, options.tile_size),
        long(tag::TILE_LENGTH, options.tile_size),
        Tag {
            code: tag::TILE_OFFSETS,
            value: TagValue::Offsets(level.tile_offsets.clone()),
        },
        Tag {
            code: tag::TILE_BYTE_COUNTS,
            value: TagValue::Offsets(level.tile_byte_counts.clone()),
        },
    ];
    tags.extend(codec_tags(options.compression));
    if let Some(mpp) = options.mpp {
        // Pixels per centimetre of this level along each axis.
        let per_cm =
            |base: u32, here: u32| rational(1e4 / (mpp * f64::from(base) / f64::from(here)));
        tags.push(Tag {
            code: tag::X_RESOLUTION,
            value: TagValue::Rational(vec![per_cm(base_size.0, w)]),
        });
        tags.push(Tag {
            code: tag::Y_RESOLUTION,
            value: TagValue::Rational(vec![per_cm(base_size.1, h)]),
        });
        tags.push(short(tag::RESOLUTION_UNIT, &[RESOLUTION_UNIT_CM]));
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(index: usize, size: (u32, u32)) -> LevelLayout {
        LevelLayout {
            index,
            size,
            tile_offsets: vec![16],
            tile_byte_counts: vec![100],
        }
    }

    fn find(tags: &[Tag], code: u16) -> Option<&TagValue> {
        tags.iter().find(|t| t.code == code).map(|t| &t.value)
    }

    #[test]
    fn level_zero_has_geometry_codec_and_resolution() {
        let options = WriterOptions {
            mpp: Some(0.25),
            ..Default::default()
        };
        let tags = level_tags(&layout(0, (1000, 600)), (1000, 600), &options);
        assert_eq!(find(&tags, 254), Some(&TagValue::Long(vec![0])));
        assert_eq!(find(&tags, 256), Some(&TagValue::Long(vec![1000])));
        assert_eq!(find(&tags, 257), Some(&TagValue::Long(vec![600])));
        assert_eq!(find(&tags, 322), Some(&TagValue::Long(vec![256])));
        assert_eq!(find(&tags, 259), Some(&TagValue::Short(vec![7])));
        // 0.25 um/px = 40000 px/cm, in centimetres (unit 3).
        assert_eq!(
            find(&tags, 282),
            Some(&TagValue::Rational(vec![(400_000_000, 10_000)]))
        );
        assert_eq!(find(&tags, 296), Some(&TagValue::Short(vec![3])));
    }

    #[test]
    fn lower_levels_are_reduced_images_at_their_own_resolution() {
        let options = WriterOptions {
            mpp: Some(0.5),
            compression: crate::writer::Compression::Deflate,
            ..Default::default()
        };
        let tags = level_tags(&layout(1, (500, 300)), (1000, 600), &options);
        assert_eq!(find(&tags, 254), Some(&TagValue::Long(vec![1])));
        assert_eq!(
            find(&tags, 283),
            Some(&TagValue::Rational(vec![(100_000_000, 10_000)]))
        );
        assert_eq!(find(&tags, 317), Some(&TagValue::Short(vec![2])));
    }

    #[test]
    fn no_mpp_means_no_resolution_tags() {
        let tags = level_tags(&layout(0, (10, 10)), (10, 10), &WriterOptions::default());
        assert!(find(&tags, 282).is_none() && find(&tags, 296).is_none());
    }

    #[test]
    fn rationals_keep_precision_and_fit_32_bits() {
        assert_eq!(rational(20000.0), (200_000_000, 10_000));
        assert_eq!(rational(1.5), (1_500_000, 1_000_000));
        assert_eq!(rational(1e12), (u32::MAX, 1));
    }
}
