//! Annotations: polygons from a GeoJSON file (QuPath / GeoJSON in level-0 pixels, read by
//! `qupath-geojson` in every form QuPath writes) with their features' classifications (tumour,
//! tissue, areas to leave out).

use std::path::Path;

use qupath_geojson::GeoJsonError;
pub use qupath_geojson::Polygon;

use crate::error::{ClassifierError, Result};
use crate::geometry::Rect;

/// A polygon with the classification of the feature it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ClassifiedPolygon {
    /// The feature's class name, if it has one.
    pub class: Option<String>,
    /// The polygon.
    pub polygon: Polygon,
}

/// Every polygon of a GeoJSON document (any form [`classified_polygons_from_geojson`]
/// reads; points and lines are ignored), whatever its classification.
pub fn polygons_from_geojson(path: &Path) -> Result<Vec<Polygon>> {
    Ok(classified_polygons_from_geojson(path)?
        .into_iter()
        .map(|c| c.polygon)
        .collect())
}

/// Every polygon of a GeoJSON document with its feature's classification (QuPath's class
/// string, `Tumor: Positive` for a derived class). The document may be a FeatureCollection, a
/// bare array of features (QuPath's scripted export), a Feature or a geometry, gzipped or not.
pub fn classified_polygons_from_geojson(path: &Path) -> Result<Vec<ClassifiedPolygon>> {
    let features = qupath_geojson::read_features(path).map_err(|e| match e {
        GeoJsonError::Io { path, source } => ClassifierError::io(path, source),
        GeoJsonError::Invalid { path, reason } => ClassifierError::Annotation {
            path,
            message: reason,
        },
        other => ClassifierError::Annotation {
            path: other.path().to_path_buf(),
            message: other.reason(),
        },
    })?;
    Ok(features
        .into_iter()
        .flat_map(|f| {
            let class = f.class.map(|c| c.to_string());
            f.polygons
                .into_iter()
                .map(move |polygon| ClassifiedPolygon {
                    class: class.clone(),
                    polygon,
                })
        })
        .collect())
}

/// The tumour polygons of a GeoJSON file: when any feature is classified, only those
/// classified tumour ([`is_tumor_class`]: `Tumor`, `Tumour`, or a derived class such as
/// `Tumor: Positive`); when none is, every polygon. So a QuPath export or ihc-synth's
/// `.outlines.geojson` (classes `Tissue`, `Tumor`, `Control`) gives its tumour, and a file of
/// bare polygons is all tumour. A file without a tumour polygon is an error.
pub fn tumor_polygons_from_geojson(path: &Path) -> Result<Vec<Polygon>> {
    let all = classified_polygons_from_geojson(path)?;
    select(path, &all, "Tumor", is_tumor_class)
}

/// The polygons of `all` whose class `wanted` accepts when any polygon is classified, else all
/// of them; an error naming `path` and the classes found when none is selected.
pub(crate) fn select(
    path: &Path,
    all: &[ClassifiedPolygon],
    what: &str,
    wanted: fn(&str) -> bool,
) -> Result<Vec<Polygon>> {
    let classified = all.iter().any(|c| c.class.is_some());
    let chosen: Vec<Polygon> = all
        .iter()
        .filter(|c| !classified || c.class.as_deref().is_some_and(wanted))
        .map(|c| c.polygon.clone())
        .collect();
    if chosen.is_empty() {
        let mut classes: Vec<&str> = all.iter().filter_map(|c| c.class.as_deref()).collect();
        classes.sort_unstable();
        classes.dedup();
        let message = if all.is_empty() {
            "no Polygon or MultiPolygon in the file".to_string()
        } else {
            format!(
                "no polygon classified {what} (classes found: {})",
                classes.join(", ")
            )
        };
        return Err(ClassifierError::Annotation {
            path: path.to_path_buf(),
            message,
        });
    }
    Ok(chosen)
}

/// The base of a class name: lower case, without a trailing `*` (QuPath's `Ignore*`) and
/// without a derived part after `:` (`Tumor: Positive` -> `tumor`).
fn base_class(name: &str) -> String {
    let base = name.split(':').next().unwrap_or(name);
    base.trim()
        .trim_end_matches('*')
        .trim()
        .to_ascii_lowercase()
}

/// Whether a class name means tumour: `Tumor` or `Tumour` (any case, derived classes too).
pub fn is_tumor_class(name: &str) -> bool {
    matches!(base_class(name).as_str(), "tumor" | "tumour")
}

/// Whether a class name means tissue: `Tissue` (any case). Only training's slide sampling
/// reads it.
#[cfg_attr(not(feature = "train"), allow(dead_code))]
pub fn is_tissue_class(name: &str) -> bool {
    base_class(name) == "tissue"
}

/// Whether a class name marks an area to keep out of training: `Control` (a 3+ control
/// piece is tumour but not the patient's), QuPath's `Ignore*`, `Exclude`, `Excluded`.
pub fn is_excluded_class(name: &str) -> bool {
    matches!(
        base_class(name).as_str(),
        "control" | "ignore" | "exclude" | "excluded"
    )
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
    fn classified_files_give_their_tumour_features_and_bare_polygons_are_all_tumour() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("outlines.geojson");
        let square = |x: u32| {
            format!(
                "[[[{x},0],[{},0],[{},10],[{x},10],[{x},0]]]",
                x + 10,
                x + 10
            )
        };
        let feature = |class: &str, x: u32| {
            format!(
                r#"{{"type":"Feature","properties":{{"classification":{class}}},"geometry":{{"type":"Polygon","coordinates":{}}}}}"#,
                square(x)
            )
        };
        std::fs::write(
            &path,
            format!(
                r#"{{"type":"FeatureCollection","features":[{},{},{},{}]}}"#,
                feature(r#"{"name":"Tissue"}"#, 0),
                feature(r#"{"name":"Tumor"}"#, 100),
                feature(r#""tumour: positive""#, 200),
                feature(r#"{"name":"Control"}"#, 300)
            ),
        )
        .unwrap();
        let all = classified_polygons_from_geojson(&path).unwrap();
        assert_eq!(all.len(), 4);
        assert_eq!(all[3].class.as_deref(), Some("Control"));
        let tumour = tumor_polygons_from_geojson(&path).unwrap();
        assert_eq!(tumour.len(), 2);
        assert!(tumour[0].contains(105.0, 5.0) && tumour[1].contains(205.0, 5.0));
        assert!(is_excluded_class("Control") && is_excluded_class("Ignore*"));
        assert!(is_tissue_class("tissue") && !is_tumor_class("Tissue"));

        std::fs::write(
            &path,
            format!(r#"{{"type":"Polygon","coordinates":{}}}"#, square(0)),
        )
        .unwrap();
        assert_eq!(tumor_polygons_from_geojson(&path).unwrap().len(), 1);
        std::fs::write(&path, r#"{"type":"FeatureCollection","features":[]}"#).unwrap();
        let err = tumor_polygons_from_geojson(&path).unwrap_err().to_string();
        assert!(err.contains("no Polygon"), "{err}");
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
