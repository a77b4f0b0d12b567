//! The HTML pages her2 writes beside its machine-readable outputs: a slide's `report.html`,
//! a cohort's `index.html` and an evaluation's `eval.html`. Every page is one self-contained
//! file (inline style, script and SVG charts, images as data URIs) that opens from disk with
//! no server and no network.

pub mod charts;
pub mod cohort;
pub mod eval;
pub mod page;
pub mod slide;

pub use cohort::cohort_index;
pub use eval::{RuleEvaluation, eval_page};
pub use slide::slide_report;
