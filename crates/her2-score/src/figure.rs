//! A confusion-matrix figure like the paper's Fig. 9: cells shaded by the share of each true
//! class, with counts and percentages, class names on both axes, and the headline figures.

use std::io::Cursor;
use std::path::Path;

use image::{ImageFormat, Rgb, RgbImage};

use crate::error::{Result, ScoreError};
use crate::font::{draw_text, draw_text_centred, text_height, text_width};
use crate::io::write_atomic;
use crate::metrics::{ConfusionMatrix, KappaWeights};

/// Side of one matrix cell in pixels.
const CELL: u32 = 96;
/// Text scale for labels and counts (font pixels to image pixels).
const SCALE: u32 = 2;
/// Free space around the figure.
const MARGIN: u32 = 16;
/// Empty shade (the light end of matplotlib's "Blues").
const LIGHT: [f64; 3] = [247.0, 251.0, 255.0];
/// Full shade (the dark end of "Blues").
const DARK: [f64; 3] = [8.0, 48.0, 107.0];
/// Text and grid colour.
const BLACK: Rgb<u8> = Rgb([0, 0, 0]);
/// Text colour on dark cells.
const WHITE: Rgb<u8> = Rgb([255, 255, 255]);

/// The shade of a cell holding `share` (0-1) of its row.
fn shade(share: f64) -> Rgb<u8> {
    let t = share.clamp(0.0, 1.0);
    Rgb([0, 1, 2].map(|c| (LIGHT[c] + (DARK[c] - LIGHT[c]) * t).round() as u8))
}

/// Formats an optional ratio as a percentage with one decimal ("-" when undefined).
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// Draws the matrix with `title` above it and accuracy and quadratic kappa below.
pub fn render_confusion(matrix: &ConfusionMatrix, title: &str) -> RgbImage {
    let n = matrix.classes.len() as u32;
    let line = text_height(SCALE);
    let label_width = matrix
        .classes
        .iter()
        .map(|c| text_width(c, SCALE))
        .max()
        .unwrap_or(0)
        .max(text_width("TRUE", SCALE));
    let grid_left = MARGIN + label_width + MARGIN;
    let grid_top = MARGIN + 2 * line + MARGIN;
    let footer = format!(
        "ACCURACY {}   KAPPA (QUADRATIC) {}",
        percent(matrix.accuracy()),
        matrix
            .kappa(KappaWeights::Quadratic)
            .map_or_else(|| "-".to_string(), |k| format!("{k:.3}"))
    );
    let width = (grid_left + n * CELL + MARGIN)
        .max(2 * MARGIN + text_width(title, SCALE))
        .max(2 * MARGIN + text_width(&footer, SCALE));
    let height = grid_top + n * CELL + 4 * line + 4 * MARGIN;
    let mut image = RgbImage::from_pixel(width, height, WHITE);

    draw_text_centred(&mut image, width / 2, MARGIN, title, SCALE, BLACK);
    draw_text(
        &mut image,
        MARGIN,
        grid_top - line - MARGIN / 2,
        "TRUE",
        SCALE,
        BLACK,
    );
    for (row, counts) in matrix.counts.iter().enumerate() {
        let row_total: u64 = counts.iter().sum();
        let top = grid_top + row as u32 * CELL;
        let name = &matrix.classes[row];
        draw_text(
            &mut image,
            grid_left - MARGIN - text_width(name, SCALE),
            top + (CELL - line) / 2,
            name,
            SCALE,
            BLACK,
        );
        for (column, &count) in counts.iter().enumerate() {
            let left = grid_left + column as u32 * CELL;
            let share = if row_total > 0 {
                count as f64 / row_total as f64
            } else {
                0.0
            };
            for y in top..top + CELL {
                for x in left..left + CELL {
                    let edge = x == left || y == top || x == left + CELL - 1 || y == top + CELL - 1;
                    image.put_pixel(
                        x,
                        y,
                        if edge {
                            Rgb([200, 200, 200])
                        } else {
                            shade(share)
                        },
                    );
                }
            }
            let ink = if share > 0.5 { WHITE } else { BLACK };
            let centre = left + CELL / 2;
            draw_text_centred(
                &mut image,
                centre,
                top + CELL / 2 - line - 2,
                &count.to_string(),
                SCALE,
                ink,
            );
            let share_text = if row_total > 0 {
                format!("{:.0}%", 100.0 * share)
            } else {
                "-".into()
            };
            draw_text_centred(
                &mut image,
                centre,
                top + CELL / 2 + 4,
                &share_text,
                SCALE,
                ink,
            );
        }
    }
    let below = grid_top + n * CELL + MARGIN / 2;
    for (column, name) in matrix.classes.iter().enumerate() {
        draw_text_centred(
            &mut image,
            grid_left + column as u32 * CELL + CELL / 2,
            below,
            name,
            SCALE,
            BLACK,
        );
    }
    draw_text_centred(
        &mut image,
        grid_left + n * CELL / 2,
        below + line + MARGIN / 2,
        "PREDICTED",
        SCALE,
        BLACK,
    );
    draw_text_centred(
        &mut image,
        width / 2,
        below + 2 * line + 2 * MARGIN,
        &footer,
        SCALE,
        BLACK,
    );
    image
}

/// Renders the matrix and writes it as a PNG atomically.
pub fn write_confusion_png(path: &Path, matrix: &ConfusionMatrix, title: &str) -> Result<()> {
    let mut bytes = Cursor::new(Vec::new());
    render_confusion(matrix, title)
        .write_to(&mut bytes, ImageFormat::Png)
        .map_err(|err| ScoreError::Encode {
            path: path.to_path_buf(),
            message: err.to_string(),
        })?;
    write_atomic(path, bytes.get_ref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::Her2Score;

    /// The paper's Fig. 9b layout: 14 x 0, 25 x 1+, 36 x 2+, 20 x 3+, two errors.
    fn fig9b() -> ConfusionMatrix {
        let mut pairs = Vec::new();
        for (score, n) in [
            (Her2Score::Zero, 14),
            (Her2Score::One, 25),
            (Her2Score::Two, 36),
            (Her2Score::Three, 20),
        ] {
            pairs.extend(std::iter::repeat_n((score, score), n));
        }
        pairs[20] = (Her2Score::One, Her2Score::Two);
        pairs[60] = (Her2Score::Two, Her2Score::One);
        ConfusionMatrix::of_scores(pairs)
    }

    #[test]
    fn cells_are_shaded_by_row_share_and_carry_text() {
        let image = render_confusion(&fig9b(), "INTEGRATED");
        let cell_centre_left = |row: u32, column: u32| {
            let label_width = text_width("TRUE", SCALE);
            let grid_left = MARGIN + label_width + MARGIN;
            let grid_top = MARGIN + 2 * text_height(SCALE) + MARGIN;
            (grid_left + column * CELL + 4, grid_top + row * CELL + 4)
        };
        let (x, y) = cell_centre_left(0, 0);
        assert_eq!(
            image.get_pixel(x, y),
            &shade(1.0),
            "0 row is all correct: darkest"
        );
        let (x, y) = cell_centre_left(0, 3);
        assert_eq!(image.get_pixel(x, y), &shade(0.0));
        let (x, y) = cell_centre_left(1, 2);
        assert_eq!(image.get_pixel(x, y), &shade(1.0 / 25.0));
        // the diagonal cells hold white digits on dark blue
        let grid_top = MARGIN + 2 * text_height(SCALE) + MARGIN;
        let grid_left = MARGIN + text_width("TRUE", SCALE) + MARGIN;
        let white = (grid_left..grid_left + CELL)
            .flat_map(|x| (grid_top..grid_top + CELL).map(move |y| (x, y)))
            .filter(|&(x, y)| image.get_pixel(x, y) == &WHITE)
            .count();
        assert!(white > 50, "digits drawn: {white} white pixels");
    }

    #[test]
    fn writes_a_png_that_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confusion.png");
        write_confusion_png(&path, &fig9b(), "Integrated, 95 slides").unwrap();
        let decoded = image::open(&path).unwrap().to_rgb8();
        assert_eq!(decoded, render_confusion(&fig9b(), "Integrated, 95 slides"));
        assert!(decoded.width() >= 4 * CELL && decoded.height() >= 4 * CELL);
    }
}
