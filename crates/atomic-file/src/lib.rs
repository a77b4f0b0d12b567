//! Atomic output files for every crate of the her2 workspace: content goes to a temporary file
//! in the target's folder and is renamed onto the target only when complete, so a failed or
//! killed run never leaves a partial file and a reader never sees one. Errors are plain
//! `std::io::Error`s; each caller wraps them in its own error type with the path.
//!
//! Permissions: a committed file has the permissions a plain `File::create` would give it
//! (on Unix `0o666` minus the process umask, so `0o644` under the usual umask `0o022`), not
//! the private `0o600` of a temporary file, so that colleagues, web servers or QuPath running
//! as another user can read the outputs when the umask lets them. Every file the `her2`
//! command line writes goes through this crate (or [`AtomicFile::with_capacity`] for streamed
//! formats such as the pyramid writer's TIFF), so the rule holds for all of them.
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

use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Buffer between the caller and the temporary file for [`AtomicFile::create`].
const DEFAULT_BUFFER_BYTES: usize = 8 * 1024;

/// The mode a new file is asked for on Unix: what `File::create` asks for. The kernel takes
/// the process umask off it when it creates the file, exactly as it does for `File::create`,
/// so no umask has to be read (reading it with `umask(2)` would race with other threads).
#[cfg(unix)]
const NEW_FILE_MODE: u32 = 0o666;

/// A file being written atomically: [`AtomicFile::commit`] renames it onto its target;
/// dropping it uncommitted deletes the temporary file.
///
/// Writes are buffered; [`Seek`] flushes the buffer first, so a caller may go back and
/// overwrite a header before committing.
pub struct AtomicFile {
    target: PathBuf,
    writer: BufWriter<NamedTempFile>,
}

impl AtomicFile {
    /// Starts writing `target` (its folder must exist) with an 8 KiB buffer.
    pub fn create(target: &Path) -> std::io::Result<Self> {
        Self::with_capacity(DEFAULT_BUFFER_BYTES, target)
    }

    /// Starts writing `target` (its folder must exist) with a buffer of `capacity` bytes.
    ///
    /// The temporary file is hidden beside the target, named `.<target name>.<random>.tmp`,
    /// and created with the permissions of a plain `File::create` (see the crate docs).
    pub fn with_capacity(capacity: usize, target: &Path) -> std::io::Result<Self> {
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = target.file_name().ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{}: not a file path", target.display()),
            )
        })?;
        let prefix = format!(".{}.", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(NEW_FILE_MODE));
        }
        let temp = builder.tempfile_in(folder)?;
        Ok(Self {
            target: target.to_path_buf(),
            writer: BufWriter::with_capacity(capacity, temp),
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

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.writer.seek(pos)
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

    #[test]
    fn a_path_without_a_file_name_is_an_error() {
        let err = AtomicFile::create(Path::new("/")).err().unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    }

    #[test]
    fn seeking_back_overwrites_before_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let mut file = AtomicFile::with_capacity(4, &path).unwrap();
        file.write_all(b"....body").unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.write_all(b"HEAD").unwrap();
        file.commit().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"HEADbody");
    }

    /// A committed file has the mode `File::create` gives a new file in the same folder (the
    /// umask applied to 0o666), not the temporary file's private 0o600.
    #[cfg(unix)]
    #[test]
    fn committed_files_get_the_permissions_of_file_create() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain.txt");
        std::fs::File::create(&plain).unwrap();
        let atomic = dir.path().join("atomic.txt");
        write_bytes(&atomic, b"x").unwrap();
        assert_eq!(mode(&atomic), mode(&plain));
        // Replacing a file gives the new one the same mode too.
        std::fs::set_permissions(&atomic, std::fs::Permissions::from_mode(0o600)).unwrap();
        write_bytes(&atomic, b"y").unwrap();
        assert_eq!(mode(&atomic), mode(&plain));
    }
}
