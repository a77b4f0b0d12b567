//! Tissue detection on whole-slide thumbnails for the her2 pipeline (Che et al. 2023, stage 1).
//!
//! [`OtsuDetector`] splits a thumbnail into glass and tissue with Otsu's threshold. By default
//! ([`TissueMethod::GlassContrast`]) the split is made on the optical density relative to the
//! slide's own glass, whose colour is estimated from the thumbnail's brightest mode
//! ([`estimate_glass`]): real scans' glass has a colour cast and pale IHC 0 tissue is
//! barely saturated, so no fixed saturation cut serves both. The paper's method stays as an
//! option ([`TissueMethod::HueSaturation`]): RGB -> HSV (OpenCV's 8-bit convention, see
//! `hsv.rs`), an exact Otsu threshold on S and on H (bit-identical to
//! `skimage.filters.threshold_otsu`, see `otsu.rs`), the masks combined ([`CombineRule`]: the
//! literal H AND S keeps only one of the two IHC stains, so it uses S alone by default and
//! reports the H threshold; `docs/tissue-mask.md` has the measurements). Then morphology in
//! microns (closing, hole filling, removal of small pieces) on bit-packed masks
//! (`morphology.rs`, `components.rs`). The result is a [`TissueMask`]: the bitmap with its
//! downsample, the tissue fraction, and the tissue [`TissuePiece`]s (area in mm², level-0
//! bounding box and centroid, stable id). A heuristic ([`flag_control`]) flags a likely 3+
//! control piece; the user can exclude pieces by id ([`TissueMask::exclude_pieces`]) or supply
//! a mask image or a GeoJSON ROI instead. A blank slide is [`TissueError::NoTissue`], never a
//! silently empty mask. Any method can be plugged in through the [`TissueDetector`] trait.
//!
//! ```
//! use image::{Rgb, RgbImage};
//! use tissue_mask::{OtsuDetector, TissueDetector, TissueError, TissueInput};
//!
//! # fn main() -> Result<(), TissueError> {
//! // A 400 x 300 thumbnail of a 20x slide (0.5 µm/px) at downsample 32: glass with two
//! // stained pieces, a big blue one and a small brown one near the right edge.
//! let thumb = RgbImage::from_fn(400, 300, |x, y| {
//!     let glass = Rgb([238, 238, 240]);
//!     if (40..260).contains(&x) && (40..260).contains(&y) {
//!         Rgb([150, 160, 205])
//!     } else if (360..390).contains(&x) && (130..160).contains(&y) {
//!         Rgb([120, 70, 35])
//!     } else {
//!         glass
//!     }
//! });
//! let input = TissueInput { thumbnail: &thumb, downsample: 32.0, mpp: 0.5 };
//! let detector = OtsuDetector::default();
//! let mut mask = detector.detect(&input)?;
//! assert_eq!(mask.pieces().len(), 2);
//! let big = &mask.pieces()[0];
//! assert!((big.area_mm2 - 220.0 * 220.0 * 256.0 / 1e6).abs() < 0.5); // (32 * 0.5 µm)² per px
//! // The small brown piece by the edge is taken for the 3+ control and not scored.
//! assert_eq!(mask.summary().control_pieces, vec![2]);
//! assert_eq!(mask.summary().scored_pieces, vec![1]);
//! // A user may exclude pieces by id; an unknown id is an error.
//! assert!(mask.exclude_pieces(&[7]).is_err());
//!
//! // A blank slide is an error the caller must handle.
//! let blank = RgbImage::from_pixel(64, 64, Rgb([240, 240, 240]));
//! let outcome = detector.detect(&TissueInput { thumbnail: &blank, ..input });
//! assert!(matches!(outcome, Err(TissueError::NoTissue { .. })));
//! # Ok(())
//! # }
//! ```

mod bitmap;
mod components;
mod config;
mod contrast;
mod control;
mod dab;
mod detector;
mod error;
mod geojson;
mod glass;
mod hsv;
mod mask;
mod morphology;
mod otsu;
mod outline;
mod output;
mod overlay;
mod piece;

pub use bitmap::Bitmap;
pub use config::{CombineRule, ControlConfig, GlassConfig, TissueConfig, TissueMethod};
pub use control::flag_control;
pub use detector::{OtsuDetector, TissueDetector, TissueInput};
pub use error::{Result, TissueError};
pub use geojson::{pieces_geojson, rasterize_polygons, read_roi};
pub use glass::{GlassEstimate, estimate_glass};
pub use mask::{ContrastThresholds, MaskSource, Thresholds, TissueMask, TissueSummary};
pub use output::{read_mask_image, write_atomic, write_png_atomic};
pub use overlay::overlay;
pub use piece::{PieceRole, TissuePiece};

/// Building blocks exposed for this workspace's reference tests (against scikit-image) and
/// benchmarks only: hidden from the documentation and outside the semver promise (use the
/// types above).
#[doc(hidden)]
pub mod internals {
    pub use crate::hsv::{HueSaturation, rgb_to_hsv};
    pub use crate::morphology::close_disk;
    pub use crate::otsu::otsu_threshold;
}
