//! The figures of the her2 workspace, drawn with [`plotters`] on its bitmap backend with an
//! embedded open font (Noto Sans, through `ab_glyph`): no system fonts, no fontconfig, the
//! same pixels on every machine.
//!
//! - [`confusion_matrix`]: a labelled confusion matrix (counts and row shares, axis titles,
//!   a colour bar of the share, a footer line), as `her2 eval` and `her2 calibrate` write.
//! - [`curve_plot`]: ROC or precision-recall curves with axes, ticks, a legend (area under
//!   the curve in it) and the chance line on ROC plots, as `her2 train` writes.
//! - [`with_colour_bar`]: any image (a heatmap) with a labelled colour bar beside it.
//!
//! ```
//! use her2_plot::{ConfusionFigure, confusion_matrix};
//!
//! let figure = ConfusionFigure {
//!     title: "Guideline rule, test cohort".into(),
//!     classes: vec!["0".into(), "1+".into()],
//!     counts: vec![vec![9, 1], vec![2, 8]],
//!     footer: "Accuracy 85.0%".into(),
//! };
//! let image = confusion_matrix(&figure)?;
//! assert!(image.width() > 200 && image.height() > 200);
//! # Ok::<(), her2_plot::PlotError>(())
//! ```

mod canvas;
mod colour_bar;
mod confusion;
mod curves;
mod error;
mod font;

pub use colour_bar::{ColourBar, with_colour_bar};
pub use confusion::{ConfusionFigure, confusion_matrix};
pub use curves::{CURVE_PLOT_SIDE, Curve, CurveKind, curve_plot};
pub use error::{PlotError, Result};
