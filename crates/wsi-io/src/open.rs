//! [`open`] and [`open_with`]: pick the backend for a file by its content (and, for formats
//! that cannot be read, its extension).

use std::io::Read;
use std::path::Path;

use crate::error::{Result, WsiError};
use crate::image_slide::ImageSlide;
#[cfg(feature = "openslide")]
use crate::openslide_slide::OpenSlideSlide;
use crate::options::OpenOptions;
use crate::slide::Slide;

/// Extensions of whole-slide formats that are not TIFF-based (so not sniffed here): when
/// OpenSlide does not recognise such a file, the error says "unsupported format" (e.g. DICOM
/// with OpenSlide 3.4) rather than "not a slide".
const NON_TIFF_SLIDE_EXTENSIONS: [&str; 6] = ["vms", "vmu", "mrxs", "dcm", "czi", "isyntax"];

/// What the first bytes of a file say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    Png,
    Jpeg,
    Tiff,
    Other,
}

fn sniff(path: &Path) -> Result<Magic> {
    let mut head = [0u8; 8];
    let mut file = std::fs::File::open(path).map_err(|e| WsiError::io(path, e))?;
    let n = file.read(&mut head).map_err(|e| WsiError::io(path, e))?;
    let head = &head[..n];
    Ok(if head.starts_with(b"\x89PNG\r\n\x1a\n") {
        Magic::Png
    } else if head.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Magic::Jpeg
    } else if head.starts_with(b"II*\0")
        || head.starts_with(b"MM\0*")
        || head.starts_with(b"II+\0")
        || head.starts_with(b"MM\0+")
    {
        Magic::Tiff
    } else {
        Magic::Other
    })
}

/// Why a whole-slide file was not opened: what the linked OpenSlide says.
#[cfg(feature = "openslide")]
fn openslide_says() -> String {
    format!(
        "OpenSlide {} does not recognise",
        OpenSlideSlide::library_version().unwrap_or_default()
    )
}

/// Why a whole-slide file was not opened: this build has no OpenSlide.
#[cfg(not(feature = "openslide"))]
fn openslide_says() -> String {
    "this build cannot read (wsi-io without its `openslide` feature)".to_owned()
}

/// Opens a slide or image with default [`OpenOptions`]; see [`open_with`].
pub fn open(path: impl AsRef<Path>) -> Result<Box<dyn Slide>> {
    open_with(path, &OpenOptions::default())
}

/// Opens a whole-slide file or a plain image, choosing the backend by content:
///
/// 1. PNG and JPEG files: [`ImageSlide`].
/// 2. Files OpenSlide recognises (SVS, NDPI, MRXS, tiled TIFF, ...): `OpenSlideSlide` (with
///    the `openslide` feature; without it, a TIFF goes to step 3).
/// 3. Other TIFFs (stripped, single image): [`ImageSlide`].
///
/// Errors name the path: [`WsiError::NotFound`], [`WsiError::NotASlide`] (no slide or image
/// format), [`WsiError::Unsupported`] (a slide format or image variant this build cannot
/// read), [`WsiError::Corrupt`] (the file is damaged), [`WsiError::InvalidParameter`] (bad
/// options).
pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Box<dyn Slide>> {
    let path = path.as_ref();
    options.validate()?;
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => WsiError::NotFound {
            path: path.to_path_buf(),
        },
        _ => WsiError::io(path, e),
    })?;
    if !meta.is_file() {
        return Err(WsiError::NotASlide {
            path: path.to_path_buf(),
            reason: "it is a directory, not a file".to_owned(),
        });
    }
    let magic = sniff(path)?;
    if matches!(magic, Magic::Png | Magic::Jpeg) {
        return Ok(Box::new(ImageSlide::open_with(path, options)?));
    }
    #[cfg(feature = "openslide")]
    if OpenSlideSlide::detect_vendor(path).is_some() {
        return Ok(Box::new(OpenSlideSlide::open(path, options)?));
    }
    if magic == Magic::Tiff {
        return Ok(Box::new(ImageSlide::open_with(path, options)?));
    }
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if NON_TIFF_SLIDE_EXTENSIONS.contains(&extension.as_str()) {
        return Err(WsiError::Unsupported {
            path: path.to_path_buf(),
            reason: format!("a .{extension} file that {}", openslide_says()),
        });
    }
    // Other image formats get the image backend's precise "unsupported" or "not an image".
    Ok(Box::new(ImageSlide::open_with(path, options)?))
}
