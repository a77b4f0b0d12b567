//! Which slides, with which annotations: a slide's tumour annotation found beside it, and
//! slide manifests (CSV).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, Result};

/// Files tried beside a slide `<stem>.<ext>` when no tumour annotation is named, in order.
const ANNOTATION_SUFFIXES: [&str; 6] = [
    ".outlines.geojson",
    ".tumor.geojson",
    ".tumour.geojson",
    ".geojson",
    ".tumor.png",
    ".tumour.png",
];

/// A slide with its annotations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnnotatedSlide {
    /// The slide (anything `wsi_io::open` opens).
    pub slide: PathBuf,
    /// Tumour annotation: `.geojson` / `.json` files are GeoJSON (level-0 pixels), anything
    /// else a mask image (pixels >= 128 are tumour) with the slide's aspect ratio.
    pub tumor: PathBuf,
    /// Tissue mask (image or GeoJSON like `tumor`); `None`: found by the [`TissueFinder`].
    pub tissue: Option<PathBuf>,
    /// Level-0 microns per pixel, overriding the file's (needed when it states none).
    pub mpp: Option<f64>,
}

impl AnnotatedSlide {
    /// `slide` with the first of `<stem>` + `ANNOTATION_SUFFIXES` that exists beside it
    /// (ihc-synth's `<stem>.outlines.geojson` first).
    pub fn beside(slide: &Path) -> Result<Self> {
        Ok(Self {
            tumor: find_annotation(slide)?,
            slide: slide.to_path_buf(),
            tissue: None,
            mpp: None,
        })
    }
}

fn find_annotation(slide: &Path) -> Result<PathBuf> {
    let stem = slide
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = slide.parent().unwrap_or(Path::new(""));
    ANNOTATION_SUFFIXES
        .iter()
        .map(|suffix| dir.join(format!("{stem}{suffix}")))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            ClassifierError::dataset(
                slide,
                format!(
                    "no tumour annotation given and none found beside the slide (looked for {stem}{})",
                    ANNOTATION_SUFFIXES.join(&format!(", {stem}"))
                ),
            )
        })
}

/// Reads a slide manifest: a CSV with a header and one row per slide. Columns (any order,
/// others ignored): `slide` or `path` (required), `tumor` / `tumour` / `annotation`
/// (optional: empty or absent means the annotation beside the slide,
/// [`AnnotatedSlide::beside`]), `tissue` (optional mask), `mpp` (optional). Relative paths are
/// resolved against the manifest's folder, so `her2 synth cohort`'s `manifest.csv` reads as
/// is. Every slide and named annotation must exist.
pub fn read_slide_manifest(path: &Path) -> Result<Vec<AnnotatedSlide>> {
    let bad = |message: String| ClassifierError::dataset(path, message);
    let file = std::fs::File::open(path).map_err(|e| ClassifierError::io(path, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(file);
    let headers = reader
        .headers()
        .map_err(|e| bad(format!("not a CSV file: {e}")))?
        .clone();
    let column = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let slide_col = column(&["slide", "path"])
        .ok_or_else(|| bad("no `slide` (or `path`) column in the header".into()))?;
    let tumor_col = column(&["tumor", "tumour", "annotation"]);
    let tissue_col = column(&["tissue"]);
    let mpp_col = column(&["mpp"]);
    let base = path.parent().unwrap_or(Path::new(""));
    let mut slides = Vec::new();
    for (k, record) in reader.records().enumerate() {
        let row = k + 2; // 1-based, after the header
        let record = record.map_err(|e| bad(format!("row {row}: {e}")))?;
        let cell = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let Some(slide) = cell(Some(slide_col)) else {
            return Err(bad(format!("row {row}: empty slide path")));
        };
        let slide = base.join(slide);
        let existing = |file: PathBuf, what: &str| {
            if file.is_file() {
                Ok(file)
            } else {
                Err(bad(format!(
                    "row {row}: {what} {} not found",
                    file.display()
                )))
            }
        };
        let slide = existing(slide, "slide")?;
        let tumor = match cell(tumor_col) {
            Some(t) => existing(base.join(t), "tumour annotation")?,
            None => find_annotation(&slide).map_err(|e| bad(format!("row {row}: {e}")))?,
        };
        let tissue = cell(tissue_col)
            .map(|t| existing(base.join(t), "tissue mask"))
            .transpose()?;
        let mpp = cell(mpp_col)
            .map(|m| match m.parse::<f64>() {
                Ok(v) if v.is_finite() && v > 0.0 => Ok(v),
                _ => Err(bad(format!(
                    "row {row}: mpp `{m}` is not a positive number of microns per pixel"
                ))),
            })
            .transpose()?;
        slides.push(AnnotatedSlide {
            slide,
            tumor,
            tissue,
            mpp,
        });
    }
    if slides.is_empty() {
        return Err(bad("no slides listed".into()));
    }
    Ok(slides)
}
