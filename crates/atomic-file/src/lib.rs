//! Atomic output files for every crate of the her2 workspace: content goes to a temporary file
//! in the target's folder and is renamed onto the target only when complete, so a failed or
//! killed run never leaves a partial file and a reader never sees one. Errors are plain
//! `std::io::Error`s; each caller wraps them in its own error type with the path.
//!
//! ```
//! use std::io::Write;
//!
//! # fn main() -> std::io::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("report.json");
//! atomic_file::write_bytes(&path, b"{}")?;
//!
//! // Streaming: nothing appears at `path` until commit.
//! let mut file = atomic_file::AtomicFile::create(&dir.path().join("cells.csv"))?;
//! writeln!(file, "id,x,y")?;
//! file.commit()?;
//! assert_eq!(std::fs::read_dir(dir.path())?.count(), 2);
//! # Ok(())
//! # }
//! ```

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file being written atomically: [`AtomicFile::commit`] renames it onto its target;
/// dropping it uncommitted deletes the temporary file.
pub struct AtomicFile {
    target: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `target` (its folder must exist).
    pub fn create(target: &Path) -> std::io::Result<Self> {
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(folder)?;
        Ok(Self {
            target: target.to_path_buf(),
            writer: BufWriter::new(temp),
        })
    }

    /// The target path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Flushes, syncs to disk and renames onto the target (replacing any file there).
    pub fn commit(self) -> std::io::Result<()> {
        let temp = self.writer.into_inner().map_err(|e| e.into_error())?;
        temp.as_file().sync_all()?;
        temp.persist(&self.target).map_err(|e| e.error)?;
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.writer.flush()
    }
}

/// Writes what `fill` produces to `target` atomically.
pub fn write_with(
    target: &Path,
    fill: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut file = AtomicFile::create(target)?;
    fill(&mut file)?;
    file.commit()
}

/// Writes `bytes` to `target` atomically.
pub fn write_bytes(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_with(target, |w| w.write_all(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_whole_files_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        write_bytes(&path, b"first").unwrap();
        write_bytes(&path, b"second").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "second");
        assert_eq!(entries(dir.path()), ["out.txt"]);
    }

    #[test]
    fn a_failed_fill_or_a_dropped_file_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let failed = write_with(&path, |w| {
            w.write_all(b"half")?;
            Err(std::io::Error::other("encoder failed"))
        });
        assert!(failed.is_err());
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"never committed").unwrap();
        drop(file);
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn a_missing_folder_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write_bytes(&dir.path().join("no/such/out.txt"), b"x").is_err());
    }
}
