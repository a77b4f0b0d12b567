//! A confusion matrix like the paper's Fig. 9: each cell shaded by its share of the true
//! class, with the count and the share written in it, both axes labelled, a colour bar of the
//! share and a footer line (accuracy, kappa).

use image::RgbImage;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use crate::canvas::{Area, render, text, vertical_text};
use crate::error::{PlotError, Result, drawing};

/// What a confusion matrix figure shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfusionFigure {
    /// Heading above the matrix.
    pub title: String,
    /// Class names, in the order of `counts`' rows (true) and columns (predicted).
    pub classes: Vec<String>,
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<u64>>,
    /// One line under the matrix (the headline figures).
    pub footer: String,
}

/// Side of a matrix cell in pixels.
const CELL: i32 = 96;
/// The light end of the shade (matplotlib's "Blues").
const LIGHT: [f64; 3] = [247.0, 251.0, 255.0];
/// The dark end of the shade.
const DARK: [f64; 3] = [8.0, 48.0, 107.0];
/// Grid lines.
const GRID: RGBColor = RGBColor(190, 198, 210);
/// What a figure is called in errors.
const WHAT: &str = "a confusion matrix";

/// The shade of a cell holding `share` (0-1) of its row.
fn shade(share: f64) -> RGBColor {
    let t = share.clamp(0.0, 1.0);
    let [r, g, b] = [0, 1, 2].map(|c| (LIGHT[c] + (DARK[c] - LIGHT[c]) * t).round() as u8);
    RGBColor(r, g, b)
}

/// Draws `figure`.
pub fn confusion_matrix(figure: &ConfusionFigure) -> Result<RgbImage> {
    let n = figure.classes.len();
    if n == 0 || figure.counts.len() != n || figure.counts.iter().any(|row| row.len() != n) {
        return Err(PlotError::InvalidData {
            what: WHAT,
            reason: format!(
                "{n} classes need {n} rows of {n} counts, got rows of {:?}",
                figure.counts.iter().map(Vec::len).collect::<Vec<_>>()
            ),
        });
    }
    let side = CELL * n as i32;
    let (left, top) = (120i32, 64i32);
    let bar_left = left + side + 28;
    let width = (bar_left + 110)
        .max(left + side + 40)
        .max(40 + 9 * figure.title.len() as i32);
    let height = top + side + 96;
    render(width as u32, height as u32, WHAT, |area| {
        title_and_axes(area, figure, left, top, side)?;
        cells(area, figure, left, top)?;
        colour_bar(area, bar_left, top, side)?;
        area.draw(&Text::new(
            figure.footer.clone(),
            (width / 2, top + side + 72),
            text(17, BLACK, HPos::Center, VPos::Center),
        ))
        .map_err(drawing(WHAT))?;
        Ok(())
    })
}

/// The title, the class names on both axes and the axis titles.
fn title_and_axes(
    area: &Area<'_>,
    figure: &ConfusionFigure,
    left: i32,
    top: i32,
    side: i32,
) -> Result<()> {
    let draw = |t: Text<'_, (i32, i32), String>| area.draw(&t).map_err(drawing(WHAT));
    draw(Text::new(
        figure.title.clone(),
        (left + side / 2, 24),
        text(20, BLACK, HPos::Center, VPos::Center),
    ))?;
    for (k, class) in figure.classes.iter().enumerate() {
        let middle = CELL * k as i32 + CELL / 2;
        draw(Text::new(
            class.clone(),
            (left - 12, top + middle),
            text(17, BLACK, HPos::Right, VPos::Center),
        ))?;
        draw(Text::new(
            class.clone(),
            (left + middle, top + side + 14),
            text(17, BLACK, HPos::Center, VPos::Top),
        ))?;
    }
    draw(Text::new(
        "Predicted".to_string(),
        (left + side / 2, top + side + 44),
        text(17, BLACK, HPos::Center, VPos::Center),
    ))?;
    draw(Text::new(
        "True".to_string(),
        (28, top + side / 2),
        vertical_text(17, BLACK),
    ))
}

/// The shaded cells with their count and row share.
fn cells(area: &Area<'_>, figure: &ConfusionFigure, left: i32, top: i32) -> Result<()> {
    for (i, row) in figure.counts.iter().enumerate() {
        let total: u64 = row.iter().sum();
        for (j, &count) in row.iter().enumerate() {
            let share = if total == 0 {
                0.0
            } else {
                count as f64 / total as f64
            };
            let (x0, y0) = (left + CELL * j as i32, top + CELL * i as i32);
            let corners = [(x0, y0), (x0 + CELL, y0 + CELL)];
            area.draw(&Rectangle::new(corners, shade(share).filled()))
                .map_err(drawing(WHAT))?;
            area.draw(&Rectangle::new(corners, GRID))
                .map_err(drawing(WHAT))?;
            let ink = if share > 0.5 { WHITE } else { BLACK };
            let centre = (x0 + CELL / 2, y0 + CELL / 2);
            let percent = if total == 0 {
                "-".to_string()
            } else {
                format!("{:.0}%", 100.0 * share)
            };
            area.draw(&Text::new(
                count.to_string(),
                (centre.0, centre.1 - 11),
                text(20, ink, HPos::Center, VPos::Center),
            ))
            .map_err(drawing(WHAT))?;
            area.draw(&Text::new(
                percent,
                (centre.0, centre.1 + 13),
                text(15, ink, HPos::Center, VPos::Center),
            ))
            .map_err(drawing(WHAT))?;
        }
    }
    Ok(())
}

/// The share's colour bar right of the matrix, 0% at the bottom.
fn colour_bar(area: &Area<'_>, left: i32, top: i32, side: i32) -> Result<()> {
    let right = left + 18;
    for y in top..top + side {
        let share = f64::from(top + side - 1 - y) / f64::from(side - 1).max(1.0);
        area.draw(&Rectangle::new(
            [(left, y), (right, y + 1)],
            shade(share).filled(),
        ))
        .map_err(drawing(WHAT))?;
    }
    area.draw(&Rectangle::new([(left, top), (right, top + side)], GRID))
        .map_err(drawing(WHAT))?;
    for k in 0..=4 {
        let y = top + side - side * k / 4;
        area.draw(&PathElement::new(vec![(right, y), (right + 4, y)], BLACK))
            .map_err(drawing(WHAT))?;
        area.draw(&Text::new(
            format!("{}%", 25 * k),
            (right + 7, y),
            text(13, BLACK, HPos::Left, VPos::Center),
        ))
        .map_err(drawing(WHAT))?;
    }
    area.draw(&Text::new(
        "Share of the true class".to_string(),
        (right + 62, top + side / 2),
        vertical_text(13, BLACK),
    ))
    .map_err(drawing(WHAT))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figure() -> ConfusionFigure {
        ConfusionFigure {
            title: "Paper rule".into(),
            classes: ["0", "1+", "2+", "3+"].map(String::from).to_vec(),
            counts: vec![
                vec![10, 0, 0, 0],
                vec![1, 9, 0, 0],
                vec![0, 0, 0, 0],
                vec![0, 0, 5, 5],
            ],
            footer: "Accuracy 85.7%".into(),
        }
    }

    #[test]
    fn cells_are_shaded_by_their_share_of_the_true_class() {
        let image = confusion_matrix(&figure()).unwrap();
        let (left, top) = (120u32, 64u32);
        // a corner pixel of a cell (away from its text): full row share is the dark end
        let at = |i: u32, j: u32| *image.get_pixel(left + 96 * j + 4, top + 96 * i + 4);
        assert_eq!(at(0, 0).0, [8, 48, 107]);
        assert_eq!(at(0, 1).0, [247, 251, 255]);
        // a row without slides stays light; a half share is half way
        assert_eq!(at(2, 2).0, [247, 251, 255]);
        let half = at(3, 3).0;
        assert!((120..=135).contains(&half[0]), "{half:?}");
    }

    #[test]
    fn text_is_drawn_in_the_cells_and_around_them() {
        let image = confusion_matrix(&figure()).unwrap();
        // white ink on the dark (0, 0) cell
        let white = (120 + 20..120 + 76)
            .flat_map(|x| (64 + 20..64 + 76).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0.iter().all(|&c| c > 200))
            .count();
        assert!(white > 20, "{white}");
        // dark ink in the title band
        let ink = (0..image.width())
            .flat_map(|x| (10..40).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y).0[0] < 80)
            .count();
        assert!(ink > 40, "{ink}");
    }

    #[test]
    fn ragged_or_empty_counts_are_refused() {
        let mut ragged = figure();
        ragged.counts[1].pop();
        assert!(matches!(
            confusion_matrix(&ragged),
            Err(PlotError::InvalidData { .. })
        ));
        let mut empty = figure();
        empty.classes.clear();
        assert!(confusion_matrix(&empty).is_err());
    }
}
