//! Where a slide's tissue comes from when it has no tissue mask.

use wsi_io::Slide;

use crate::error::{ClassifierError, Result};
use crate::geometry::Bitmap;

/// Finds the tissue of a slide that has no tissue mask: a [`Bitmap`] at any downsample
/// (level-0 pixels per bitmap pixel). Closures `Fn(&dyn Slide) -> Result<Bitmap>` are finders.
pub trait TissueFinder: Sync {
    /// The slide's tissue.
    fn find_tissue(&self, slide: &dyn Slide) -> Result<Bitmap>;
}

impl<F: Fn(&dyn Slide) -> Result<Bitmap> + Sync> TissueFinder for F {
    fn find_tissue(&self, slide: &dyn Slide) -> Result<Bitmap> {
        self(slide)
    }
}

/// A finder for callers without a tissue detector: every slide needs a tissue mask.
#[derive(Debug, Clone, Copy, Default)]
pub struct TissueMaskRequired;

impl TissueFinder for TissueMaskRequired {
    fn find_tissue(&self, slide: &dyn Slide) -> Result<Bitmap> {
        Err(ClassifierError::dataset(
            slide.path(),
            "no tissue mask given for this slide and no tissue detector",
        ))
    }
}
