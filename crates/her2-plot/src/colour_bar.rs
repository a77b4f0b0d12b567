//! A labelled colour bar beside an image: what a heatmap's colours mean.

use image::{Rgb, RgbImage, imageops};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::canvas::{render, text, vertical_text};
use crate::error::{PlotError, Result, drawing};

/// A colour scale from 0 to 1 and how to label it.
pub struct ColourBar<'a> {
    /// The colour of a value in [0, 1].
    pub colour: &'a dyn Fn(f64) -> Rgb<u8>,
    /// What the colours measure (drawn along the bar).
    pub title: String,
    /// Tick labels at 0, 0.25, 0.5, 0.75 and 1 of the scale.
    pub ticks: [String; 5],
}

/// Width of the strip added on the right of the image.
const STRIP: u32 = 110;

/// `image` with a colour bar strip on its right, the bar as high as the image allows.
pub fn with_colour_bar(image: &RgbImage, bar: &ColourBar<'_>) -> Result<RgbImage> {
    const WHAT: &str = "a colour bar";
    let height = image.height().max(160);
    if image.width() == 0 || image.height() == 0 {
        return Err(PlotError::InvalidData {
            what: WHAT,
            reason: "the image is empty".into(),
        });
    }
    let strip = render(STRIP, height, WHAT, |area| {
        let (top, bottom) = (20i32, height as i32 - 20);
        let (left, right) = (12i32, 32i32);
        let span = (bottom - top).max(1);
        for y in top..bottom {
            let value = f64::from(bottom - 1 - y) / f64::from(span - 1).max(1.0);
            let Rgb([r, g, b]) = (bar.colour)(value);
            area.draw(&Rectangle::new(
                [(left, y), (right, y + 1)],
                RGBColor(r, g, b).filled(),
            ))
            .map_err(drawing(WHAT))?;
        }
        area.draw(&Rectangle::new([(left, top), (right, bottom)], BLACK))
            .map_err(drawing(WHAT))?;
        for (k, label) in bar.ticks.iter().enumerate() {
            let y = bottom - (span * k as i32) / 4;
            area.draw(&PathElement::new(vec![(right, y), (right + 4, y)], BLACK))
                .map_err(drawing(WHAT))?;
            area.draw(&Text::new(
                label.clone(),
                (right + 7, y),
                text(12, BLACK, HPos::Left, VPos::Center),
            ))
            .map_err(drawing(WHAT))?;
        }
        area.draw(&Text::new(
            bar.title.clone(),
            (STRIP as i32 - 14, (top + bottom) / 2),
            vertical_text(13, BLACK),
        ))
        .map_err(drawing(WHAT))
    })?;
    let mut out = RgbImage::from_pixel(image.width() + STRIP, height, Rgb([255, 255, 255]));
    imageops::replace(&mut out, image, 0, 0);
    imageops::replace(&mut out, &strip, i64::from(image.width()), 0);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_runs_from_the_low_colour_at_the_bottom_to_the_high_at_the_top() {
        let image = RgbImage::from_pixel(300, 200, Rgb([10, 200, 10]));
        let colour = |v: f64| Rgb([(255.0 * v) as u8, 0, (255.0 * (1.0 - v)) as u8]);
        let bar = ColourBar {
            colour: &colour,
            title: "Tumour probability".into(),
            ticks: ["0", "0.25", "0.5", "0.75", "1"].map(String::from),
        };
        let out = with_colour_bar(&image, &bar).unwrap();
        assert_eq!((out.width(), out.height()), (300 + STRIP, 200));
        assert_eq!(out.get_pixel(150, 100), &Rgb([10, 200, 10]));
        let low = out.get_pixel(300 + 22, 200 - 22);
        let high = out.get_pixel(300 + 22, 22);
        assert!(low[2] > 200 && low[0] < 40, "{low:?}");
        assert!(high[0] > 200 && high[2] < 40, "{high:?}");
        // the labels are drawn: some dark pixels right of the bar
        let dark = (300 + 40..300 + STRIP)
            .flat_map(|x| (0..200).map(move |y| (x, y)))
            .filter(|&(x, y)| out.get_pixel(x, y)[0] < 100)
            .count();
        assert!(dark > 30, "{dark}");
    }

    #[test]
    fn an_empty_image_is_refused() {
        let colour = |_: f64| Rgb([0, 0, 0]);
        let bar = ColourBar {
            colour: &colour,
            title: String::new(),
            ticks: Default::default(),
        };
        assert!(with_colour_bar(&RgbImage::new(0, 0), &bar).is_err());
    }
}
