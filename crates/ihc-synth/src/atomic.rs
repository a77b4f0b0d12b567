//! Atomic file output: everything is written to a hidden temporary file in the target's
//! folder and renamed onto the target only when complete, so no partial file is ever seen.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::error::{Result, SynthError};

/// A file being written; `commit` renames it onto its target, dropping it deletes it.
pub(crate) struct AtomicFile {
    target: PathBuf,
    temp: PathBuf,
    writer: BufWriter<File>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> Result<Self> {
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let temp = target.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let file = File::create(&temp).map_err(|e| SynthError::io(&temp, e))?;
        Ok(Self {
            target: target.to_path_buf(),
            temp,
            writer: BufWriter::new(file),
        })
    }

    /// The buffered writer.
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        &mut self.writer
    }

    /// Flushes and renames onto the target.
    pub fn commit(mut self) -> Result<()> {
        self.writer
            .flush()
            .map_err(|e| SynthError::io(&self.temp, e))?;
        std::fs::rename(&self.temp, &self.target).map_err(|e| SynthError::io(&self.target, e))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.temp.exists() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// Writes `bytes` to `target` atomically.
pub(crate) fn write_bytes(target: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(target)?;
    f.writer()
        .write_all(bytes)
        .map_err(|e| SynthError::io(target, e))?;
    f.commit()
}

/// Encodes a grey mask as PNG and writes it atomically.
pub(crate) fn write_png(target: &Path, image: &image::DynamicImage) -> Result<()> {
    let mut bytes = Vec::new();
    image
        .write_to(
            &mut std::io::Cursor::new(&mut bytes),
            image::ImageFormat::Png,
        )
        .map_err(|e| SynthError::Encode {
            path: target.to_path_buf(),
            what: "PNG".into(),
            reason: e.to_string(),
        })?;
    write_bytes(target, &bytes)
}

/// Serialises `value` as pretty JSON and writes it atomically.
pub(crate) fn write_json(target: &Path, value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(|e| SynthError::Encode {
        path: target.to_path_buf(),
        what: "JSON".into(),
        reason: e.to_string(),
    })?;
    write_bytes(target, text.as_bytes())
}
