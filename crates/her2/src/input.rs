//! The input file's identity for the report: hash, size, resolution and where it came from.

use std::io::Read;

use sha2::{Digest, Sha256};
use wsi_io::{Mpp, OpenOptions, Slide};

use crate::error::{Her2Error, Result};
use crate::report::{InputInfo, MppSource};

/// Opens a slide or plain image with the caller's level-0 resolution when given (it wins over
/// the file's), and returns it with its resolution in µm/px (mean of x and y). A file that
/// states none, with none given, is [`Her2Error::MissingMpp`].
pub fn open_slide(path: &std::path::Path, mpp: Option<f64>) -> Result<(Box<dyn Slide>, f64)> {
    if let Some(m) = mpp
        && !(m.is_finite() && m > 0.0)
    {
        return Err(Her2Error::InvalidMpp {
            path: path.to_path_buf(),
            mpp: m,
        });
    }
    let options = mpp
        .map(|m| OpenOptions::with_mpp(Mpp::square(m)))
        .unwrap_or_default();
    let slide = wsi_io::open_with(path, &options)?;
    let mpp = slide
        .mpp()
        .map(|m| m.mean())
        .ok_or_else(|| Her2Error::MissingMpp {
            path: path.to_path_buf(),
        })?;
    Ok((slide, mpp))
}

/// Describes `slide`; `user_mpp` is the resolution the caller gave, if any (it wins). The hash
/// and size are those of the file at [`Slide::path`], `None` when no file is there (a slide
/// held in memory).
pub fn input_info(slide: &dyn Slide, user_mpp: Option<f64>) -> Result<InputInfo> {
    let path = slide.path().to_path_buf();
    let (mpp, mpp_source) = match (user_mpp, slide.mpp()) {
        (Some(m), _) => (m, MppSource::User),
        (None, Some(m)) => (m.mean(), MppSource::File),
        (None, None) => return Err(Her2Error::MissingMpp { path }),
    };
    if !(mpp.is_finite() && mpp > 0.0) {
        return Err(Her2Error::InvalidMpp { path, mpp });
    }
    // A slide held in memory has no file to hash; a path that names one is hashed.
    let (sha256, bytes) = if path.is_file() {
        let (sha256, bytes) = hash_file(&path)?;
        (Some(sha256), Some(bytes))
    } else {
        (None, None)
    };
    Ok(InputInfo {
        path,
        sha256,
        bytes,
        vendor: slide.vendor(),
        dimensions: slide.dimensions(),
        mpp,
        mpp_source,
        objective_power: slide.objective_power(),
    })
}

/// SHA-256 (hex) and size of a file, streamed.
pub fn hash_file(path: &std::path::Path) -> Result<(String, u64)> {
    let mut file = std::fs::File::open(path).map_err(|e| Her2Error::io(path, e))?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| Her2Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        total += n as u64;
    }
    let hex = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<String>();
    Ok((hex, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_known_vector() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("abc.txt");
        std::fs::write(&path, b"abc").unwrap();
        let (hex, n) = hash_file(&path).unwrap();
        assert_eq!(n, 3);
        assert_eq!(
            hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
