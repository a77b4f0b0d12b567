//! ROC and precision-recall curves with axes, ticks, grid, a legend and (ROC) the chance line.

use image::RgbImage;
use plotters::prelude::*;

use crate::canvas::render;
use crate::error::{PlotError, Result, drawing};
use crate::font::FAMILY;

/// Which curve, which fixes the axes' titles and the chance line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveKind {
    /// x = false positive rate, y = true positive rate; the diagonal is chance.
    Roc,
    /// x = recall, y = precision.
    PrecisionRecall,
}

/// One curve: its points (x, y in [0, 1]) and its legend entry (e.g. "validation, AUC 0.93").
#[derive(Debug, Clone, PartialEq)]
pub struct Curve {
    /// Legend text.
    pub label: String,
    /// Points in drawing order; points that are not finite are skipped.
    pub points: Vec<(f64, f64)>,
}

/// Colours of successive curves (Tableau 10's first four).
const PALETTE: [RGBColor; 4] = [
    RGBColor(214, 39, 40),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(255, 127, 14),
];
/// What a figure is called in errors.
const WHAT: &str = "a curve plot";

/// Side of the square figure in pixels.
pub const CURVE_PLOT_SIDE: u32 = 520;

/// Draws `curves` of `kind` under `title`.
pub fn curve_plot(kind: CurveKind, curves: &[Curve], title: &str) -> Result<RgbImage> {
    if curves.is_empty() {
        return Err(PlotError::InvalidData {
            what: WHAT,
            reason: "no curve".into(),
        });
    }
    let (x_title, y_title) = match kind {
        CurveKind::Roc => ("False positive rate", "True positive rate"),
        CurveKind::PrecisionRecall => ("Recall", "Precision"),
    };
    render(CURVE_PLOT_SIDE, CURVE_PLOT_SIDE, WHAT, |area| {
        let mut chart = ChartBuilder::on(area)
            .caption(title, (FAMILY, 20))
            .margin(14)
            .x_label_area_size(48)
            .y_label_area_size(58)
            .build_cartesian_2d(0f64..1f64, 0f64..1f64)
            .map_err(drawing(WHAT))?;
        chart
            .configure_mesh()
            .x_desc(x_title)
            .y_desc(y_title)
            .x_labels(6)
            .y_labels(6)
            .max_light_lines(1)
            .label_style((FAMILY, 14))
            .axis_desc_style((FAMILY, 16))
            .x_label_formatter(&|v| format!("{v:.1}"))
            .y_label_formatter(&|v| format!("{v:.1}"))
            .draw()
            .map_err(drawing(WHAT))?;
        if kind == CurveKind::Roc {
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(0.0, 0.0), (1.0, 1.0)],
                    6,
                    5,
                    RGBColor(150, 150, 150).into(),
                ))
                .map_err(drawing(WHAT))?
                .label("chance")
                .legend(|(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], RGBColor(150, 150, 150))
                });
        }
        for (k, curve) in curves.iter().enumerate() {
            let colour = PALETTE[k % PALETTE.len()];
            let points = curve
                .points
                .iter()
                .copied()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|(x, y)| (x.clamp(0.0, 1.0), y.clamp(0.0, 1.0)));
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(2)))
                .map_err(drawing(WHAT))?
                .label(curve.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .position(match kind {
                CurveKind::Roc => SeriesLabelPosition::LowerRight,
                CurveKind::PrecisionRecall => SeriesLabelPosition::LowerLeft,
            })
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .label_font((FAMILY, 14))
            .draw()
            .map_err(drawing(WHAT))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_roc_curve_is_drawn_in_its_colour_inside_the_axes() {
        let curve = Curve {
            label: "validation, AUC 0.75".into(),
            points: vec![(0.0, 0.0), (0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (1.0, 1.0)],
        };
        let image = curve_plot(CurveKind::Roc, &[curve], "ROC").unwrap();
        assert_eq!(image.dimensions(), (CURVE_PLOT_SIDE, CURVE_PLOT_SIDE));
        let red = image
            .pixels()
            .filter(|p| p.0[0] > 180 && p.0[1] < 80 && p.0[2] < 80)
            .count();
        assert!(red > 300, "{red} red pixels");
        // axis titles and tick labels: plenty of dark ink
        let ink = image
            .pixels()
            .filter(|p| p.0.iter().all(|&c| c < 90))
            .count();
        assert!(ink > 1500, "{ink}");
    }

    #[test]
    fn no_curve_is_an_error_and_bad_points_are_skipped() {
        assert!(curve_plot(CurveKind::PrecisionRecall, &[], "PR").is_err());
        let curve = Curve {
            label: "x".into(),
            points: vec![(0.0, 1.0), (f64::NAN, 0.5), (1.0, 0.5)],
        };
        assert!(curve_plot(CurveKind::PrecisionRecall, &[curve], "PR").is_ok());
    }
}
