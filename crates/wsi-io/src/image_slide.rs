//! [`ImageSlide`]: a plain PNG, JPEG or TIFF image (one level, held in memory) behind the
//! [`Slide`] trait, with a resolution stated by the caller.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::{ImageDecoder, ImageError, ImageFormat, ImageReader, RgbImage};

use crate::error::{Result, WsiError};
use crate::options::OpenOptions;
use crate::pixels::straight_rgba_to_rgb_on_white;
use crate::request::check_read;
use crate::slide::{AssociatedKind, Mpp, Slide};

/// The vendor name [`ImageSlide`] reports.
pub const IMAGE_VENDOR: &str = "image";

/// A single image as a one-level slide. Transparent pixels are made white on load.
///
/// Plain images rarely state a trustworthy resolution, so the MPP is the caller's
/// ([`OpenOptions::mpp`]); without one, operations that need it fail with
/// [`WsiError::MissingMpp`].
#[derive(Debug, Clone)]
pub struct ImageSlide {
    path: PathBuf,
    image: RgbImage,
    format: String,
    mpp: Option<Mpp>,
    max_read_pixels: u64,
}

/// Maps an `image` crate error while decoding `path`, an image that declares `w` x `h` pixels
/// (0 x 0 when the header could not be read), to the matching [`WsiError`].
fn decode_error(path: &Path, (w, h): (u32, u32), err: ImageError) -> WsiError {
    let path = path.to_path_buf();
    match err {
        ImageError::Unsupported(e) => WsiError::Unsupported {
            path,
            reason: e.to_string(),
        },
        ImageError::Limits(e) => WsiError::BadSize {
            path,
            w: u64::from(w),
            h: u64::from(h),
            reason: format!("the image is too large to hold in memory: {e}"),
        },
        ImageError::IoError(e) if e.kind() == std::io::ErrorKind::NotFound => {
            WsiError::NotFound { path }
        }
        other => WsiError::Corrupt {
            path,
            what: "image".to_owned(),
            reason: other.to_string(),
        },
    }
}

/// Bytes as MiB for messages.
fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// Decodes the image `reader` holds after checking, from its header, that its pixels fit in
/// [`ImageSlide::MAX_DECODED_BYTES`]; a larger image is refused with its declared size.
fn decode_within_limit(
    path: &Path,
    reader: ImageReader<std::io::BufReader<std::fs::File>>,
) -> Result<image::DynamicImage> {
    let mut decoder = reader
        .into_decoder()
        .map_err(|e| decode_error(path, (0, 0), e))?;
    let size = decoder.dimensions();
    let needed = decoder.total_bytes();
    let limit = ImageSlide::MAX_DECODED_BYTES;
    if needed > limit {
        return Err(WsiError::BadSize {
            path: path.to_path_buf(),
            w: u64::from(size.0),
            h: u64::from(size.1),
            reason: format!(
                "the image is too large to hold in memory: it declares {} x {} pixels, {} \
                 decoded, above the limit of {} for a plain image (convert it to a tiled, \
                 pyramidal TIFF, which is read region by region)",
                size.0,
                size.1,
                mib(needed),
                mib(limit)
            ),
        });
    }
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(limit);
    decoder
        .set_limits(limits)
        .map_err(|e| decode_error(path, size, e))?;
    image::DynamicImage::from_decoder(decoder).map_err(|e| decode_error(path, size, e))
}

impl ImageSlide {
    /// The most memory a plain image may take once decoded (512 MiB, the `image` crate's
    /// default allocation limit); a larger one is refused with [`WsiError::BadSize`] naming
    /// its declared size and this limit.
    pub const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

    /// Opens a PNG, JPEG or TIFF image with the caller's level-0 resolution (or none).
    pub fn open(path: impl AsRef<Path>, mpp: Option<Mpp>) -> Result<Self> {
        Self::open_with(
            path,
            &OpenOptions {
                mpp,
                ..OpenOptions::default()
            },
        )
    }

    /// Opens a PNG, JPEG or TIFF image with full [`OpenOptions`].
    ///
    /// Errors: [`WsiError::NotFound`]; [`WsiError::NotASlide`] when the content is no image
    /// format; [`WsiError::Unsupported`] for other image formats or unsupported variants;
    /// [`WsiError::Corrupt`] when decoding fails (truncated file); [`WsiError::BadSize`] when
    /// the image declares more pixels than fit in [`ImageSlide::MAX_DECODED_BYTES`].
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Self> {
        let path = path.as_ref();
        options.validate()?;
        let reader = ImageReader::open(path)
            .and_then(ImageReader::with_guessed_format)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => WsiError::NotFound {
                    path: path.to_path_buf(),
                },
                _ => WsiError::io(path, e),
            })?;
        let format = match reader.format() {
            Some(f @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Tiff)) => f,
            Some(other) => {
                return Err(WsiError::Unsupported {
                    path: path.to_path_buf(),
                    reason: format!(
                        "{other:?} images are not supported (PNG, JPEG, TIFF and OpenSlide formats are)"
                    ),
                });
            }
            None => {
                return Err(WsiError::NotASlide {
                    path: path.to_path_buf(),
                    reason: "the content is no PNG, JPEG or TIFF image".to_owned(),
                });
            }
        };
        let decoded = decode_within_limit(path, reader)?;
        let image = if decoded.color().has_alpha() {
            let rgba = decoded.to_rgba8();
            let (w, h) = rgba.dimensions();
            RgbImage::from_raw(w, h, straight_rgba_to_rgb_on_white(rgba.as_raw())).ok_or_else(
                || WsiError::Corrupt {
                    path: path.to_path_buf(),
                    what: "image".to_owned(),
                    reason: "inconsistent pixel buffer".to_owned(),
                },
            )?
        } else {
            decoded.to_rgb8()
        };
        let name = format!("{format:?}").to_lowercase();
        Self::from_rgb(path, image, &name, options)
    }

    /// Wraps an in-memory image as a slide; `source` names it in errors and reports and
    /// `format` is what the `image.format` property says (e.g. `png`, `generated`).
    pub fn from_rgb(
        source: impl Into<PathBuf>,
        image: RgbImage,
        format: &str,
        options: &OpenOptions,
    ) -> Result<Self> {
        options.validate()?;
        let path = source.into();
        if image.width() == 0 || image.height() == 0 {
            return Err(WsiError::BadSize {
                path,
                w: u64::from(image.width()),
                h: u64::from(image.height()),
                reason: "the image has no pixels".to_owned(),
            });
        }
        Ok(Self {
            path,
            image,
            format: format.to_owned(),
            mpp: options.mpp,
            max_read_pixels: options.max_read_pixels,
        })
    }

    /// The whole image.
    pub fn image(&self) -> &RgbImage {
        &self.image
    }
}

impl Slide for ImageSlide {
    fn path(&self) -> &Path {
        &self.path
    }

    fn level_count(&self) -> usize {
        1
    }

    fn level_dimensions(&self, level: usize) -> Option<(u64, u64)> {
        (level == 0).then(|| {
            (
                u64::from(self.image.width()),
                u64::from(self.image.height()),
            )
        })
    }

    fn level_downsample(&self, level: usize) -> Option<f64> {
        (level == 0).then_some(1.0)
    }

    fn mpp(&self) -> Option<Mpp> {
        self.mpp
    }

    fn objective_power(&self) -> Option<f64> {
        None
    }

    fn vendor(&self) -> Option<String> {
        Some(IMAGE_VENDOR.to_owned())
    }

    fn properties(&self) -> BTreeMap<String, String> {
        let mut props = BTreeMap::from([
            ("image.format".to_owned(), self.format.clone()),
            ("image.width".to_owned(), self.image.width().to_string()),
            ("image.height".to_owned(), self.image.height().to_string()),
        ]);
        if let Some(mpp) = self.mpp {
            props.insert("image.mpp-x".to_owned(), mpp.x.to_string());
            props.insert("image.mpp-y".to_owned(), mpp.y.to_string());
        }
        props
    }

    fn associated_kinds(&self) -> Vec<AssociatedKind> {
        Vec::new()
    }

    fn associated_image(&self, _kind: AssociatedKind) -> Result<Option<RgbImage>> {
        Ok(None)
    }

    fn read_region(&self, x: i64, y: i64, level: usize, w: u32, h: u32) -> Result<RgbImage> {
        check_read(self, x, y, level, w, h)?;
        // check_read guarantees 0 <= x < width and 0 <= y < height.
        let (x, y) = (x as u32, y as u32);
        let (width, height) = self.image.dimensions();
        let (cw, ch) = (w.min(width - x), h.min(height - y));
        let inside = image::imageops::crop_imm(&self.image, x, y, cw, ch).to_image();
        if (cw, ch) == (w, h) {
            return Ok(inside);
        }
        let mut out = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
        image::imageops::replace(&mut out, &inside, 0, 0);
        Ok(out)
    }

    fn max_read_pixels(&self) -> u64 {
        self.max_read_pixels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]))
    }

    fn slide(w: u32, h: u32, budget: u64) -> ImageSlide {
        let options = OpenOptions {
            mpp: Some(Mpp::square(0.5)),
            max_read_pixels: budget,
            ..OpenOptions::default()
        };
        ImageSlide::from_rgb("mem.png", gradient(w, h), "generated", &options).unwrap()
    }

    #[test]
    fn reads_inside_and_pads_white_past_the_edge() {
        let s = slide(40, 30, 1 << 20);
        let r = s.read_region(5, 6, 0, 4, 3).unwrap();
        assert_eq!(r.get_pixel(0, 0).0, [5, 6, 7]);
        assert_eq!(r.get_pixel(3, 2).0, [8, 8, 7]);
        let edge = s.read_region(38, 28, 0, 4, 4).unwrap();
        assert_eq!(edge.get_pixel(1, 1).0, [39, 29, 7]);
        assert_eq!(edge.get_pixel(2, 1).0, [255, 255, 255]);
        assert_eq!(edge.get_pixel(0, 3).0, [255, 255, 255]);
    }

    #[test]
    fn bad_requests_get_their_own_errors() {
        let s = slide(40, 30, 100);
        assert!(matches!(
            s.read_region(0, 0, 1, 4, 4),
            Err(WsiError::OutOfBounds { .. })
        ));
        assert!(matches!(
            s.read_region(-1, 0, 0, 4, 4),
            Err(WsiError::OutOfBounds { .. })
        ));
        assert!(matches!(
            s.read_region(40, 0, 0, 4, 4),
            Err(WsiError::OutOfBounds { .. })
        ));
        assert!(matches!(
            s.read_region(0, 0, 0, 0, 4),
            Err(WsiError::BadSize { .. })
        ));
        let over = s.read_region(0, 0, 0, 11, 10).unwrap_err();
        assert!(matches!(over, WsiError::BadSize { .. }));
        assert!(over.to_string().contains("mem.png"), "{over}");
        assert!(over.to_string().contains("read budget"), "{over}");
    }

    #[test]
    fn geometry_and_properties() {
        let s = slide(40, 30, 1 << 20);
        assert_eq!(s.level_count(), 1);
        assert_eq!(s.dimensions(), (40, 30));
        assert_eq!(s.level_dimensions(1), None);
        assert_eq!(s.vendor().as_deref(), Some("image"));
        assert_eq!(s.mpp(), Some(Mpp::square(0.5)));
        assert_eq!(s.properties()["image.format"], "generated");
        assert!(s.associated_kinds().is_empty());
        assert_eq!(s.associated_image(AssociatedKind::Label).unwrap(), None);
    }

    #[test]
    fn empty_image_is_refused() {
        let r = ImageSlide::from_rgb("e.png", RgbImage::new(0, 3), "x", &OpenOptions::default());
        assert!(matches!(r, Err(WsiError::BadSize { .. })));
    }
}
