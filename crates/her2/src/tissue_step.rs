//! Stage 1 as the pipeline runs it: the thumbnail, then the tissue mask from the detector, a
//! user ROI or a user mask, then the user's piece exclusions.

use std::path::PathBuf;

use image::RgbImage;
use tissue_mask::{MaskSource, TissueDetector, TissueError, TissueInput, TissueMask};
use wsi_io::Slide;

use crate::error::{Her2Error, Result};

/// Where the tissue to score comes from.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TissueSource {
    /// The pipeline's [`TissueDetector`] (the paper's HSV + Otsu by default).
    #[default]
    Detect,
    /// Polygons of a GeoJSON file in level-0 coordinates (e.g. a QuPath annotation export, in
    /// any form QuPath writes; `Ignore*` areas left out: [`tissue_mask::read_roi`]).
    Roi(PathBuf),
    /// A mask image (non-zero = tissue) with the slide's aspect ratio.
    MaskImage(PathBuf),
}

/// The thumbnail the tissue was found on, with its scale.
#[derive(Debug, Clone)]
pub struct Thumbnail {
    /// The pixels.
    pub image: RgbImage,
    /// Level-0 pixels per thumbnail pixel.
    pub downsample: f64,
}

/// Reads the thumbnail of `slide` with its longer side at most `max_side`.
pub fn thumbnail(slide: &dyn Slide, max_side: u32) -> Result<Thumbnail> {
    let image = slide.thumbnail(max_side)?;
    let (level0_w, _) = slide.dimensions();
    let downsample = level0_w as f64 / f64::from(image.width().max(1));
    Ok(Thumbnail { image, downsample })
}

/// Finds the tissue to score: `source`, then `exclude` (piece ids) dropped from scoring.
pub fn find_tissue(
    slide: &dyn Slide,
    thumb: &Thumbnail,
    mpp: f64,
    detector: &dyn TissueDetector,
    source: &TissueSource,
    exclude: &[u32],
) -> Result<TissueMask> {
    let (w, h) = thumb.image.dimensions();
    let external = |bitmap, what: String| {
        TissueMask::from_bitmap(
            bitmap,
            thumb.downsample,
            mpp,
            Some(&thumb.image),
            MaskSource::External(what),
        )
    };
    let mut mask = match source {
        TissueSource::Detect => detector.detect(&TissueInput {
            thumbnail: &thumb.image,
            downsample: thumb.downsample,
            mpp,
        }),
        TissueSource::Roi(path) => {
            let bitmap = tissue_mask::read_roi(path, w, h, thumb.downsample)?;
            external(bitmap, format!("ROI {}", path.display()))
        }
        TissueSource::MaskImage(path) => external(
            tissue_mask::read_mask_image(path, w, h)?,
            format!("mask image {}", path.display()),
        ),
    }
    .map_err(|e| match e {
        TissueError::NoTissue { reason } => Her2Error::NoTissue {
            path: slide.path().to_path_buf(),
            reason,
        },
        other => Her2Error::Tissue(other),
    })?;
    mask.exclude_pieces(exclude)?;
    if mask.scored_fraction() <= 0.0 {
        return Err(Her2Error::NoTissue {
            path: slide.path().to_path_buf(),
            reason: "every tissue piece is a control or excluded piece".into(),
        });
    }
    Ok(mask)
}
