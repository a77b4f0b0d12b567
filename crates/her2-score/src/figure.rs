//! A confusion-matrix figure like the paper's Fig. 9 (drawn by `her2-plot`): cells shaded by
//! the share of each true class, with counts and percentages, class names on both axes, a
//! colour bar of the share, and the headline figures under it.

use std::io::Cursor;
use std::path::Path;

use her2_plot::{ConfusionFigure, confusion_matrix};
use image::{ImageFormat, RgbImage};

use crate::error::{Result, ScoreError};
use crate::io::write_atomic;
use crate::metrics::{ConfusionMatrix, KappaWeights};

/// Formats an optional ratio as a percentage with one decimal ("-" when undefined).
fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{:.1}%", 100.0 * v))
}

/// Draws the matrix with `title` above it and accuracy and quadratic kappa below.
pub fn render_confusion(matrix: &ConfusionMatrix, title: &str) -> Result<RgbImage> {
    let footer = format!(
        "Accuracy {}   quadratic kappa {}",
        percent(matrix.accuracy()),
        matrix
            .kappa(KappaWeights::Quadratic)
            .map_or_else(|| "-".to_string(), |k| format!("{k:.3}"))
    );
    let figure = ConfusionFigure {
        title: title.to_string(),
        classes: matrix.classes.clone(),
        counts: matrix.counts.clone(),
        footer,
    };
    Ok(confusion_matrix(&figure)?)
}

/// Writes [`render_confusion`] as a PNG at `path` (atomically).
pub fn write_confusion_png(path: &Path, matrix: &ConfusionMatrix, title: &str) -> Result<()> {
    let mut bytes = Cursor::new(Vec::new());
    render_confusion(matrix, title)?
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
    fn the_matrix_of_the_scores_is_drawn() {
        let image = render_confusion(&fig9b(), "Integrated").unwrap();
        // the darkest shade (a row all correct) and the lightest (an empty cell) both appear
        let has = |rgb: [u8; 3]| image.pixels().any(|p| p.0 == rgb);
        assert!(has([8, 48, 107]) && has([247, 251, 255]));
        assert!(image.width() >= 4 * 96 && image.height() >= 4 * 96);
    }

    #[test]
    fn writes_a_png_that_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("confusion.png");
        write_confusion_png(&path, &fig9b(), "Integrated, 95 slides").unwrap();
        let decoded = image::open(&path).unwrap().to_rgb8();
        assert_eq!(
            decoded,
            render_confusion(&fig9b(), "Integrated, 95 slides").unwrap()
        );
    }
}
