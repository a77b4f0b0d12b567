//! Tumour annotations: polygons from a GeoJSON file (QuPath / GeoJSON in level-0 pixels).

use std::path::Path;

use serde_json::Value;

use crate::error::{ClassifierError, Result};
use crate::geometry::Rect;

/// A polygon with holes; rings are closed implicitly, coordinates in level-0 pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Polygon {
    /// The outer boundary.
    pub exterior: Vec<(f64, f64)>,
    /// Holes cut out of it.
    pub holes: Vec<Vec<(f64, f64)>>,
}

impl Polygon {
    /// Whether the point lies inside the exterior and outside every hole (even-odd rule).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        ring_contains(&self.exterior, x, y) && !self.holes.iter().any(|h| ring_contains(h, x, y))
    }
}

fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[(i + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// Every polygon of a GeoJSON document: a FeatureCollection, a Feature or a bare geometry
/// (Polygon, MultiPolygon or GeometryCollection; other geometries are ignored).
pub fn polygons_from_geojson(path: &Path) -> Result<Vec<Polygon>> {
    let text = std::fs::read_to_string(path).map_err(|e| ClassifierError::io(path, e))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| ClassifierError::Annotation {
        path: path.to_path_buf(),
        message: format!("not JSON: {e}"),
    })?;
    let mut polygons = Vec::new();
    collect(&value, &mut polygons).map_err(|message| ClassifierError::Annotation {
        path: path.to_path_buf(),
        message,
    })?;
    Ok(polygons)
}

fn collect(value: &Value, out: &mut Vec<Polygon>) -> std::result::Result<(), String> {
    match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => {
            let features = value
                .get("features")
                .and_then(Value::as_array)
                .ok_or("FeatureCollection without a `features` array")?;
            features.iter().try_for_each(|f| collect(f, out))
        }
        Some("Feature") => match value.get("geometry") {
            Some(Value::Null) | None => Ok(()),
            Some(geometry) => collect(geometry, out),
        },
        Some("GeometryCollection") => value
            .get("geometries")
            .and_then(Value::as_array)
            .ok_or("GeometryCollection without `geometries`")?
            .iter()
            .try_for_each(|g| collect(g, out)),
        Some("Polygon") => {
            out.push(polygon(coordinates(value)?)?);
            Ok(())
        }
        Some("MultiPolygon") => {
            let polys = coordinates(value)?
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?;
            for p in polys {
                out.push(polygon(p)?);
            }
            Ok(())
        }
        Some(_) => Ok(()),
        None => Err("a GeoJSON object without `type`".into()),
    }
}

fn coordinates(value: &Value) -> std::result::Result<&Value, String> {
    value
        .get("coordinates")
        .ok_or_else(|| "geometry without `coordinates`".to_string())
}

fn polygon(value: &Value) -> std::result::Result<Polygon, String> {
    let rings = value
        .as_array()
        .ok_or("Polygon coordinates are not an array")?;
    let mut rings = rings.iter().map(ring);
    let exterior = rings.next().ok_or("Polygon without rings")??;
    let holes = rings.collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Polygon { exterior, holes })
}

fn ring(value: &Value) -> std::result::Result<Vec<(f64, f64)>, String> {
    let points = value.as_array().ok_or("a ring is not an array")?;
    let ring: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            match (
                p.get(0).and_then(Value::as_f64),
                p.get(1).and_then(Value::as_f64),
            ) {
                (Some(x), Some(y)) => Ok((x, y)),
                _ => Err(format!("bad position {p}")),
            }
        })
        .collect::<std::result::Result<_, _>>()?;
    if ring.len() < 3 {
        return Err(format!(
            "a ring needs at least 3 positions, got {}",
            ring.len()
        ));
    }
    Ok(ring)
}

/// Fraction of `rect` covered by the union of `polygons`, estimated on an 8 x 8 grid of
/// sample points (cell centres), which is plenty for a patch-level label.
pub fn coverage(polygons: &[Polygon], rect: Rect) -> f64 {
    const N: usize = 8;
    let mut inside = 0usize;
    let (x0, y0, w, h) = (rect.x as f64, rect.y as f64, rect.w as f64, rect.h as f64);
    for j in 0..N {
        for i in 0..N {
            let x = x0 + (i as f64 + 0.5) * w / N as f64;
            let y = y0 + (j as f64 + 0.5) * h / N as f64;
            inside += usize::from(polygons.iter().any(|p| p.contains(x, y)));
        }
    }
    inside as f64 / (N * N) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_feature_collections_and_tests_points_with_holes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tumour.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[
              {"type":"Feature","properties":{"classification":{"name":"Tumor"}},
               "geometry":{"type":"Polygon","coordinates":[
                 [[0,0],[100,0],[100,100],[0,100],[0,0]],
                 [[40,40],[60,40],[60,60],[40,60],[40,40]]]}},
              {"type":"Feature","geometry":{"type":"Point","coordinates":[5,5]}},
              {"type":"Feature","geometry":null}]}"#,
        )
        .unwrap();
        let polys = polygons_from_geojson(&path).unwrap();
        assert_eq!(polys.len(), 1);
        assert!(polys[0].contains(10.0, 10.0));
        assert!(!polys[0].contains(50.0, 50.0));
        assert!(!polys[0].contains(150.0, 50.0));
        assert_eq!(coverage(&polys, Rect::new(0, 0, 40, 40)), 1.0);
        assert_eq!(coverage(&polys, Rect::new(100, 0, 40, 40)), 0.0);
        assert_eq!(coverage(&polys, Rect::new(80, 0, 40, 40)), 0.5);
    }

    #[test]
    fn malformed_geojson_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.geojson");
        std::fs::write(&path, r#"{"type":"Polygon","coordinates":[[[0,0],[1,1]]]}"#).unwrap();
        let err = polygons_from_geojson(&path).unwrap_err().to_string();
        assert!(
            err.contains("bad.geojson") && err.contains("at least 3"),
            "{err}"
        );
        std::fs::write(&path, "not json").unwrap();
        assert!(polygons_from_geojson(&path).is_err());
    }
}
