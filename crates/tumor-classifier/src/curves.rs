//! ROC and precision-recall curves to disk: CSV for numbers, PNG figures (axes, ticks, the
//! area under the curve in the legend, the chance line dashed on the ROC plot; drawn by
//! `her2-plot`).

use std::path::Path;

use her2_plot::{Curve, CurveKind, curve_plot};

use crate::atomic::{save_image_atomic, write_atomic};
use crate::error::{ClassifierError, Result};
use crate::metrics::{PrPoint, RocPoint};

/// Writes `threshold,fpr,tpr` rows.
pub fn write_roc_csv(points: &[RocPoint], path: &Path) -> Result<()> {
    write_atomic(path, |w| {
        writeln!(w, "threshold,fpr,tpr")?;
        for p in points {
            writeln!(w, "{},{:.6},{:.6}", p.threshold, p.fpr, p.tpr)?;
        }
        Ok(())
    })
}

/// Writes `threshold,recall,precision` rows.
pub fn write_pr_csv(points: &[PrPoint], path: &Path) -> Result<()> {
    write_atomic(path, |w| {
        writeln!(w, "threshold,recall,precision")?;
        for p in points {
            writeln!(w, "{},{:.6},{:.6}", p.threshold, p.recall, p.precision)?;
        }
        Ok(())
    })
}

/// Plots the ROC curve (x = FPR, y = TPR) as a PNG, `roc_auc` in the legend.
pub fn plot_roc_png(points: &[RocPoint], roc_auc: f64, path: &Path) -> Result<()> {
    let curve = Curve {
        label: format!("validation, AUC {roc_auc:.3}"),
        points: points.iter().map(|p| (p.fpr, p.tpr)).collect(),
    };
    save_plot(CurveKind::Roc, curve, "ROC, best epoch", path)
}

/// Plots the precision-recall curve (x = recall, y = precision) as a PNG, the average
/// precision in the legend.
pub fn plot_pr_png(points: &[PrPoint], average_precision: f64, path: &Path) -> Result<()> {
    let curve = Curve {
        label: format!("validation, AP {average_precision:.3}"),
        points: points.iter().map(|p| (p.recall, p.precision)).collect(),
    };
    save_plot(
        CurveKind::PrecisionRecall,
        curve,
        "Precision-recall, best epoch",
        path,
    )
}

/// Draws one curve and writes it atomically.
fn save_plot(kind: CurveKind, curve: Curve, title: &str, path: &Path) -> Result<()> {
    let image = curve_plot(kind, &[curve], title).map_err(|source| ClassifierError::Figure {
        path: path.to_path_buf(),
        source,
    })?;
    save_image_atomic(&image::DynamicImage::ImageRgb8(image), path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::{pr_curve, roc_curve};

    #[test]
    fn curves_are_written_as_csv_and_png() {
        let scores = [0.9, 0.7, 0.4, 0.2];
        let labels = [true, false, true, false];
        let dir = tempfile::tempdir().unwrap();
        let roc = roc_curve(&scores, &labels).unwrap();
        write_roc_csv(&roc, &dir.path().join("roc.csv")).unwrap();
        plot_roc_png(&roc, 0.75, &dir.path().join("roc.png")).unwrap();
        let pr = pr_curve(&scores, &labels).unwrap();
        write_pr_csv(&pr, &dir.path().join("pr.csv")).unwrap();
        plot_pr_png(&pr, 0.83, &dir.path().join("pr.png")).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("roc.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1 + roc.len());
        for name in ["roc.png", "pr.png"] {
            let png = image::open(dir.path().join(name)).unwrap().into_rgb8();
            // the curve in its colour (the first of her2-plot's palette)
            let red = png
                .pixels()
                .filter(|p| p.0[0] > 180 && p.0[1] < 80 && p.0[2] < 80)
                .count();
            assert!(red > 200, "{name}: {red} red pixels");
        }
    }
}
