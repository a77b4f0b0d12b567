//! Files: atomic writes (temp file in the same folder, then rename) of the tissue outputs, and
//! a user-supplied mask image read onto the mask grid.

use std::path::Path;

use image::RgbImage;

use crate::bitmap::Bitmap;
use crate::error::{Result, TissueError};

/// Writes `bytes` to `path` atomically ([`atomic_file`]): a reader never sees a partial
/// file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    atomic_file::write_bytes(path, bytes).map_err(|e| TissueError::io(path, e))
}

/// Encodes `image` as PNG and writes it atomically.
pub fn write_png_atomic(path: &Path, image: &RgbImage) -> Result<()> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|source| TissueError::Encode {
            path: path.to_path_buf(),
            source,
        })?;
    write_atomic(path, &bytes)
}

/// Reads a user's mask image (any size; non-zero = tissue) and resamples it (nearest) onto a
/// `width` x `height` mask grid covering the same slide.
pub fn read_mask_image(path: &Path, width: u32, height: u32) -> Result<Bitmap> {
    let bad = |reason: String| TissueError::BadRoi {
        path: path.to_path_buf(),
        reason,
    };
    let img = image::open(path)
        .map_err(|e| bad(format!("cannot read the mask image: {e}")))?
        .to_luma8();
    let (mw, mh) = img.dimensions();
    if mw == 0 || mh == 0 {
        return Err(bad("the mask image is empty".to_owned()));
    }
    let ratio = |a: u32, b: u32| f64::from(a) / f64::from(b);
    if (ratio(mw, mh) / ratio(width, height) - 1.0).abs() > 0.02 {
        return Err(bad(format!(
            "the mask is {mw}x{mh}, whose aspect ratio does not match the slide thumbnail {width}x{height}"
        )));
    }
    Ok(Bitmap::from_fn(width, height, |x, y| {
        let sx = ((u64::from(x) * u64::from(mw)) / u64::from(width)) as u32;
        let sy = ((u64::from(y) * u64::from(mh)) / u64::from(height)) as u32;
        img.get_pixel(sx, sy).0[0] != 0
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let err = write_atomic(&dir.path().join("missing/a.json"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing"));
    }

    #[test]
    fn mask_image_is_resampled_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("m.png");
        image::GrayImage::from_fn(40, 20, |x, _| image::Luma([if x < 20 { 255 } else { 0 }]))
            .save(&p)
            .unwrap();
        let b = read_mask_image(&p, 20, 10).unwrap();
        assert_eq!(b.count_ones(), 100);
        assert!(
            read_mask_image(&p, 20, 20)
                .unwrap_err()
                .to_string()
                .contains("aspect")
        );
        assert!(read_mask_image(&dir.path().join("none.png"), 20, 10).is_err());
    }
}
