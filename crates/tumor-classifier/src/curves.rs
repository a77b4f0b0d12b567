//! ROC and precision-recall curves to disk: CSV for numbers, PNG for a quick look (unit
//! square, grey grid at 0.25 steps, the chance line dashed on the ROC plot).

use std::path::Path;

use image::{Rgb, RgbImage};

use crate::atomic::{save_image_atomic, write_atomic};
use crate::error::Result;
use crate::metrics::{PrPoint, RocPoint};

const SIDE: u32 = 400;
const MARGIN: u32 = 20;

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

/// Plots the ROC curve (x = FPR, y = TPR) as a PNG.
pub fn plot_roc_png(points: &[RocPoint], path: &Path) -> Result<()> {
    let mut img = canvas();
    let diagonal: Vec<(f64, f64)> = (0..=20)
        .map(|i| (f64::from(i) / 20.0, f64::from(i) / 20.0))
        .collect();
    for pair in diagonal.chunks(2) {
        polyline(&mut img, pair, Rgb([150, 150, 150]));
    }
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.fpr, p.tpr)).collect();
    polyline(&mut img, &xy, Rgb([200, 30, 30]));
    save_image_atomic(&image::DynamicImage::ImageRgb8(img), path)
}

/// Plots the precision-recall curve (x = recall, y = precision) as a PNG.
pub fn plot_pr_png(points: &[PrPoint], path: &Path) -> Result<()> {
    let mut img = canvas();
    let xy: Vec<(f64, f64)> = points.iter().map(|p| (p.recall, p.precision)).collect();
    polyline(&mut img, &xy, Rgb([30, 60, 200]));
    save_image_atomic(&image::DynamicImage::ImageRgb8(img), path)
}

fn canvas() -> RgbImage {
    let mut img = RgbImage::from_pixel(SIDE + 2 * MARGIN, SIDE + 2 * MARGIN, Rgb([255, 255, 255]));
    for i in 0..=4 {
        let v = f64::from(i) / 4.0;
        let grey = if i == 0 || i == 4 {
            Rgb([0, 0, 0])
        } else {
            Rgb([220, 220, 220])
        };
        polyline(&mut img, &[(v, 0.0), (v, 1.0)], grey);
        polyline(&mut img, &[(0.0, v), (1.0, v)], grey);
    }
    img
}

fn to_pixel(x: f64, y: f64) -> (i64, i64) {
    let side = f64::from(SIDE);
    let m = i64::from(MARGIN);
    (
        m + (x.clamp(0.0, 1.0) * side).round() as i64,
        m + ((1.0 - y.clamp(0.0, 1.0)) * side).round() as i64,
    )
}

/// Draws straight segments between consecutive points (NaN points are skipped).
fn polyline(img: &mut RgbImage, points: &[(f64, f64)], colour: Rgb<u8>) {
    let finite: Vec<(i64, i64)> = points
        .iter()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .map(|&(x, y)| to_pixel(x, y))
        .collect();
    for pair in finite.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let steps = (x1 - x0).abs().max((y1 - y0).abs()).max(1);
        for s in 0..=steps {
            let x = x0 + (x1 - x0) * s / steps;
            let y = y0 + (y1 - y0) * s / steps;
            if x >= 0 && y >= 0 && x < i64::from(img.width()) && y < i64::from(img.height()) {
                img.put_pixel(x as u32, y as u32, colour);
            }
        }
    }
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
        plot_roc_png(&roc, &dir.path().join("roc.png")).unwrap();
        let pr = pr_curve(&scores, &labels).unwrap();
        write_pr_csv(&pr, &dir.path().join("pr.csv")).unwrap();
        plot_pr_png(&pr, &dir.path().join("pr.png")).unwrap();
        let csv = std::fs::read_to_string(dir.path().join("roc.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1 + roc.len());
        let png = image::open(dir.path().join("roc.png")).unwrap().into_rgb8();
        // The curve's first step goes up the left edge from (0,0) to (0,0.5): red there.
        let (x, y) = to_pixel(0.0, 0.25);
        assert_eq!(png.get_pixel(x as u32, y as u32), &Rgb([200, 30, 30]));
    }
}
