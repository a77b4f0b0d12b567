//! The embedded font, registered once per process under [`FAMILY`].

use std::sync::OnceLock;

use plotters::style::FontStyle;

use crate::error::{PlotError, Result};

/// The family name every figure asks plotters for.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers Noto Sans Regular (SIL Open Font License, embedded by the `ttf-noto-sans` crate)
/// as [`FAMILY`] the first time a figure is drawn.
pub(crate) fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, ttf_noto_sans::REGULAR).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}
