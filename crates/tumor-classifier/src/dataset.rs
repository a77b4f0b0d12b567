//! Training data: labelled patch folders (`tumor/` and `normal/` under one root, as
//! `her2 synth patches` writes them) or patches drawn from annotated slides
//! ([`slide_dataset`](crate::slide_dataset)), the paper's fixed-seed 9:1 train/validation
//! split, and [`PatchReader`], which loads a sample's pixels when a batch needs them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use image::RgbImage;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use wsi_io::{Mpp, OpenOptions, Patch, Rect, Slide};

use crate::error::{ClassifierError, Result};

/// Folder names accepted for tumour patches.
pub const TUMOR_DIRS: [&str; 2] = ["tumor", "tumour"];
/// Folder names accepted for non-tumour patches.
pub const NORMAL_DIRS: [&str; 3] = ["normal", "non-tumor", "non-tumour"];
const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "tif", "tiff"];

/// Where a patch's pixels are.
#[derive(Debug, Clone, PartialEq)]
pub enum PatchSource {
    /// An image file.
    File(PathBuf),
    /// A square of a slide, read when needed.
    Slide {
        /// Index into [`PatchDataset::slides`].
        slide: usize,
        /// Level-0 left edge.
        x: u64,
        /// Level-0 top edge.
        y: u64,
        /// Fraction of the patch inside the tumour annotation (as the draw estimated it).
        tumor_fraction: f32,
        /// Fraction of the patch on tissue (as the draw estimated it).
        tissue_fraction: f32,
    },
}

/// One labelled patch.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchSample {
    /// Where its pixels are.
    pub source: PatchSource,
    /// Whether it shows tumour.
    pub tumor: bool,
}

/// A slide that patches are read from, with how to read them (from `wsi_io::PatchGrid`'s
/// level choice at the training resolution).
#[derive(Debug, Clone, PartialEq)]
pub struct SlidePatches {
    /// The slide file.
    pub path: PathBuf,
    /// Level-0 microns per pixel given for it (overrides the file's), if any.
    pub mpp: Option<f64>,
    /// Side of a patch in level-0 pixels.
    pub level0_px: u64,
    /// Pyramid level read.
    pub level: usize,
    /// Downsample of that level.
    pub level_downsample: f64,
    /// Side of the square read at `level`.
    pub read_px: u32,
    /// Side of the output patch in pixels.
    pub out_px: u32,
}

impl SlidePatches {
    /// Opens the slide with its MPP override.
    pub fn open(&self) -> Result<Box<dyn Slide>> {
        open_slide(&self.path, self.mpp)
    }

    /// The `wsi_io` patch whose level-0 top-left corner is (`x`, `y`).
    pub fn patch(&self, x: u64, y: u64) -> Patch {
        Patch {
            col: 0,
            row: 0,
            rect: Rect::new(x, y, self.level0_px, self.level0_px),
            level: self.level,
            level_downsample: self.level_downsample,
            read_px: self.read_px,
            out_px: self.out_px,
        }
    }
}

/// Opens a slide, with `mpp` (level-0 microns per pixel) overriding the file's when given.
pub fn open_slide(path: &Path, mpp: Option<f64>) -> Result<Box<dyn Slide>> {
    let options = OpenOptions {
        mpp: mpp.map(Mpp::square),
        ..OpenOptions::default()
    };
    Ok(wsi_io::open_with(path, &options)?)
}

/// A training set: labelled patches from image files and/or slides.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchDataset {
    /// The folder or manifest it came from (named in errors).
    pub root: PathBuf,
    /// Every sample, in a fixed order (so splits are reproducible).
    pub samples: Vec<PatchSample>,
    /// The slides that [`PatchSource::Slide`] samples index.
    pub slides: Vec<SlidePatches>,
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
        samples.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Self {
            root: root.to_path_buf(),
            samples: samples
                .into_iter()
                .map(|(path, tumor)| PatchSample {
                    source: PatchSource::File(path),
                    tumor,
                })
                .collect(),
            slides: Vec::new(),
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

fn list_images(dir: &Path, tumor: bool, out: &mut Vec<(PathBuf, bool)>) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|e| ClassifierError::io(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| ClassifierError::io(dir, e))?.path();
        let is_image = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
        if is_image && path.is_file() {
            out.push((path, tumor));
        }
    }
    Ok(())
}

/// Loads samples' pixels: image files are decoded, slide patches read with
/// `wsi_io::read_patch` when asked for (lazily: nothing is read up front). At most
/// `max_open_slides` slides are held open (least recently used closed first), and decoded
/// slide patches are kept in memory until `cache_bytes` is used up (first come, never
/// evicted), so later epochs read them again only beyond that budget. Safe to share between
/// threads; results do not depend on the cache.
pub struct PatchReader<'a> {
    dataset: &'a PatchDataset,
    max_open_slides: usize,
    open: Mutex<OpenSlides>,
    cache_bytes: usize,
    cache: Mutex<PatchCache>,
}

#[derive(Default)]
struct OpenSlides {
    tick: u64,
    slides: Vec<(usize, Arc<dyn Slide>, u64)>,
}

#[derive(Default)]
struct PatchCache {
    bytes: usize,
    patches: HashMap<(usize, u64, u64), Arc<RgbImage>>,
}

impl std::fmt::Debug for PatchReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PatchReader")
            .field("max_open_slides", &self.max_open_slides)
            .field("cache_bytes", &self.cache_bytes)
            .finish_non_exhaustive()
    }
}

impl<'a> PatchReader<'a> {
    /// A reader over `dataset` holding at most `max_open_slides` (at least 1) slides open and
    /// caching up to `cache_bytes` of decoded slide patches.
    pub fn new(dataset: &'a PatchDataset, max_open_slides: usize, cache_bytes: usize) -> Self {
        Self {
            dataset,
            max_open_slides: max_open_slides.max(1),
            open: Mutex::new(OpenSlides::default()),
            cache_bytes,
            cache: Mutex::new(PatchCache::default()),
        }
    }

    /// The pixels of `sample`.
    pub fn load(&self, sample: &PatchSample) -> Result<RgbImage> {
        match &sample.source {
            PatchSource::File(path) => load_patch(path),
            &PatchSource::Slide { slide, x, y, .. } => {
                let key = (slide, x, y);
                let cached = self
                    .cache
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .patches
                    .get(&key)
                    .cloned();
                if let Some(img) = cached {
                    return Ok(img.as_ref().clone());
                }
                let source = self.dataset.slides.get(slide).ok_or_else(|| {
                    ClassifierError::dataset(
                        &self.dataset.root,
                        format!(
                            "a sample names slide {slide} of {}",
                            self.dataset.slides.len()
                        ),
                    )
                })?;
                let img =
                    wsi_io::read_patch(self.slide(slide, source)?.as_ref(), &source.patch(x, y))?;
                let size = img.as_raw().len();
                let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                if cache.bytes + size <= self.cache_bytes && !cache.patches.contains_key(&key) {
                    cache.bytes += size;
                    cache.patches.insert(key, Arc::new(img.clone()));
                }
                Ok(img)
            }
        }
    }

    /// Slide `index`, from the open ones or opened now (closing the least recently used).
    fn slide(&self, index: usize, source: &SlidePatches) -> Result<Arc<dyn Slide>> {
        {
            let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
            open.tick += 1;
            let tick = open.tick;
            if let Some(entry) = open.slides.iter_mut().find(|e| e.0 == index) {
                entry.2 = tick;
                return Ok(Arc::clone(&entry.1));
            }
        }
        let slide: Arc<dyn Slide> = Arc::from(source.open()?);
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        open.tick += 1;
        let tick = open.tick;
        if let Some(entry) = open.slides.iter_mut().find(|e| e.0 == index) {
            entry.2 = tick; // another thread opened it meanwhile
            return Ok(Arc::clone(&entry.1));
        }
        if open.slides.len() >= self.max_open_slides
            && let Some(oldest) = open
                .slides
                .iter()
                .enumerate()
                .min_by_key(|(_, e)| e.2)
                .map(|(i, _)| i)
        {
            open.slides.swap_remove(oldest);
        }
        open.slides.push((index, Arc::clone(&slide), tick));
        Ok(slide)
    }

    /// Bytes of decoded patches held in the cache.
    pub fn cached_bytes(&self) -> usize {
        self.cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .bytes
    }
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
        let reader = PatchReader::new(&ds, 1, 0);
        assert_eq!(reader.load(&train[0]).unwrap().dimensions(), (4, 4));
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
