//! A white bitmap that plotters draws on, handed back as an [`RgbImage`].

use image::RgbImage;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::{PlotError, Result, drawing};
use crate::font::ensure_font;

/// The drawing area every figure gets.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// A `width x height` white canvas, drawn on by `draw`, as an image.
pub(crate) fn render(
    width: u32,
    height: u32,
    what: &'static str,
    draw: impl FnOnce(&Area<'_>) -> Result<()>,
) -> Result<RgbImage> {
    ensure_font()?;
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(drawing(what))?;
    }
    RgbImage::from_raw(width, height, pixels).ok_or(PlotError::Drawing {
        what,
        message: "the bitmap has the wrong size".into(),
    })
}

/// A text style of the embedded font at `size` px in `colour`, anchored by `h` and `v`.
pub(crate) fn text(size: u32, colour: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle {
        font: (crate::font::FAMILY, size).into_font(),
        color: colour.to_backend_color(),
        pos: Pos::new(h, v),
    }
}

/// The same, turned to read bottom to top (a vertical axis title).
pub(crate) fn vertical_text(size: u32, colour: RGBColor) -> TextStyle<'static> {
    TextStyle {
        font: (crate::font::FAMILY, size)
            .into_font()
            .transform(FontTransform::Rotate270),
        color: colour.to_backend_color(),
        pos: Pos::new(HPos::Center, VPos::Center),
    }
}
