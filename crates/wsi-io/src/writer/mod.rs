//! Streaming pyramidal tiled TIFF / Aperio SVS writer.
//!
//! [`PyramidWriter`] takes level-0 strips (full width, `tile_size` rows) from top to bottom and
//! writes a tiled TIFF with JPEG or lossless (deflate, LZW) tiles, a pyramid of 2x box-filtered
//! levels down to [`WriterOptions::min_level_side`], and an Aperio-style ImageDescription
//! (`Aperio Image Library ... |AppMag = 20|MPP = 0.5`), so OpenSlide opens it as vendor
//! `aperio` with `openslide.mpp-x/y` and `openslide.objective-power` set. Memory is one strip
//! per level (it grows with the width, not the height) plus 16 bytes per tile of bookkeeping.
//! Files that pass 4 GiB are written as BigTIFF ([`BigTiff::Auto`]).
//!
//! ```
//! use image::{Rgb, RgbImage};
//! use wsi_io::{Compression, PyramidWriter, WriterOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("synthetic.svs");
//! let options = WriterOptions {
//!     compression: Compression::Deflate,
//!     mpp: Some(0.5),
//!     app_mag: Some(20.0),
//!     min_level_side: 256,
//!     ..Default::default()
//! };
//! let (width, height) = (1000, 600);
//! let mut writer = PyramidWriter::create(&path, width, height, options)?;
//! assert_eq!(writer.level_sizes(), [(1000, 600), (500, 300), (250, 150)]);
//! let mut y = 0;
//! while y < height {
//!     let rows = 256.min(height - y);
//!     let strip = RgbImage::from_fn(width, rows, |x, r| Rgb([(x % 256) as u8, ((y + r) % 256) as u8, 128]));
//!     writer.write_strip(&strip)?;
//!     y += rows;
//! }
//! writer.finish()?;
//! assert!(path.exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod codec;
mod description;
mod downsample;
mod ifd;
mod level_tags;
mod levels;
mod options;
mod pyramid_writer;
mod sink;
mod tile;

pub use options::{BigTiff, Compression, WriterOptions};
pub use pyramid_writer::{MAX_IMAGE_SIDE, PyramidWriter, write_pyramid};
