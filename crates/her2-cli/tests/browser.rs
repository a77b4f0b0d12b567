//! The evidence in a real browser (headless Chromium): `report.html` opened from disk, and
//! `her2 view` with the results as layers. Skipped, with a message, when Chromium is absent.
//! The report's screenshot is left in the test target's temporary folder (`report.png`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{assert_success, chromium};

/// Scores the bundled demo slide with the demo model into `dir/out`.
fn score_demo(dir: &Path) -> (PathBuf, PathBuf) {
    let out = dir.join("out");
    let (run, slide) = common::score_demo(&out);
    assert_success(&run);
    (slide, out)
}

fn screenshot_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join(name)
}

#[test]
fn report_html_opens_from_disk_with_score_charts_and_legends() {
    let Some(chromium) = chromium::find("report_html_opens_from_disk") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, out) = score_demo(dir.path());
    let page = out.join("report.html");
    let html = std::fs::read_to_string(&page).unwrap();
    // Self-contained: nothing to fetch.
    for external in [
        "src=\"http",
        "href=\"http",
        "<link",
        "<script src",
        "url(http",
    ] {
        assert!(
            !html.contains(external),
            "report.html refers outside: {external}"
        );
    }
    let url = format!("file://{}", page.display());
    let dom = chromium::run(
        &chromium,
        &dir.path().join("profile"),
        &url,
        &["--dump-dom"],
        0,
    );
    for expected in [
        "<div class=\"score\" id=\"score\">HER2 2+</div>",
        "ASCO/CAP 2023: 2+",
        "id=\"trace\"",
        "<tr class=\"fired\">",
        "% cells with complete weak-moderate or intense staining",
        "circumferential membrane cell ratio",
        "control tissue too small to judge",
        "3+ control",
        "aria-label=\"colour bar: tumour probability\"",
        "patch 3+",
        "id=\"timings\"",
        "id=\"sha256\"",
    ] {
        assert!(
            dom.contains(expected),
            "the rendered report lacks {expected}"
        );
    }
    let png = screenshot_path("report.png");
    let _ = std::fs::remove_file(&png);
    chromium::run(
        &chromium,
        &dir.path().join("profile"),
        &url,
        &[
            &format!("--screenshot={}", png.display()),
            "--window-size=1100,1400",
        ],
        0,
    );
    let shot = image::open(&png).expect("chromium wrote the screenshot");
    assert_eq!((shot.width(), shot.height()), (1100, 1400));
}

/// The first cell of `cells.geojson`: the mean of its outline, a point inside it.
fn a_cell_centre(out: &Path) -> (f64, f64) {
    let cells: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("cells.geojson")).unwrap()).unwrap();
    let ring = cells["features"][0]["geometry"]["coordinates"][0]
        .as_array()
        .unwrap();
    let n = ring.len() as f64;
    let sum = ring.iter().fold((0.0, 0.0), |(x, y), p| {
        (x + p[0].as_f64().unwrap(), y + p[1].as_f64().unwrap())
    });
    (sum.0 / n, sum.1 / n)
}

#[test]
fn the_viewer_shows_the_slide_the_cells_and_a_clicked_cell() {
    let Some(chromium) = chromium::find("the_viewer_shows_the_slide") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (slide, out) = score_demo(dir.path());
    let viewer = Arc::new(
        her2_view::Viewer::open(&slide, Some(&out), her2_view::ViewerOptions::default()).unwrap(),
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = runtime
        .block_on(her2_view::listen("127.0.0.1:0".parse().unwrap()))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    runtime.spawn(her2_view::serve(
        viewer.clone(),
        listener,
        std::future::pending(),
    ));

    // The page opened on a cell (#cell=x,y does what a click on it does).
    let (x, y) = a_cell_centre(&out);
    let url = format!("http://{addr}/#cell={x:.1},{y:.1}");
    let profile = dir.path().join("profile");
    let dom = chromium::run(
        &chromium,
        &profile,
        &url,
        &["--dump-dom", "--window-size=1000,650"],
        800,
    );
    for expected in [
        "HER2 2+",
        "ASCO/CAP 2023",
        "id=\"layer-cells\"",
        "id=\"layer-patches\"",
        "id=\"layer-heatmap\"",
        "id=\"layer-tissue\"",
        "id=\"cell-legend\"",
        "id=\"heatmap-bar\"",
        "Complete: 2+",
        "Membrane: completeness",
        "piece 2 (3+ control)",
    ] {
        assert!(dom.contains(expected), "the viewer page lacks {expected}");
    }
    let stats = viewer.stats();
    assert!(stats.count("slide_tile", 200) > 0, "{:?}", stats.all());
    assert!(stats.count("cells_tile", 200) > 0, "{:?}", stats.all());
    assert!(stats.count("patches_tile", 200) > 0, "{:?}", stats.all());
    assert!(stats.count("cell_at", 200) >= 1, "{:?}", stats.all());
    assert!(
        stats.count("/layers/heatmap.png", 200) >= 1,
        "{:?}",
        stats.all()
    );
    for (kind, status, n) in stats.all() {
        assert!(
            status == 200 || kind == "other",
            "{n} answers {status} to {kind}"
        );
    }
    // No screenshot here: headless Chromium's --screenshot under a virtual time budget does
    // not always finish on OpenSeadragon's animation loop; docs/viewer.png is taken by hand
    // (docs/viewer.md).
}
