//! What the writer can be asked to produce: tile size, compression, resolution metadata,
//! pyramid depth and TIFF flavour.

use serde::{Deserialize, Serialize};

use crate::error::{Result, WsiError};

/// How each tile is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// Baseline JPEG (YCbCr, no chroma subsampling), like scanner output; `quality` is 1..=100.
    Jpeg {
        /// JPEG quality, 1 (smallest) to 100 (best).
        quality: u8,
    },
    /// Lossless zlib ("Adobe deflate") with horizontal differencing: exact pixels, larger files.
    Deflate,
    /// Lossless LZW with horizontal differencing: exact pixels, the oldest TIFF codec.
    Lzw,
}

impl Default for Compression {
    /// JPEG at quality 90: small files that stay close to the pixels written.
    fn default() -> Self {
        Self::Jpeg { quality: 90 }
    }
}

impl Compression {
    /// Whether decoding gives back exactly the pixels written.
    pub fn is_lossless(&self) -> bool {
        !matches!(self, Self::Jpeg { .. })
    }
}

/// Whether to write classic TIFF (32-bit offsets, files under 4 GiB) or BigTIFF.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BigTiff {
    /// Classic TIFF unless the finished file passes 4 GiB, then BigTIFF (decided at `finish`).
    #[default]
    Auto,
    /// Always BigTIFF, even for small files.
    Always,
    /// Never BigTIFF: writing fails once the file would pass 4 GiB.
    Never,
}

/// Options of [`PyramidWriter`](super::PyramidWriter) and [`write_pyramid`](super::write_pyramid).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WriterOptions {
    /// Tile width and height in pixels (a multiple of 16, at most 4096); also the strip height
    /// [`PyramidWriter::write_strip`](super::PyramidWriter::write_strip) expects.
    pub tile_size: u32,
    /// Tile compression.
    pub compression: Compression,
    /// Level-0 microns per pixel, written as Aperio `MPP` (OpenSlide's `openslide.mpp-x/y`);
    /// `None` writes no resolution, and readers then report none.
    pub mpp: Option<f64>,
    /// Objective power written as Aperio `AppMag` (OpenSlide's `openslide.objective-power`).
    pub app_mag: Option<f64>,
    /// Halve the image (2x2 box filter) into further levels until the longer side is at most
    /// this many pixels.
    pub min_level_side: u32,
    /// Classic TIFF or BigTIFF.
    pub bigtiff: BigTiff,
}

impl Default for WriterOptions {
    /// 256-px JPEG (Q 90) tiles, no resolution metadata, levels down to 512 px, BigTIFF only
    /// when needed.
    fn default() -> Self {
        Self {
            tile_size: 256,
            compression: Compression::default(),
            mpp: None,
            app_mag: None,
            min_level_side: 512,
            bigtiff: BigTiff::default(),
        }
    }
}

/// Largest tile side accepted: keeps per-tile buffers and JPEG's 16-bit sizes in range.
pub(crate) const MAX_TILE_SIZE: u32 = 4096;

impl WriterOptions {
    /// Checks every field, naming the first one out of range.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(WsiError::InvalidParameter(msg));
        if self.tile_size == 0
            || !self.tile_size.is_multiple_of(16)
            || self.tile_size > MAX_TILE_SIZE
        {
            return bad(format!(
                "tile_size {} must be a positive multiple of 16, at most {MAX_TILE_SIZE}",
                self.tile_size
            ));
        }
        if let Compression::Jpeg { quality } = self.compression
            && !(1..=100).contains(&quality)
        {
            return bad(format!("JPEG quality {quality} must be in 1..=100"));
        }
        for (name, value) in [("mpp", self.mpp), ("app_mag", self.app_mag)] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                return bad(format!("{name} {v} must be a finite number above 0"));
            }
        }
        if self.min_level_side == 0 {
            return bad("min_level_side must be at least 1".to_string());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_values() {
        let o = WriterOptions::default();
        assert_eq!(o.tile_size, 256);
        assert_eq!(o.compression, Compression::Jpeg { quality: 90 });
        assert_eq!(o.mpp, None);
        assert_eq!(o.app_mag, None);
        assert_eq!(o.min_level_side, 512);
        assert_eq!(o.bigtiff, BigTiff::Auto);
        assert!(o.validate().is_ok());
    }

    #[test]
    fn out_of_range_fields_are_refused_by_name() {
        let cases: [(WriterOptions, &str); 6] = [
            (
                WriterOptions {
                    tile_size: 100,
                    ..Default::default()
                },
                "tile_size",
            ),
            (
                WriterOptions {
                    tile_size: 0,
                    ..Default::default()
                },
                "tile_size",
            ),
            (
                WriterOptions {
                    compression: Compression::Jpeg { quality: 0 },
                    ..Default::default()
                },
                "quality",
            ),
            (
                WriterOptions {
                    mpp: Some(-0.5),
                    ..Default::default()
                },
                "mpp",
            ),
            (
                WriterOptions {
                    app_mag: Some(f64::NAN),
                    ..Default::default()
                },
                "app_mag",
            ),
            (
                WriterOptions {
                    min_level_side: 0,
                    ..Default::default()
                },
                "min_level_side",
            ),
        ];
        for (options, field) in cases {
            let err = options.validate().unwrap_err().to_string();
            assert!(err.contains(field), "{err} should name {field}");
        }
    }

    #[test]
    fn options_round_trip_through_json_and_fill_defaults() {
        let o = WriterOptions {
            compression: Compression::Lzw,
            mpp: Some(0.25),
            ..Default::default()
        };
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<WriterOptions>(&text).unwrap(), o);
        let partial: WriterOptions =
            serde_json::from_str(r#"{"compression": {"jpeg": {"quality": 80}}}"#).unwrap();
        assert_eq!(partial.compression, Compression::Jpeg { quality: 80 });
        assert_eq!(partial.tile_size, 256);
    }
}
