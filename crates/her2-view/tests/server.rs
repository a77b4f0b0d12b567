//! The viewer served on a real socket: descriptor, tiles, layers, the cell under a point, and
//! bad requests.

#![allow(clippy::unwrap_used)]

mod common;

use common::{get, results_dir, serve};

/// The demo slide is 2560 px square: 13 Deep Zoom levels, the last (12) at full resolution
/// with 10 x 10 tiles of 256 px.
const FULL: usize = 12;

#[tokio::test]
async fn serves_the_descriptor_and_jpeg_tiles_of_the_slide() {
    let (viewer, addr) = serve(None).await;
    let (status, body) = get(addr, "/slide.dzi").await;
    assert_eq!(status, 200);
    let dzi = String::from_utf8(body).unwrap();
    assert!(dzi.contains("Width=\"2560\" Height=\"2560\""), "{dzi}");
    for target in [
        format!("/slide_files/{FULL}/0_0.jpeg"),
        format!("/slide_files/{FULL}/9_9.jpeg"),
        "/slide_files/0/0_0.jpeg".to_owned(),
        "/slide_files/8/0_0.jpeg".to_owned(),
    ] {
        let (status, body) = get(addr, &target).await;
        assert_eq!(status, 200, "{target}");
        let tile = image::load_from_memory(&body).unwrap();
        assert!(tile.width() >= 1 && tile.width() <= 256, "{target}");
    }
    // Level 8 is 160 px: one tile of 160 x 160.
    let (_, body) = get(addr, "/slide_files/8/0_0.jpeg").await;
    let tile = image::load_from_memory(&body).unwrap();
    assert_eq!((tile.width(), tile.height()), (160, 160));
    assert_eq!(viewer.stats().count("slide_tile", 200), 5);
    // The page and its scripts are embedded.
    let (status, page) = get(addr, "/").await;
    assert_eq!(status, 200);
    assert!(
        String::from_utf8(page)
            .unwrap()
            .contains("assets/openseadragon.min.js")
    );
    let (status, osd) = get(addr, "/assets/openseadragon.min.js").await;
    assert_eq!(status, 200);
    assert!(osd.len() > 300_000);
}

#[tokio::test]
async fn tiles_out_of_range_and_malformed_names_are_client_errors() {
    let (viewer, addr) = serve(None).await;
    for (target, want) in [
        (format!("/slide_files/{FULL}/10_0.jpeg"), 404),
        (format!("/slide_files/{FULL}/0_10.jpeg"), 404),
        (format!("/slide_files/{}/0_0.jpeg", FULL + 1), 404),
        ("/slide_files/99999999999999999999/0_0.jpeg".to_owned(), 400),
        (
            "/slide_files/3/99999999999999999999999_0.jpeg".to_owned(),
            400,
        ),
        ("/slide_files/x/0_0.jpeg".to_owned(), 400),
        ("/slide_files/3/a_b.jpeg".to_owned(), 400),
        ("/slide_files/3/-1_0.jpeg".to_owned(), 400),
        ("/slide_files/3/0_0".to_owned(), 400),
        ("/slide_files/3/0_0.png".to_owned(), 404),
        ("/slide_files/3".to_owned(), 404),
        ("/cells/at?x=1&y=1".to_owned(), 404), // no results loaded
        ("/layers/cells/3/0_0.png".to_owned(), 404),
        ("/layers/heatmap.png".to_owned(), 404),
    ] {
        let (status, _) = get(addr, &target).await;
        assert_eq!(status, want, "{target}");
    }
    assert_eq!(viewer.stats().count("slide_tile", 200), 0);
}

#[tokio::test]
async fn nothing_outside_the_slide_and_results_can_be_read() {
    let dir = tempfile::tempdir().unwrap();
    let results = results_dir(dir.path());
    std::fs::write(results.join("secret.txt"), "SECRET").unwrap();
    let (_viewer, addr) = serve(Some(&results)).await;
    for target in [
        "/../Cargo.toml",
        "/../../../../etc/passwd",
        "/assets/../../Cargo.toml",
        "/assets/..%2F..%2FCargo.toml",
        "/assets/secret.txt",
        "/results/secret.txt",
        "/secret.txt",
        "/layers/..%2Fsecret.txt/1/0_0.png",
        "/layers/secret.txt",
        "/slide_files/..%2F..%2Fetc/passwd",
        "/slide_files/12/..%2F..%2Fsecret.txt",
        "/%2e%2e/%2e%2e/etc/passwd",
        "//etc/passwd",
    ] {
        let (status, body) = get(addr, target).await;
        assert!((400..500).contains(&status), "{target}: {status}");
        let body = String::from_utf8_lossy(&body);
        assert!(!body.contains("SECRET") && !body.contains("[package]") && !body.contains("root:"));
    }
    // A request line that is not HTTP at all gets a 4xx (or the connection closed), never a crash.
    let (status, _) = get(addr, "not a path").await;
    assert!(status == 0 || (400..500).contains(&status), "{status}");
    let (status, _) = get(addr, "/info.json").await;
    assert_eq!(status, 200, "still serving");
}

#[tokio::test]
async fn results_become_layers_and_cells_answer_clicks() {
    let dir = tempfile::tempdir().unwrap();
    let results = results_dir(dir.path());
    let (viewer, addr) = serve(Some(&results)).await;
    let (status, info) = get(addr, "/info.json").await;
    assert_eq!(status, 200);
    let info: serde_json::Value = serde_json::from_slice(&info).unwrap();
    assert_eq!(info["summary"]["score"], "2+");
    assert_eq!(info["cells"], 3);
    assert_eq!(info["patches"], 2);
    assert_eq!(info["pieces"][1]["role"], "control");
    assert_eq!(info["classes"][0]["name"], "Complete: 2+");

    // The cell at (1000, 1000), 30 px square, lies in full-resolution tile (3, 3), at tile
    // pixels 232..262: its left edge is drawn in its class colour.
    let (status, png) = get(addr, &format!("/layers/cells/{FULL}/3_3.png")).await;
    assert_eq!(status, 200);
    let tile = image::load_from_memory(&png).unwrap().to_rgba8();
    assert_eq!(tile.get_pixel(232, 240).0, [200, 0, 0, 255]);
    assert_eq!(
        tile.get_pixel(100, 100).0[3],
        0,
        "transparent away from cells"
    );
    // Too far out to draw cells: an empty (transparent) tile, still a 200.
    let (status, png) = get(addr, "/layers/cells/4/0_0.png").await;
    assert_eq!(status, 200);
    let tile = image::load_from_memory(&png).unwrap().to_rgba8();
    assert!(tile.pixels().all(|p| p.0[3] == 0));
    // Patches are filled in their score's colour (2+ orange).
    let (status, png) = get(addr, &format!("/layers/patches/{FULL}/2_2.png")).await;
    assert_eq!(status, 200);
    let tile = image::load_from_memory(&png).unwrap().to_rgba8();
    assert_eq!(tile.get_pixel(100, 100).0, [245, 140, 30, 110]);
    let (status, _) = get(addr, "/layers/nope/3/0_0.png").await;
    assert_eq!(status, 404);
    let (status, heat) = get(addr, "/layers/heatmap.png").await;
    assert_eq!(status, 200);
    assert!(heat.starts_with(b"\x89PNG"));

    let (status, cell) = get(addr, "/cells/at?x=1110&y=1010").await;
    assert_eq!(status, 200);
    let cell: serde_json::Value = serde_json::from_slice(&cell).unwrap();
    assert_eq!(cell["class"], "Incomplete: 1+");
    assert_eq!(cell["measurements"][0][0], "Membrane: completeness");
    let (status, _) = get(addr, "/cells/at?x=5&y=5").await;
    assert_eq!(status, 404);
    for bad in [
        "/cells/at",
        "/cells/at?x=abc&y=1",
        "/cells/at?x=NaN&y=1",
        "/cells/at?x=1",
    ] {
        let (status, _) = get(addr, bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    assert_eq!(viewer.stats().count("cells_tile", 200), 2);
    assert_eq!(viewer.stats().count("cell_at", 400), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_tile_requests_are_all_served() {
    let (viewer, addr) = serve(None).await;
    let mut requests = tokio::task::JoinSet::new();
    for i in 0..200u64 {
        // Every full-resolution tile twice, and coarser levels in between.
        let target = if i % 4 == 3 {
            format!("/slide_files/{}/{}_{}.jpeg", 10, i % 3, (i / 3) % 3)
        } else {
            format!("/slide_files/{FULL}/{}_{}.jpeg", i % 10, (i / 10) % 10)
        };
        requests.spawn(async move {
            let started = std::time::Instant::now();
            let (status, body) = get(addr, &target).await;
            (status, body.len(), started.elapsed())
        });
    }
    let mut latencies = Vec::new();
    while let Some(done) = requests.join_next().await {
        let (status, bytes, took) = done.unwrap();
        assert_eq!(status, 200);
        assert!(bytes > 100);
        latencies.push(took);
    }
    latencies.sort();
    println!(
        "200 concurrent tiles: median {:?}, max {:?}",
        latencies[100], latencies[199]
    );
    assert_eq!(viewer.stats().count("slide_tile", 200), 200);
}
