//! her2: HER2 immunohistochemistry scoring of breast-cancer whole-slide images.
//!
//! The facade over the stage crates; see `docs/architecture.md`.

pub use wsi_io;
