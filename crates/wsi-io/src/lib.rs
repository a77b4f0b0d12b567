//! Whole-slide image I/O for the her2 pipeline.
//!
//! One [`Slide`] trait over two backends, chosen by [`open`] / [`open_with`] from the file's
//! content:
//! - [`OpenSlideSlide`]: whole-slide files through the system libopenslide (Aperio SVS,
//!   Hamamatsu NDPI, MIRAX, Leica SCN, generic tiled TIFF, ...), thread-safe, with MPP from
//!   `openslide.mpp-x/y` or vendor keys (`aperio.MPP`), never guessed. Behind the `openslide`
//!   feature (on by default; off, nothing links libopenslide and whole-slide files are
//!   [`WsiError::Unsupported`]).
//! - [`ImageSlide`]: a plain PNG, JPEG or TIFF image as a one-level slide, with the
//!   resolution given by the caller ([`OpenOptions::mpp`]).
//!
//! Coordinates are level-0 pixels ([`Rect`]); [`rescale`] is the one conversion between
//! levels. [`PatchGrid`] tiles a region into patches at a target resolution (256 px at
//! 0.5 µm/px by default) for 20x and 40x scans alike, and [`read_patch`] reads one at exactly
//! that size. Reads come back as opaque RGB with transparent areas (outside the scan) white.
//! Every failure is a [`WsiError`] naming the file.
//!
//! ```
//! use wsi_io::{OpenOptions, PatchGrid, PatchGridConfig, Mpp, read_patch};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A 1024 x 768 image scanned at 40x (0.25 µm/px), written as a PNG.
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("field.png");
//! image::RgbImage::from_fn(1024, 768, |x, y| image::Rgb([x as u8, y as u8, 128])).save(&path)?;
//!
//! // A plain image states no resolution: give it, or patch grids refuse to guess.
//! assert!(matches!(
//!     PatchGrid::new(wsi_io::open(&path)?.as_ref(), None, &PatchGridConfig::default()),
//!     Err(wsi_io::WsiError::MissingMpp { .. })
//! ));
//! let slide = wsi_io::open_with(&path, &OpenOptions::with_mpp(Mpp::square(0.25)))?;
//! assert_eq!(slide.dimensions(), (1024, 768));
//! assert_eq!(slide.vendor().as_deref(), Some("image"));
//!
//! // 256 px patches at 0.5 µm/px: each covers 512 x 512 level-0 pixels of this 40x scan.
//! let grid = PatchGrid::new(slide.as_ref(), None, &PatchGridConfig::default())?;
//! assert_eq!((grid.cols(), grid.rows(), grid.patch_level0_px()), (2, 1, 512));
//! let patch = read_patch(slide.as_ref(), &grid.patch(1, 0).unwrap())?;
//! assert_eq!(patch.dimensions(), (256, 256));
//!
//! // Thumbnails keep the aspect ratio.
//! assert_eq!(slide.thumbnail(256)?.dimensions(), (256, 192));
//! # Ok(())
//! # }
//! ```

#[cfg(feature = "openslide")]
mod direct;
mod error;
mod geometry;
mod image_slide;
mod open;
#[cfg(feature = "openslide")]
mod openslide_slide;
mod options;
mod patch_grid;
mod pixels;
mod properties;
mod request;
mod resize;
mod slide;
mod thumbnail;
mod tiff_codes;
mod writer;

pub use error::{Result, WsiError};
pub use geometry::{Rect, rescale, rescale_to_pixels};
pub use image_slide::{IMAGE_VENDOR, ImageSlide};
pub use open::{open, open_with};
#[cfg(feature = "openslide")]
pub use openslide_slide::OpenSlideSlide;
pub use options::OpenOptions;
pub use patch_grid::{Patch, PatchGrid, PatchGridConfig, PyramidGeometry, read_patch};
pub use properties::{PLAUSIBLE_MPP, mpp_from_properties, objective_power_from_properties};
pub use resize::resize_rgb;
pub use slide::{AssociatedKind, Mpp, Slide};
pub use writer::{
    BigTiff, Compression, MAX_IMAGE_SIDE, PyramidWriter, WriterOptions, write_pyramid,
};
