//! The output file while it is being written: an [`AtomicFile`] beside the target, appended to
//! tile by tile, then given its header and renamed onto the target. Dropped unfinished, it
//! deletes itself, so a failed or abandoned write never leaves a partial slide behind. The
//! finished file has the permissions of every other atomic output (those of `File::create`).

use std::io::{Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use atomic_file::AtomicFile;

use super::ifd::HEADER_LEN;
use crate::error::{Result, WsiError};

/// Buffer between the tile encoder and the file.
const BUFFER_BYTES: usize = 1 << 20;

/// Append-only writer onto a temporary file that becomes `target` on [`FileSink::persist`].
pub(crate) struct FileSink {
    target: PathBuf,
    file: AtomicFile,
    position: u64,
    max_len: u64,
}

impl FileSink {
    /// Creates the temporary file in `target`'s folder (hidden, named after the target) and
    /// reserves the header. Writing past `max_len` bytes fails (classic-only TIFF).
    pub(crate) fn create(target: &Path, max_len: u64) -> Result<Self> {
        if target.file_name().is_none() {
            return Err(WsiError::InvalidParameter(format!(
                "{}: not a file path",
                target.display()
            )));
        }
        let file =
            AtomicFile::with_capacity(BUFFER_BYTES, target).map_err(|e| WsiError::io(target, e))?;
        let mut sink = Self {
            target: target.to_path_buf(),
            file,
            position: 0,
            max_len,
        };
        sink.append(&[0u8; HEADER_LEN])?;
        Ok(sink)
    }

    /// Bytes written so far (the offset the next append lands at).
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// Appends `bytes`, returning the offset they start at.
    pub(crate) fn append(&mut self, bytes: &[u8]) -> Result<u64> {
        let at = self.position;
        let end = at + bytes.len() as u64;
        if end > self.max_len {
            return Err(WsiError::Encode {
                path: self.target.clone(),
                what: "the file".to_string(),
                reason: format!(
                    "it would pass {} bytes, the classic TIFF limit; use BigTiff::Auto or Always",
                    self.max_len
                ),
            });
        }
        self.file
            .write_all(bytes)
            .map_err(|e| WsiError::io(&self.target, e))?;
        self.position = end;
        Ok(at)
    }

    /// Pads with one zero byte when needed so the next append starts at an even offset
    /// (TIFF wants IFDs word-aligned).
    pub(crate) fn align_even(&mut self) -> Result<()> {
        if !self.position.is_multiple_of(2) {
            self.append(&[0])?;
        }
        Ok(())
    }

    /// Writes `header` over the reserved start, flushes to disk and renames the temporary
    /// file onto the target (replacing any file there).
    pub(crate) fn persist(self, header: &[u8; HEADER_LEN]) -> Result<()> {
        let target = self.target;
        let io = |e: std::io::Error| WsiError::io(&target, e);
        let mut file = self.file;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        file.write_all(header).map_err(io)?;
        file.commit().map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_files_in(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }

    #[test]
    fn appends_track_offsets_and_persist_renames() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.tif");
        let mut sink = FileSink::create(&target, u64::MAX).unwrap();
        assert_eq!(sink.position(), HEADER_LEN as u64);
        assert_eq!(sink.append(b"abc").unwrap(), 16);
        sink.align_even().unwrap();
        assert_eq!(sink.position(), 20);
        let names = temp_files_in(dir.path());
        assert!(
            names.len() == 1 && names[0].starts_with(".out.tif."),
            "{names:?}"
        );
        sink.persist(&[7u8; HEADER_LEN]).unwrap();
        let bytes = std::fs::read(&target).unwrap();
        assert_eq!(&bytes[..16], [7u8; 16]);
        assert_eq!(&bytes[16..], b"abc\0");
        assert_eq!(temp_files_in(dir.path()), ["out.tif"]);
    }

    #[test]
    fn dropping_removes_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = FileSink::create(&dir.path().join("gone.tif"), u64::MAX).unwrap();
        sink.append(&[1; 1000]).unwrap();
        drop(sink);
        assert!(temp_files_in(dir.path()).is_empty());
    }

    #[test]
    fn the_size_limit_is_enforced_with_a_clear_message() {
        let dir = tempfile::tempdir().unwrap();
        let mut sink = FileSink::create(&dir.path().join("small.tif"), 20).unwrap();
        sink.append(&[0; 4]).unwrap();
        let err = sink.append(&[0; 1]).unwrap_err().to_string();
        assert!(
            err.contains("small.tif") && err.contains("BigTiff"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_folder_is_an_io_error_naming_the_target() {
        let err = FileSink::create(Path::new("/nonexistent-dir-xyz/a.tif"), u64::MAX)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("/nonexistent-dir-xyz/a.tif"), "{err}");
    }
}
