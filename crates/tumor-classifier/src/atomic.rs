//! Atomic output files: write into a temporary file beside the target, then rename, so a
//! reader never sees a half-written file and a failure leaves nothing behind.

use std::io::Write;
use std::path::Path;

use crate::error::{ClassifierError, Result};

/// Writes what `fill` produces to `path` atomically ([`atomic_file`]).
pub fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    atomic_file::write_with(path, fill).map_err(|e| ClassifierError::io(path, e))
}

/// Saves an image (format from the extension) atomically.
pub fn save_image_atomic(image: &image::DynamicImage, path: &Path) -> Result<()> {
    let format = image::ImageFormat::from_path(path).map_err(|source| ClassifierError::Image {
        path: path.to_path_buf(),
        source,
    })?;
    let mut bytes = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut bytes, format)
        .map_err(|source| ClassifierError::Image {
            path: path.to_path_buf(),
            source,
        })?;
    write_atomic(path, |w| w.write_all(bytes.get_ref()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_neither_file_nor_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        let err = write_atomic(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        write_atomic(&path, |w| w.write_all(b"whole")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "whole");
    }
}
