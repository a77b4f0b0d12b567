//! GeoJSON in and out, in level-0 pixel coordinates (QuPath's convention).
//!
//! - [`pieces_geojson`]: a `FeatureCollection` with one `Polygon` annotation per piece
//!   (outer ring and holes), classified `Tissue`, `Control` or `Excluded`, that QuPath imports
//!   as annotations (File > Import objects, or drag and drop).
//! - [`rasterize_roi`]: a user's ROI (a `FeatureCollection`, `Feature` or bare geometry of
//!   `Polygon` / `MultiPolygon`, e.g. exported from QuPath) drawn onto the mask grid: a mask
//!   pixel is inside when its centre is (even-odd rule over the rings of each polygon).

use std::path::Path;

use serde_json::{Value, json};

use crate::bitmap::Bitmap;
use crate::error::{Result, TissueError};
use crate::mask::TissueMask;
use crate::outline::piece_outlines;
use crate::piece::PieceRole;

/// QuPath class name and colour of a role.
fn classification(role: PieceRole) -> (&'static str, [u8; 3]) {
    match role {
        PieceRole::Patient => ("Tissue", [0, 160, 60]),
        PieceRole::Control => ("Control", [200, 0, 200]),
        PieceRole::Excluded => ("Excluded", [128, 128, 128]),
    }
}

/// The pieces of `mask` as a QuPath-compatible GeoJSON `FeatureCollection` (level-0 pixels).
pub fn pieces_geojson(mask: &TissueMask) -> Value {
    let d = mask.downsample();
    let features: Vec<Value> = piece_outlines(mask)
        .iter()
        .zip(mask.pieces())
        .map(|(rings, piece)| {
            let coordinates: Vec<Vec<[f64; 2]>> = rings
                .iter()
                .map(|ring| {
                    ring.iter()
                        .map(|&(x, y)| [f64::from(x) * d, f64::from(y) * d])
                        .collect()
                })
                .collect();
            let (name, color) = classification(piece.role);
            json!({
                "type": "Feature",
                "id": format!("tissue-piece-{}", piece.id),
                "geometry": { "type": "Polygon", "coordinates": coordinates },
                "properties": {
                    "objectType": "annotation",
                    "name": format!("Piece {}", piece.id),
                    "classification": { "name": name, "color": color },
                    "isLocked": false,
                    "piece_id": piece.id,
                    "role": piece.role,
                    "scored": piece.is_scored(),
                    "area_mm2": piece.area_mm2,
                    "mean_dab": piece.mean_dab,
                }
            })
        })
        .collect();
    json!({ "type": "FeatureCollection", "features": features })
}

/// The polygons (each a list of rings of level-0 points) of a GeoJSON value.
fn polygons(value: &Value, out: &mut Vec<Vec<Vec<[f64; 2]>>>) -> std::result::Result<(), String> {
    let kind = value.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = || {
        value
            .get("coordinates")
            .ok_or_else(|| format!("a {kind} without coordinates"))
    };
    let ring = |v: &Value| -> std::result::Result<Vec<[f64; 2]>, String> {
        v.as_array()
            .ok_or("a ring is not an array")?
            .iter()
            .map(|p| match p.as_array().map(Vec::as_slice) {
                Some([x, y, ..]) => match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok([x, y]),
                    _ => Err(format!("a point with non-numeric coordinates: {p}")),
                },
                _ => Err(format!("a point that is not [x, y]: {p}")),
            })
            .collect()
    };
    let polygon = |v: &Value| -> std::result::Result<Vec<Vec<[f64; 2]>>, String> {
        v.as_array()
            .ok_or("polygon coordinates are not an array")?
            .iter()
            .map(ring)
            .collect()
    };
    match kind {
        "FeatureCollection" => {
            for f in value
                .get("features")
                .and_then(Value::as_array)
                .ok_or("a FeatureCollection without features")?
            {
                polygons(f, out)?;
            }
        }
        "Feature" => {
            if let Some(g) = value.get("geometry").filter(|g| !g.is_null()) {
                polygons(g, out)?;
            }
        }
        "GeometryCollection" => {
            for g in value
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or("a GeometryCollection without geometries")?
            {
                polygons(g, out)?;
            }
        }
        "Polygon" => out.push(polygon(coords()?)?),
        "MultiPolygon" => {
            for p in coords()?
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?
            {
                out.push(polygon(p)?);
            }
        }
        // Points and lines enclose no area: ignored.
        "Point" | "MultiPoint" | "LineString" | "MultiLineString" => {}
        other => return Err(format!("unknown GeoJSON type {other:?}")),
    }
    Ok(())
}

/// Rasterises the polygons of a GeoJSON ROI (level-0 coordinates) onto a `width` x `height`
/// mask of `downsample`. `source` names the file in errors.
pub fn rasterize_roi(
    geojson: &str,
    width: u32,
    height: u32,
    downsample: f64,
    source: &Path,
) -> Result<Bitmap> {
    let bad = |reason: String| TissueError::BadRoi {
        path: source.to_path_buf(),
        reason,
    };
    let value: Value = serde_json::from_str(geojson).map_err(|e| bad(format!("not JSON: {e}")))?;
    let mut polys = Vec::new();
    polygons(&value, &mut polys).map_err(bad)?;
    if polys.is_empty() {
        return Err(bad("no Polygon or MultiPolygon in the GeoJSON".to_owned()));
    }
    let mut bitmap = Bitmap::new(width, height);
    let mut xs: Vec<f64> = Vec::new();
    for poly in &polys {
        for y in 0..height {
            let cy = (f64::from(y) + 0.5) * downsample;
            xs.clear();
            for ring in poly {
                for (i, a) in ring.iter().enumerate() {
                    let b = ring[(i + 1) % ring.len()];
                    if (a[1] <= cy) != (b[1] <= cy) {
                        xs.push(a[0] + (cy - a[1]) / (b[1] - a[1]) * (b[0] - a[0]));
                    }
                }
            }
            xs.sort_by(f64::total_cmp);
            for pair in xs.chunks_exact(2) {
                // Pixels whose centre lies in [pair[0], pair[1]).
                let x0 = (pair[0] / downsample - 0.5).ceil().max(0.0);
                let x1 = (pair[1] / downsample - 0.5)
                    .ceil()
                    .clamp(0.0, f64::from(width));
                if x1 > x0 {
                    bitmap.set_span(y, x0 as u32, x1 as u32, true);
                }
            }
        }
    }
    Ok(bitmap)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::MaskSource;

    #[test]
    fn roi_with_a_hole_rasterises_by_pixel_centres() {
        let roi = r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[
            [[0,0],[100,0],[100,100],[0,100],[0,0]],
            [[40,40],[60,40],[60,60],[40,60],[40,40]]]},"properties":{}}"#;
        let b = rasterize_roi(roi, 20, 20, 10.0, Path::new("roi.geojson")).unwrap();
        assert_eq!(b.count_ones(), 100 - 4);
        assert!(b.get(0, 0) && b.get(9, 9) && !b.get(10, 0) && !b.get(4, 4));
    }

    #[test]
    fn bad_roi_names_the_file() {
        let err = rasterize_roi("{", 5, 5, 1.0, Path::new("my.geojson")).unwrap_err();
        assert!(err.to_string().contains("my.geojson"));
        let err = rasterize_roi(
            r#"{"type":"Point","coordinates":[1,2]}"#,
            5,
            5,
            1.0,
            Path::new("p.json"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("no Polygon"));
    }

    #[test]
    fn export_round_trips_through_the_rasteriser() {
        let b = Bitmap::from_fn(30, 20, |x, y| {
            ((3..12).contains(&x) && (2..15).contains(&y) && (x, y) != (6, 6))
                || ((20..28).contains(&x) && (5..9).contains(&y))
        });
        let mask = TissueMask::from_bitmap(
            b.clone(),
            4.0,
            0.5,
            None,
            MaskSource::External("test".into()),
        )
        .unwrap();
        let geo = pieces_geojson(&mask);
        assert_eq!(geo["features"].as_array().unwrap().len(), 2);
        assert_eq!(
            geo["features"][0]["properties"]["classification"]["name"],
            "Tissue"
        );
        let back = rasterize_roi(&geo.to_string(), 30, 20, 4.0, Path::new("x")).unwrap();
        assert_eq!(back, b);
    }
}
