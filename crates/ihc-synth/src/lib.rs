//! Synthetic HER2 immunohistochemistry whole-slide images with ground truth.
//!
//! No public breast HER2 slides with scores exist here, so this crate makes them: irregular
//! tissue pieces on glass, stroma with sparse nuclei, normal ducts, and tumour regions of dense
//! nests of polygonal cells whose membranes carry DAB staining with a per-cell intensity class
//! (none / faint / weak-moderate / intense) and completeness. The cell percentages follow the
//! guideline definition of the requested HER2 class (0-null, 0-ultralow, 1+, 2+, 3+), drawn
//! from ranges so that a cohort spreads, including near the 10% cut-offs. Colour follows
//! Beer-Lambert: OD = c_H * H + c_DAB * DAB (Ruifrok vectors, jittered per slide),
//! RGB = 255 * 10^-OD, then a slight optical blur and sensor noise.
//!
//! Rendering is lazy and coordinate-addressed: any region renders the same whatever the tiling,
//! and nothing of level 0 is held in memory. See `docs/ihc-synth.md` for the model and the DAB
//! concentrations of each intensity class.
//!
//! ```
//! use ihc_synth::{Her2Class, SynthConfig, SyntheticSlide};
//!
//! let cfg = SynthConfig::new(2048, 1536, Her2Class::Positive3, 7);
//! let slide = SyntheticSlide::new(&cfg)?;
//! let truth = slide.truth();
//! assert_eq!(truth.guideline_class, Her2Class::Positive3);
//! assert!(truth.cells.guideline.intense_complete > 10.0);
//!
//! let tile = slide.render_region(512, 512, 256, 256);
//! assert_eq!(tile.dimensions(), (256, 256));
//! let cells = slide.cells_in(512, 512, 256, 256);
//! assert!(cells.iter().all(|c| c.x >= 512.0 && c.x < 768.0));
//! let mask = slide.tissue_mask(16.0);
//! assert_eq!(mask.dimensions(), (128, 96));
//! # Ok::<(), ihc_synth::SynthError>(())
//! ```

mod appearance;
mod atomic;
mod cells;
mod class;
mod cohort;
mod config;
mod error;
mod geometry;
mod layout;
mod look;
mod masks;
mod noise;
mod nucleus;
mod output;
mod patches;
mod preset;
mod render;
mod shift;
mod slide;
mod stain;
mod truth;

pub use appearance::Appearance;
pub use class::{GuidelinePercentages, Her2Class, Intensity, guideline_class};
pub use cohort::{CohortEntry, generate_cohort, label_of};
pub use config::{StainConfig, SynthConfig};
pub use error::{Result, SynthError};
pub use look::Look;
pub use nucleus::VesicularNuclei;
pub use output::{
    CELLS_CSV_HEADER, MASK_DOWNSAMPLE, SlideFiles, TruthFile, generate_slide, generate_slide_files,
};
pub use patches::{PatchDatasetConfig, PatchRecord, export_patches};
pub use preset::CellMix;
pub use shift::DomainShift;
pub use slide::SyntheticSlide;
pub use stain::SlideStains;
pub use truth::{CellKind, CellStatistics, CellTruth, SlideTruth};
