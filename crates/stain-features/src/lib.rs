//! HER2 IHC patch features (work in progress: the types are stable, the analysis lands next).

pub mod analyzer;
pub mod cell;
pub mod config;
pub mod error;
pub mod features;

pub use analyzer::StainAnalyzer;
pub use cell::Cell;
pub use config::StainConfig;
pub use error::{Result, StainError};
pub use features::{ClassCounts, IntensityClass, PatchFeatures, PatchTimings};
