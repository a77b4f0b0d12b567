//! Every figure of the crate drawn from public inputs and saved as PNG, as the workspace's
//! commands do; `HER2_PLOT_OUT=DIR` keeps them (the before/after images of docs/figures).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use her2_plot::{
    ColourBar, ConfusionFigure, Curve, CurveKind, confusion_matrix, curve_plot, with_colour_bar,
};
use image::{Rgb, RgbImage};

fn out_dir() -> (Option<tempfile::TempDir>, std::path::PathBuf) {
    match std::env::var_os("HER2_PLOT_OUT") {
        Some(dir) => {
            std::fs::create_dir_all(&dir).unwrap();
            (None, dir.into())
        }
        None => {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().to_path_buf();
            (Some(dir), path)
        }
    }
}

#[test]
fn figures_save_as_png_and_read_back() {
    let (_keep, dir) = out_dir();
    let matrix = ConfusionFigure {
        title: "Paper rule, Table 4 defaults".into(),
        classes: ["0", "1+", "2+", "3+"].map(String::from).to_vec(),
        counts: vec![
            vec![134, 6, 0, 0],
            vec![0, 250, 0, 0],
            vec![0, 0, 360, 0],
            vec![0, 0, 0, 200],
        ],
        footer: "Accuracy 99.4%   quadratic kappa 0.997".into(),
    };
    let roc = Curve {
        label: "validation, AUC 0.875".into(),
        points: vec![(0.0, 0.0), (0.0, 0.5), (0.25, 0.75), (0.5, 1.0), (1.0, 1.0)],
    };
    let pr = Curve {
        label: "validation, AP 0.83".into(),
        points: vec![(0.0, 1.0), (0.5, 1.0), (0.75, 0.75), (1.0, 0.5)],
    };
    let heat = RgbImage::from_fn(320, 200, |x, _| Rgb([(x * 255 / 320) as u8, 40, 90]));
    let colour = |v: f64| Rgb([(255.0 * v) as u8, 40, 90]);
    let bar = ColourBar {
        colour: &colour,
        title: "Tumour probability".into(),
        ticks: ["0", "0.25", "0.5", "0.75", "1"].map(String::from),
    };
    let figures = [
        ("confusion.png", confusion_matrix(&matrix).unwrap()),
        (
            "roc.png",
            curve_plot(CurveKind::Roc, &[roc], "ROC").unwrap(),
        ),
        (
            "pr.png",
            curve_plot(CurveKind::PrecisionRecall, &[pr], "Precision-recall").unwrap(),
        ),
        ("heatmap.png", with_colour_bar(&heat, &bar).unwrap()),
    ];
    for (name, image) in figures {
        let path = dir.join(name);
        image.save(&path).unwrap();
        let back = image::open(&path).unwrap().to_rgb8();
        assert_eq!(back, image, "{name}");
        // not blank: at least a few percent of the pixels are not white
        let drawn = back.pixels().filter(|p| p.0 != [255, 255, 255]).count();
        assert!(drawn * 50 > back.len() / 3, "{name}: {drawn} drawn pixels");
    }
}
