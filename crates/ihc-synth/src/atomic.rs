//! Atomic file output ([`atomic_file`]) with this crate's errors and encoders: no partial
//! file is ever seen.

use std::path::Path;

use crate::error::{Result, SynthError};

/// Writes `bytes` to `target` atomically.
pub(crate) fn write_bytes(target: &Path, bytes: &[u8]) -> Result<()> {
    atomic_file::write_bytes(target, bytes).map_err(|e| SynthError::io(target, e))
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
