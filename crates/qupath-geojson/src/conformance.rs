//! Checks a GeoJSON document against the rules of QuPath's object reader (`qupath-core` 0.4 to
//! 0.6: `PathObjectTypeAdapters` / `QuPathTypeAdapters`, `GsonTools.PathClassTypeAdapter`,
//! `PathIO`), as far as they decide whether our files import whole and lose nothing:
//!
//! 1. the document is a `FeatureCollection`, an array of features or one `Feature`;
//! 2. every feature has `"type": "Feature"` and an `id` that is a UUID (others are replaced by
//!    random ids, so a second import duplicates everything);
//! 3. `geometry` (and a cell's `nucleusGeometry`) is a `Polygon` or `MultiPolygon` whose rings
//!    have at least 4 finite positions and are closed;
//! 4. `properties.objectType` is one QuPath knows (`annotation`, `detection`, `cell`, `tile`),
//!    and only cells carry `nucleusGeometry`;
//! 5. `properties.classification` is a string, or an object with a `name` (or `names`, a
//!    non-empty list) and a `color` of three bytes; a name part holds no `:` or line break
//!    (QuPath would split or refuse it); anything else throws and aborts the whole file;
//! 6. `properties.measurements` holds finite numbers only, `properties.metadata` text only;
//! 7. no other property: QuPath drops what it does not know.
//!
//! This is the proof that our writers produce what QuPath reads, since QuPath itself does not
//! run in our tests; `docs/qupath.md` says how to check a file in QuPath by hand.

use serde_json::{Map, Value};

/// The object types QuPath's reader maps to object classes (legacy names aside).
pub const OBJECT_TYPES: [&str; 4] = ["annotation", "detection", "cell", "tile"];

/// The feature properties QuPath's reader uses; every other property is dropped.
pub const KNOWN_PROPERTIES: [&str; 7] = [
    "objectType",
    "name",
    "color",
    "classification",
    "isLocked",
    "measurements",
    "metadata",
];

/// Every way `document` breaks the rules above, one line each (feature index first); empty
/// when QuPath reads it whole.
pub fn violations(document: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let features: &[Value] = match document {
        Value::Array(items) => items,
        Value::Object(o) => match o.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => match o.get("features").and_then(Value::as_array) {
                Some(f) => f,
                None => {
                    out.push("a FeatureCollection without a `features` array".into());
                    return out;
                }
            },
            Some("Feature") => std::slice::from_ref(document),
            other => {
                out.push(format!(
                    "the document is neither features nor a collection: type {other:?}"
                ));
                return out;
            }
        },
        _ => {
            out.push("the document is not a JSON object or array".into());
            return out;
        }
    };
    for (i, f) in features.iter().enumerate() {
        check_feature(f, &mut |m| out.push(format!("feature {i}: {m}")));
    }
    out
}

fn check_feature(f: &Value, report: &mut dyn FnMut(String)) {
    let Some(obj) = f.as_object() else {
        report("not an object".into());
        return;
    };
    if obj.get("type").and_then(Value::as_str) != Some("Feature") {
        report("`type` is not \"Feature\"".into());
    }
    match obj.get("id").and_then(Value::as_str) {
        Some(id) if is_uuid(id) => {}
        Some(id) => report(format!("id {id:?} is not a UUID (QuPath replaces it)")),
        None => report("no id (QuPath makes a random one)".into()),
    }
    for key in obj.keys() {
        if !["type", "id", "geometry", "nucleusGeometry", "properties"].contains(&key.as_str()) {
            report(format!("member {key:?} is not read by QuPath"));
        }
    }
    match obj.get("geometry") {
        Some(g) => check_geometry(g, "geometry", report),
        None => report("no geometry".into()),
    }
    let empty = Map::new();
    let properties = match obj.get("properties") {
        Some(Value::Object(p)) => p,
        Some(_) => {
            report("`properties` is not an object".into());
            &empty
        }
        None => &empty,
    };
    let object_type = properties.get("objectType").and_then(Value::as_str);
    match object_type {
        Some(t) if OBJECT_TYPES.contains(&t) => {}
        Some(t) => report(format!("objectType {t:?} is not one QuPath knows")),
        None => report("no objectType (QuPath reads an annotation)".into()),
    }
    if let Some(n) = obj.get("nucleusGeometry") {
        if object_type != Some("cell") {
            report("nucleusGeometry on an object that is not a cell".into());
        }
        check_geometry(n, "nucleusGeometry", report);
    }
    for (key, value) in properties {
        match key.as_str() {
            "classification" => check_classification(value, report),
            "measurements" => match value.as_object() {
                Some(m) => {
                    for (name, v) in m {
                        if !v.as_f64().is_some_and(f64::is_finite) {
                            report(format!("measurement {name:?} is not a finite number: {v}"));
                        }
                    }
                }
                None => report("measurements are not an object of numbers".into()),
            },
            "metadata" => match value.as_object() {
                Some(m) => {
                    for (name, v) in m {
                        if !v.is_string() {
                            report(format!("metadata {name:?} is not text: {v}"));
                        }
                    }
                }
                None => report("metadata is not an object of text".into()),
            },
            "name" if !value.is_string() => report("name is not text".into()),
            "color" if !is_color(value) => report(format!("color {value} is not [r, g, b]")),
            "isLocked" if !value.is_boolean() => report("isLocked is not true or false".into()),
            k if !KNOWN_PROPERTIES.contains(&k) => {
                report(format!("property {k:?} is dropped by QuPath"));
            }
            _ => {}
        }
    }
}

fn check_classification(value: &Value, report: &mut dyn FnMut(String)) {
    let part_ok = |s: &str| !s.is_empty() && !s.contains([':', '\n', '\r']);
    match value {
        Value::String(s) if !s.contains(['\n', '\r']) && !s.trim().is_empty() => {}
        Value::Object(o) => {
            for key in o.keys() {
                if !["name", "names", "color"].contains(&key.as_str()) {
                    report(format!(
                        "classification member {key:?} is not read by QuPath"
                    ));
                }
            }
            match (o.get("name"), o.get("names")) {
                (Some(Value::String(n)), None) if part_ok(n) => {}
                (None, Some(Value::Array(parts)))
                    if !parts.is_empty()
                        && parts.iter().all(|p| p.as_str().is_some_and(part_ok)) => {}
                _ => report(format!(
                    "classification {value} needs a `name` or a non-empty `names` list of parts without ':'"
                )),
            }
            match o.get("color") {
                Some(c) if is_color(c) => {}
                _ => report(format!("classification {value} has no [r, g, b] color")),
            }
        }
        other => report(format!(
            "classification {other} is not text or {{name, color}}"
        )),
    }
}

fn is_color(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|a| a.len() == 3 && a.iter().all(|c| c.as_u64().is_some_and(|c| c <= 255)))
}

fn check_geometry(g: &Value, what: &str, report: &mut dyn FnMut(String)) {
    let coordinates = g.get("coordinates");
    let polygons: Vec<&Value> = match (g.get("type").and_then(Value::as_str), coordinates) {
        (Some("Polygon"), Some(c)) => vec![c],
        (Some("MultiPolygon"), Some(Value::Array(ps))) => ps.iter().collect(),
        (kind, _) => {
            report(format!(
                "{what} is not a Polygon or MultiPolygon with coordinates ({kind:?})"
            ));
            return;
        }
    };
    for p in polygons {
        let Some(rings) = p.as_array().filter(|r| !r.is_empty()) else {
            report(format!("{what}: a polygon without rings"));
            continue;
        };
        for ring in rings {
            let points: Vec<Option<(f64, f64)>> = ring
                .as_array()
                .map(|pts| {
                    pts.iter()
                        .map(|p| {
                            match (
                                p.get(0).and_then(Value::as_f64),
                                p.get(1).and_then(Value::as_f64),
                            ) {
                                (Some(x), Some(y)) if x.is_finite() && y.is_finite() => {
                                    Some((x, y))
                                }
                                _ => None,
                            }
                        })
                        .collect()
                })
                .unwrap_or_default();
            if points.iter().any(Option::is_none) {
                report(format!("{what}: a position that is not [x, y]"));
            } else if points.len() < 4 {
                report(format!(
                    "{what}: a ring of {} positions (at least 4)",
                    points.len()
                ));
            } else if points.first() != points.last() {
                report(format!("{what}: a ring that is not closed"));
            }
        }
    }
}

/// Whether `s` is a UUID in the hyphenated form QuPath's `UUID.fromString` reads.
fn is_uuid(s: &str) -> bool {
    crate::Uuid::parse(s).is_some()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn good() -> Value {
        json!({
            "type": "Feature",
            "id": "4f1b0e2e-9c55-4a57-9d0b-5e0f4b8f2c11",
            "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            "nucleusGeometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            "properties": {
                "objectType": "cell",
                "classification": {"names": ["Complete", "2+"], "color": [1, 2, 3]},
                "measurements": {"Nucleus: Area µm^2": 3.5},
                "metadata": {"HER2 intensity": "weak_moderate"}
            }
        })
    }

    #[test]
    fn a_qupath_cell_passes_in_every_document_form() {
        assert_eq!(violations(&good()), Vec::<String>::new());
        assert!(violations(&json!([good(), good()])).is_empty());
        assert!(violations(&json!({"type": "FeatureCollection", "features": [good()]})).is_empty());
        let mut plain = good();
        plain["properties"]["classification"] = json!("Tumor");
        assert!(violations(&plain).is_empty());
    }

    #[test]
    fn what_broke_cells_geojson_is_caught() {
        type Break = fn(&mut Value);
        let cases: Vec<(&str, Break)> = vec![
            ("no [r, g, b] color", |f| {
                f["properties"]["classification"] = json!({"name": "Incomplete 1+"})
            }),
            ("not text or", |f| {
                f["properties"]["classification"] = json!(3)
            }),
            ("without ':'", |f| {
                f["properties"]["classification"] = json!({"name": "A: B", "color": [1, 2, 3]})
            }),
            ("not a UUID", |f| f["id"] = json!("tissue-piece-1")),
            ("dropped by QuPath", |f| {
                f["properties"]["intensity"] = json!("faint")
            }),
            ("not a finite number", |f| {
                f["properties"]["measurements"]["x"] = json!("1")
            }),
            ("not text", |f| f["properties"]["metadata"]["n"] = json!(1)),
            ("not closed", |f| {
                f["geometry"]["coordinates"] = json!([[[0, 0], [1, 0], [1, 1], [0, 1]]])
            }),
            ("not one QuPath knows", |f| {
                f["properties"]["objectType"] = json!("nucleus")
            }),
            ("not a cell", |f| {
                f["properties"]["objectType"] = json!("detection")
            }),
        ];
        for (expected, break_it) in cases {
            let mut f = good();
            break_it(&mut f);
            let v = violations(&f);
            assert!(v.iter().any(|m| m.contains(expected)), "{expected}: {v:?}");
        }
    }
}
