//! Shared by the viewer's integration tests: the demo slide, a small results folder in the
//! formats `her2 score` writes, a viewer served on a real socket, and a plain HTTP/1.1 GET.

#![allow(dead_code, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use her2_view::{Viewer, ViewerOptions};
use std::io::{Read, Write};

/// The bundled synthetic demo slide (2560 x 2560 px).
pub fn demo_slide() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/synth/2plus-weak-s7.svs")
}

/// A square cell outline of side `s` at (`x`, `y`), classified.
fn cell(x: f64, y: f64, s: f64, names: &str, colour: [u8; 3]) -> String {
    format!(
        r#"{{"type":"Feature","geometry":{{"type":"Polygon","coordinates":[[[{x},{y}],[{x2},{y}],[{x2},{y2}],[{x},{y2}],[{x},{y}]]]}},
        "properties":{{"objectType":"cell","classification":{{"names":{names},"color":[{},{},{}]}},
        "measurements":{{"Membrane: completeness":0.75,"Nucleus: Area µm^2":30.5}},
        "metadata":{{"HER2 membrane intensity":"intense"}}}}}}"#,
        colour[0],
        colour[1],
        colour[2],
        x2 = x + s,
        y2 = y + s,
    )
}

/// A results folder as `her2 score` writes it (only what the viewer reads): a report with a
/// score and two tissue pieces, two analysed patches, three cells, and a heatmap.
pub fn results_dir(dir: &Path) -> PathBuf {
    let out = dir.join("results");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(
        out.join("report.json"),
        r#"{"assessment":{"rule":"guideline","score":"2+","category":"two","clinical_group":"equivocal",
        "fired":"2+: % cells with complete weak-moderate or intense staining 24.6% > 10.0%",
        "flags":[{"flag":"control_too_small","cells":35,"minimum":100}]},
        "tissue":{"pieces":[{"id":1,"bbox":[300,500,1800,1900],"role":"patient","area_mm2":0.3},
        {"id":2,"bbox":[2100,1800,2440,2130],"role":"control","area_mm2":0.02}]}}"#,
    )
    .unwrap();
    std::fs::write(
        out.join("patches.csv"),
        "x,y,w,h,tumor_fraction,score\n512,512,512,512,1.0,2+\n1024,512,512,512,1.0,3+\n",
    )
    .unwrap();
    let cells = [
        cell(1000.0, 1000.0, 30.0, r#"["Complete","3+"]"#, [200, 0, 0]),
        cell(
            1100.0,
            1000.0,
            30.0,
            r#"["Incomplete","1+"]"#,
            [255, 235, 127],
        ),
        cell(1000.0, 1100.0, 30.0, r#"["Complete","2+"]"#, [245, 140, 30]),
    ];
    std::fs::write(
        out.join("cells.geojson"),
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            cells.join(",")
        ),
    )
    .unwrap();
    image::RgbImage::from_pixel(64, 64, image::Rgb([0, 0, 255]))
        .save(out.join("heatmap.png"))
        .unwrap();
    out
}

/// The viewer of the demo slide with (or without) the test results, served on a free port of
/// 127.0.0.1 for the rest of the test.
pub async fn serve(results: Option<&Path>) -> (Arc<Viewer>, SocketAddr) {
    let viewer = Arc::new(Viewer::open(&demo_slide(), results, ViewerOptions::default()).unwrap());
    let listener = her2_view::listen("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(her2_view::serve(
        viewer.clone(),
        listener,
        std::future::pending(),
    ));
    (viewer, addr)
}

/// A raw HTTP/1.1 GET of `target` exactly as written (no normalisation of `..`): status and
/// body.
pub async fn get(addr: SocketAddr, target: &str) -> (u16, Vec<u8>) {
    let target = target.to_owned();
    tokio::task::spawn_blocking(move || get_blocking(addr, &target))
        .await
        .unwrap()
}

/// [`get`] on the calling thread.
pub fn get_blocking(addr: SocketAddr, target: &str) -> (u16, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| answer[p + 4..].to_vec())
        .unwrap_or_default();
    (status, body)
}
