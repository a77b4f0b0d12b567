//! Labelled patch folders (`tumor/` and `normal/` under one root, as `her2 synth patches`
//! writes them) and the paper's fixed-seed 9:1 train/validation split.

use std::path::{Path, PathBuf};

use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::error::{ClassifierError, Result};

/// Folder names accepted for tumour patches.
pub const TUMOR_DIRS: [&str; 2] = ["tumor", "tumour"];
/// Folder names accepted for non-tumour patches.
pub const NORMAL_DIRS: [&str; 3] = ["normal", "non-tumor", "non-tumour"];
const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "tif", "tiff"];

/// One labelled patch file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchSample {
    /// The image file.
    pub path: PathBuf,
    /// Whether it shows tumour.
    pub tumor: bool,
}

/// All patches found under a root folder, sorted by path (so splits are reproducible).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchDataset {
    /// The root folder.
    pub root: PathBuf,
    /// Every sample.
    pub samples: Vec<PatchSample>,
}

impl PatchDataset {
    /// Scans `root/tumor` and `root/normal` (also `tumour`, `non-tumor`, `non-tumour`) for
    /// PNG, JPEG and TIFF files. Both classes must be present.
    pub fn from_folder(root: &Path) -> Result<Self> {
        if !root.is_dir() {
            return Err(ClassifierError::dataset(root, "not a folder"));
        }
        let mut samples = Vec::new();
        for (names, tumor) in [(&TUMOR_DIRS[..], true), (&NORMAL_DIRS[..], false)] {
            let before = samples.len();
            for name in names {
                let dir = root.join(name);
                if dir.is_dir() {
                    list_images(&dir, tumor, &mut samples)?;
                }
            }
            if samples.len() == before {
                return Err(ClassifierError::dataset(
                    root,
                    format!("no patch images in any of {}/", names.join("/, ")),
                ));
            }
        }
        samples.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Self {
            root: root.to_path_buf(),
            samples,
        })
    }

    /// Number of tumour samples.
    pub fn tumor_count(&self) -> usize {
        self.samples.iter().filter(|s| s.tumor).count()
    }

    /// Splits into (train, validation), stratified per class: a fraction
    /// `validation_fraction` of each class, chosen by a ChaCha8 shuffle seeded with `seed`,
    /// goes to validation (at least one of each class when the class has two or more).
    pub fn split(
        &self,
        validation_fraction: f64,
        seed: u64,
    ) -> Result<(Vec<PatchSample>, Vec<PatchSample>)> {
        if !(0.0..1.0).contains(&validation_fraction) {
            return Err(ClassifierError::InvalidConfig(format!(
                "validation fraction must be in [0, 1), got {validation_fraction}"
            )));
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let (mut train, mut val) = (Vec::new(), Vec::new());
        for tumor in [true, false] {
            let mut class: Vec<PatchSample> = self
                .samples
                .iter()
                .filter(|s| s.tumor == tumor)
                .cloned()
                .collect();
            class.shuffle(&mut rng);
            let mut n_val = (class.len() as f64 * validation_fraction).round() as usize;
            if validation_fraction > 0.0 && class.len() >= 2 {
                n_val = n_val.clamp(1, class.len() - 1);
            }
            let rest = class.split_off(n_val);
            val.extend(class);
            train.extend(rest);
        }
        Ok((train, val))
    }
}

fn list_images(dir: &Path, tumor: bool, out: &mut Vec<PatchSample>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| ClassifierError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| ClassifierError::io(dir, e))?.path();
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_image && path.is_file() {
            out.push(PatchSample { path, tumor });
        }
    }
    Ok(())
}

/// Decodes a patch as RGB, naming the file on failure.
pub fn load_patch(path: &Path) -> Result<RgbImage> {
    Ok(image::open(path)
        .map_err(|source| ClassifierError::Image {
            path: path.to_path_buf(),
            source,
        })?
        .into_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(root: &Path, class: &str, n: usize) {
        let dir = root.join(class);
        std::fs::create_dir_all(&dir).unwrap();
        for i in 0..n {
            RgbImage::new(4, 4)
                .save(dir.join(format!("{i:03}.png")))
                .unwrap();
        }
        std::fs::write(dir.join("notes.txt"), "not an image").unwrap();
    }

    #[test]
    fn finds_both_classes_and_splits_reproducibly_per_class() {
        let dir = tempfile::tempdir().unwrap();
        make(dir.path(), "tumor", 20);
        make(dir.path(), "normal", 10);
        let ds = PatchDataset::from_folder(dir.path()).unwrap();
        assert_eq!((ds.samples.len(), ds.tumor_count()), (30, 20));
        let (train, val) = ds.split(0.1, 7).unwrap();
        assert_eq!((train.len(), val.len()), (27, 3));
        assert_eq!(val.iter().filter(|s| s.tumor).count(), 2);
        assert_eq!(ds.split(0.1, 7).unwrap().1, val, "same seed, same split");
        assert_ne!(ds.split(0.1, 8).unwrap().1, val);
        assert!(ds.split(1.0, 7).is_err());
        assert_eq!(load_patch(&train[0].path).unwrap().dimensions(), (4, 4));
    }

    #[test]
    fn a_missing_class_is_an_error_naming_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        make(dir.path(), "tumour", 3);
        let err = PatchDataset::from_folder(dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("normal"), "{err}");
        assert!(PatchDataset::from_folder(&dir.path().join("nope")).is_err());
    }
}
