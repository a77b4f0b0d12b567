//! Whole-slide image I/O for the her2 pipeline.
//!
//! (crate docs with a runnable example: to be written by the wsi-io owner)

pub mod error;
pub mod slide;
pub mod writer;

pub use error::{Result, WsiError};
pub use slide::{AssociatedKind, Mpp, Slide};
