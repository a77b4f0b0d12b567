//! The HTTP routes: the viewer page and its scripts, the slide's DZI descriptor and tiles, the
//! overlay layers' tiles, the heatmap, and the cell under a point. Only these fixed routes
//! exist: no path of the request is ever used as a file name, so nothing but the named slide
//! and results can be read. Malformed requests get 400, missing things 404.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use crate::assets;
use crate::deepzoom::encode_jpeg;
use crate::stats::kind_of;
use crate::viewer::{CELLS_MAX_DOWNSAMPLE, Viewer};

/// The router of a viewer.
pub fn router(viewer: Arc<Viewer>) -> Router {
    Router::new()
        .route(
            "/",
            get(|| async { page(assets::INDEX_HTML, "text/html; charset=utf-8") }),
        )
        .route(
            "/assets/openseadragon.min.js",
            get(|| async { page(assets::OPENSEADRAGON_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/assets/viewer.js",
            get(|| async { page(assets::VIEWER_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/assets/viewer.css",
            get(|| async { page(assets::VIEWER_CSS, "text/css; charset=utf-8") }),
        )
        .route("/info.json", get(info))
        .route("/slide.dzi", get(dzi))
        .route("/slide_files/{level}/{tile}", get(slide_tile))
        .route("/layers/heatmap.png", get(heatmap))
        .route("/layers/{layer}/{level}/{tile}", get(layer_tile))
        .route("/cells/at", get(cell_at))
        .fallback(|| async { error(StatusCode::NOT_FOUND, "no such page") })
        .layer(middleware::from_fn_with_state(viewer.clone(), count))
        .with_state(viewer)
}

/// Counts every answer in the viewer's [`Stats`](crate::Stats).
async fn count(State(viewer): State<Arc<Viewer>>, request: Request, next: Next) -> Response {
    let kind = kind_of(request.uri().path());
    let response = next.run(request).await;
    viewer.stats().record(kind, response.status().as_u16());
    response
}

fn page(body: &'static str, content_type: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type)], body).into_response()
}

fn bytes(body: Vec<u8>, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        Body::from(body),
    )
        .into_response()
}

fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

async fn info(State(viewer): State<Arc<Viewer>>) -> Response {
    axum::Json(viewer.info()).into_response()
}

async fn dzi(State(viewer): State<Arc<Viewer>>) -> Response {
    let xml = viewer.tiles().zoom().dzi("jpeg");
    ([(header::CONTENT_TYPE, "application/xml")], xml).into_response()
}

async fn heatmap(State(viewer): State<Arc<Viewer>>) -> Response {
    match viewer.results().and_then(|r| r.heatmap_png.clone()) {
        Some(png) => bytes(png, "image/png"),
        None => error(StatusCode::NOT_FOUND, "no heatmap in the results"),
    }
}

/// Why a tile request is refused: the status and a message.
type Refusal = (StatusCode, &'static str);

/// A tile name `COL_ROW.EXT` with the expected extension; `Err` is the answer to give.
fn parse_tile(level: &str, tile: &str, extension: &str) -> Result<(usize, u64, u64), Refusal> {
    let bad = |what: &'static str| (StatusCode::BAD_REQUEST, what);
    let level = level
        .parse::<usize>()
        .map_err(|_| bad("the level is not a number"))?;
    let (coords, ext) = tile
        .rsplit_once('.')
        .ok_or_else(|| bad("a tile is named COL_ROW.EXT"))?;
    if ext != extension {
        return Err((StatusCode::NOT_FOUND, "no tiles of that format"));
    }
    let (col, row) = coords
        .split_once('_')
        .ok_or_else(|| bad("a tile is named COL_ROW.EXT"))?;
    let col = col
        .parse::<u64>()
        .map_err(|_| bad("the column is not a number"))?;
    let row = row
        .parse::<u64>()
        .map_err(|_| bad("the row is not a number"))?;
    Ok((level, col, row))
}

/// Runs `work` on the blocking pool; a failure (or a panic) becomes a 500.
async fn blocking(
    work: impl FnOnce() -> crate::Result<Vec<u8>> + Send + 'static,
    content_type: &'static str,
) -> Response {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(body)) => bytes(body, content_type),
        Ok(Err(e)) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        Err(_) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the tile could not be made",
        ),
    }
}

async fn slide_tile(
    State(viewer): State<Arc<Viewer>>,
    Path((level, tile)): Path<(String, String)>,
) -> Response {
    let (level, col, row) = match parse_tile(&level, &tile, "jpeg") {
        Ok(t) => t,
        Err((status, why)) => return error(status, why),
    };
    if viewer.tiles().zoom().tile(level, col, row).is_none() {
        return error(StatusCode::NOT_FOUND, "no such tile");
    }
    let quality = viewer.jpeg_quality();
    blocking(
        move || {
            let image = viewer.tiles().render(level, col, row)?;
            encode_jpeg(&image, quality)
        },
        "image/jpeg",
    )
    .await
}

async fn layer_tile(
    State(viewer): State<Arc<Viewer>>,
    Path((layer, level, tile)): Path<(String, String, String)>,
) -> Response {
    let (level, col, row) = match parse_tile(&level, &tile, "png") {
        Ok(t) => t,
        Err((status, why)) => return error(status, why),
    };
    let Some(region) = viewer.tiles().zoom().tile(level, col, row) else {
        return error(StatusCode::NOT_FOUND, "no such tile");
    };
    let cells = match (layer.as_str(), viewer.results()) {
        ("cells", Some(_)) => true,
        ("patches", Some(_)) => false,
        _ => return error(StatusCode::NOT_FOUND, "no such layer"),
    };
    blocking(
        move || {
            let image = match viewer.results() {
                Some(r) if cells && region.downsample <= CELLS_MAX_DOWNSAMPLE => {
                    r.cells.render(&region)
                }
                Some(r) if !cells => r.patches.render(&region),
                _ => image::RgbaImage::new(region.out_w, region.out_h),
            };
            let mut png = std::io::Cursor::new(Vec::new());
            image
                .write_to(&mut png, image::ImageFormat::Png)
                .map_err(|e| crate::ViewError::Encode(e.to_string()))?;
            Ok(png.into_inner())
        },
        "image/png",
    )
    .await
}

/// `?x=&y=`: a level-0 point.
#[derive(Debug, Deserialize)]
struct Point {
    x: f64,
    y: f64,
}

async fn cell_at(
    State(viewer): State<Arc<Viewer>>,
    point: Result<Query<Point>, QueryRejection>,
) -> Response {
    let Ok(Query(Point { x, y })) = point else {
        return error(
            StatusCode::BAD_REQUEST,
            "give the point as ?x=NUMBER&y=NUMBER",
        );
    };
    if !x.is_finite() || !y.is_finite() {
        return error(StatusCode::BAD_REQUEST, "the point must be finite");
    }
    let Some(results) = viewer.results() else {
        return error(StatusCode::NOT_FOUND, "no results loaded");
    };
    match results.cell_at(x, y, 8.0) {
        Some((index, info, shape)) => axum::Json(serde_json::json!({
            "index": index,
            "class": info.class,
            "colour": &shape.stroke[..3],
            "measurements": info.measurements,
            "metadata": info.metadata,
            "outline": shape.outline,
        }))
        .into_response(),
        None => error(StatusCode::NOT_FOUND, "no cell there"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tile_names_are_checked() {
        assert_eq!(parse_tile("3", "1_2.jpeg", "jpeg").ok(), Some((3, 1, 2)));
        for (level, tile, want) in [
            ("x", "1_2.jpeg", StatusCode::BAD_REQUEST),
            ("3", "1-2.jpeg", StatusCode::BAD_REQUEST),
            ("3", "1_-2.jpeg", StatusCode::BAD_REQUEST),
            ("3", "12", StatusCode::BAD_REQUEST),
            ("3", "1_2.png", StatusCode::NOT_FOUND),
        ] {
            let got = parse_tile(level, tile, "jpeg").err().map(|r| r.0);
            assert_eq!(got, Some(want), "{level}/{tile}");
        }
    }
}
