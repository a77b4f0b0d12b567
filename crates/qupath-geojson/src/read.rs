//! Reading the polygons of a GeoJSON file in any form QuPath writes.
//!
//! - The document: a `FeatureCollection` (File > Export objects, `FEATURE_COLLECTION`), a bare
//!   array of features (`exportObjectsToGeoJson` without that option), a single `Feature`
//!   (one object exported), or a bare geometry; gzipped or not (recognised by its bytes, so
//!   `.geojson.gz` and a gzipped `.json` both work).
//! - A feature's classification: a string, `{"name", "color"}` or `{"names": [...], "color"}`.
//! - Geometries: `Polygon` and `MultiPolygon` with holes, inside a `GeometryCollection` too;
//!   points and lines enclose no area and are skipped. Child objects exported with their
//!   parents (`childObjects`) are read as features of their own.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use crate::class::PathClass;
use crate::error::GeoJsonError;
use crate::geometry::Polygon;

/// One feature's polygons with what QuPath would read about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadFeature {
    /// The feature's `id`, when it has one.
    pub id: Option<String>,
    /// `properties.objectType` (`annotation` when missing, as in QuPath).
    pub object_type: String,
    /// `properties.name`.
    pub name: Option<String>,
    /// The classification.
    pub class: Option<PathClass>,
    /// The polygons of its geometry (a cell's boundary, not its nucleus).
    pub polygons: Vec<Polygon>,
}

/// The features with polygons of the GeoJSON file at `path` (gzipped or not).
pub fn read_features(path: &Path) -> Result<Vec<ReadFeature>, GeoJsonError> {
    let value = read_json(path)?;
    parse_features(&value).map_err(|reason| GeoJsonError::Invalid {
        path: path.to_path_buf(),
        reason,
    })
}

/// The JSON document at `path`, gunzipped when it starts with the gzip magic bytes.
pub fn read_json(path: &Path) -> Result<Value, GeoJsonError> {
    let io = |source| GeoJsonError::Io {
        path: path.to_path_buf(),
        source,
    };
    let bytes = std::fs::read(path).map_err(io)?;
    let text = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut text)
            .map_err(io)?;
        text
    } else {
        bytes
    };
    serde_json::from_slice(&text).map_err(|e| GeoJsonError::Invalid {
        path: path.to_path_buf(),
        reason: format!("not JSON: {e}"),
    })
}

/// The features with polygons of a GeoJSON document; the error says what is wrong.
pub fn parse_features(document: &Value) -> Result<Vec<ReadFeature>, String> {
    let mut out = Vec::new();
    collect(document, &mut out)?;
    Ok(out)
}

fn collect(value: &Value, out: &mut Vec<ReadFeature>) -> Result<(), String> {
    if let Value::Array(items) = value {
        return items.iter().try_for_each(|item| collect(item, out));
    }
    match value.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => value
            .get("features")
            .and_then(Value::as_array)
            .ok_or("a FeatureCollection without a `features` array")?
            .iter()
            .try_for_each(|f| collect(f, out)),
        Some("Feature") => feature(value, out),
        Some(_) => {
            let mut polygons = Vec::new();
            geometry(value, &mut polygons)?;
            if !polygons.is_empty() {
                out.push(ReadFeature {
                    id: None,
                    object_type: "annotation".into(),
                    name: None,
                    class: None,
                    polygons,
                });
            }
            Ok(())
        }
        None => Err("a GeoJSON object without `type`".into()),
    }
}

fn feature(value: &Value, out: &mut Vec<ReadFeature>) -> Result<(), String> {
    let properties = value.get("properties").filter(|p| p.is_object());
    let text = |key: &str| {
        properties
            .and_then(|p| p.get(key))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let class = match properties.and_then(|p| p.get("classification")) {
        Some(c) => PathClass::from_json(c)?,
        None => None,
    };
    let mut polygons = Vec::new();
    if let Some(g) = value.get("geometry").filter(|g| !g.is_null()) {
        geometry(g, &mut polygons)?;
    }
    if !polygons.is_empty() {
        out.push(ReadFeature {
            id: value.get("id").and_then(Value::as_str).map(str::to_owned),
            object_type: text("objectType")
                .or_else(|| text("object_type"))
                .unwrap_or_else(|| "annotation".into()),
            name: text("name"),
            class,
            polygons,
        });
    }
    for key in ["childObjects", "children"] {
        if let Some(Value::Array(children)) = properties.and_then(|p| p.get(key)) {
            children.iter().try_for_each(|c| collect(c, out))?;
        }
    }
    Ok(())
}

fn geometry(value: &Value, out: &mut Vec<Polygon>) -> Result<(), String> {
    let kind = value.get("type").and_then(Value::as_str);
    let coordinates = || {
        value
            .get("coordinates")
            .ok_or_else(|| format!("a {} without `coordinates`", kind.unwrap_or("geometry")))
    };
    match kind {
        Some("Polygon") => out.push(polygon(coordinates()?)?),
        Some("MultiPolygon") => {
            for p in coordinates()?
                .as_array()
                .ok_or("MultiPolygon coordinates are not an array")?
            {
                out.push(polygon(p)?);
            }
        }
        Some("GeometryCollection") => {
            for g in value
                .get("geometries")
                .and_then(Value::as_array)
                .ok_or("a GeometryCollection without `geometries`")?
            {
                geometry(g, out)?;
            }
        }
        // Points and lines enclose no area.
        Some("Point" | "MultiPoint" | "LineString" | "MultiLineString") => {}
        Some(other) => return Err(format!("unknown GeoJSON geometry type {other:?}")),
        None => return Err("a geometry without `type`".into()),
    }
    Ok(())
}

fn polygon(value: &Value) -> Result<Polygon, String> {
    let mut rings = value
        .as_array()
        .ok_or("Polygon coordinates are not an array")?
        .iter()
        .map(ring);
    let exterior = rings.next().ok_or("a Polygon without rings")??;
    let holes = rings.collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon { exterior, holes })
}

/// A ring without its closing point (GeoJSON repeats the first point at the end).
fn ring(value: &Value) -> Result<Vec<(f64, f64)>, String> {
    let mut ring = value
        .as_array()
        .ok_or("a ring is not an array")?
        .iter()
        .map(|p| {
            match (
                p.get(0).and_then(Value::as_f64),
                p.get(1).and_then(Value::as_f64),
            ) {
                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => Ok((x, y)),
                _ => Err(format!("a position that is not [x, y]: {p}")),
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    if ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() < 3 {
        return Err(format!(
            "a ring needs at least 3 positions, got {}",
            ring.len()
        ));
    }
    Ok(ring)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use serde_json::json;

    use super::*;

    fn square(x0: f64) -> Value {
        json!([[[x0, 0], [x0 + 10.0, 0], [x0 + 10.0, 10], [x0, 10], [x0, 0]]])
    }

    fn feature(class: Value, x0: f64) -> Value {
        json!({
            "type": "Feature",
            "id": "4f1b0e2e-9c55-4a57-9d0b-5e0f4b8f2c11",
            "geometry": {"type": "Polygon", "coordinates": square(x0)},
            "properties": {"objectType": "annotation", "classification": class}
        })
    }

    #[test]
    fn collection_array_single_feature_and_geometry_read_alike() {
        let a = feature(json!("Tumor"), 0.0);
        let b = feature(json!({"name": "Stroma", "color": [1, 2, 3]}), 20.0);
        let c = feature(
            json!({"names": ["Tumor", "Positive"], "color": [1, 2, 3]}),
            40.0,
        );
        let fc = json!({"type": "FeatureCollection", "features": [a, b, c]});
        let array = json!([a, b, c]);
        let from_fc = parse_features(&fc).unwrap();
        assert_eq!(from_fc, parse_features(&array).unwrap());
        assert_eq!(from_fc.len(), 3);
        assert_eq!(
            from_fc[2].class.as_ref().unwrap().to_string(),
            "Tumor: Positive"
        );
        assert_eq!(
            from_fc[0].polygons[0].exterior.len(),
            4,
            "closing point dropped"
        );
        assert_eq!(parse_features(&a).unwrap()[0], from_fc[0]);
        let bare = json!({"type": "Polygon", "coordinates": square(0.0)});
        let read = parse_features(&bare).unwrap();
        assert_eq!(
            (read[0].object_type.as_str(), &read[0].class),
            ("annotation", &None)
        );
    }

    #[test]
    fn multipolygons_with_holes_cells_and_children() {
        let doc = json!([{
            "type": "Feature",
            "geometry": {"type": "MultiPolygon", "coordinates": [
                [[[0, 0], [100, 0], [100, 100], [0, 100], [0, 0]],
                 [[40, 40], [60, 40], [60, 60], [40, 60], [40, 40]]],
                square(200.0)
            ]},
            "nucleusGeometry": {"type": "Polygon", "coordinates": square(0.0)},
            "properties": {"objectType": "cell", "childObjects": [feature(json!("Tumor"), 500.0)]}
        }, {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]}, "properties": {}}]);
        let read = parse_features(&doc).unwrap();
        assert_eq!(read.len(), 2, "the point is skipped, the child read");
        assert_eq!(read[0].object_type, "cell");
        assert_eq!(read[0].polygons.len(), 2);
        let p = &read[0].polygons[0];
        assert!(p.contains(10.0, 10.0) && !p.contains(50.0, 50.0));
        assert_eq!(read[1].class.as_ref().unwrap().name(), "Tumor");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let two = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [0, 0]]]});
        assert!(parse_features(&two).unwrap_err().contains("at least 3"));
        let bad_class = feature(json!(7), 0.0);
        assert!(
            parse_features(&bad_class)
                .unwrap_err()
                .contains("classification")
        );
        assert!(
            parse_features(&json!({"features": []}))
                .unwrap_err()
                .contains("type")
        );
        let odd = json!({"type": "Circle", "coordinates": []});
        assert!(parse_features(&odd).unwrap_err().contains("Circle"));
    }

    #[test]
    fn gzipped_files_are_read_and_errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let doc = json!([feature(json!("Tumor"), 0.0)]).to_string();
        let gz = dir.path().join("objects.geojson.gz");
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::default(),
        );
        enc.write_all(doc.as_bytes()).unwrap();
        enc.finish().unwrap();
        assert_eq!(read_features(&gz).unwrap().len(), 1);
        let bad = dir.path().join("bad.geojson");
        std::fs::write(&bad, "{").unwrap();
        let err = read_features(&bad).unwrap_err().to_string();
        assert!(
            err.contains("bad.geojson") && err.contains("not JSON"),
            "{err}"
        );
        let missing = read_features(&dir.path().join("gone.geojson")).unwrap_err();
        assert!(missing.to_string().contains("gone.geojson"));
    }
}
