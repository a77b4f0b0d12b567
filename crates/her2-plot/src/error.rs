//! The one error of this crate.

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// The embedded font could not be registered with plotters (a build problem, not input).
    #[error("the embedded figure font could not be loaded")]
    Font,
    /// The figure's data cannot be drawn (empty, ragged or not finite); says which.
    #[error("cannot draw {what}: {reason}")]
    InvalidData {
        /// The figure.
        what: &'static str,
        /// What is wrong with its data.
        reason: String,
    },
    /// plotters failed while drawing.
    #[error("drawing {what} failed: {message}")]
    Drawing {
        /// The figure.
        what: &'static str,
        /// plotters' message.
        message: String,
    },
}

/// This crate's result.
pub type Result<T> = std::result::Result<T, PlotError>;

/// Maps any plotters error of drawing `what` into a [`PlotError::Drawing`].
pub(crate) fn drawing<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> PlotError {
    move |e| PlotError::Drawing {
        what,
        message: e.to_string(),
    }
}
