//! GeoJSON in and out, in level-0 pixel coordinates (QuPath's convention), through
//! `qupath-geojson`.
//!
//! - [`pieces_geojson`]: a `FeatureCollection` with one QuPath annotation per piece (outer
//!   ring and holes), classified `Tissue`, `Control` or QuPath's `Ignore*` (excluded pieces),
//!   with the piece's numbers as measurements, its role as metadata and an id stable for the
//!   slide and configuration; File > Import objects (or drag and drop) brings them in.
//! - [`read_roi`]: a user's ROI (any GeoJSON QuPath writes: a `FeatureCollection`, a bare
//!   array of features, a `Feature` or a geometry; `Polygon` / `MultiPolygon` with holes;
//!   gzipped or not) drawn onto the mask grid: a mask pixel is inside when its centre is
//!   (even-odd rule over the rings of each polygon). Features of an ignored class (`Ignore*`,
//!   as our own excluded pieces are written) are left out.

use std::path::Path;

use qupath_geojson::{
    Feature, FeatureCollection, Geometry, IdSpace, Measurements, Metadata, ObjectType, PathClass,
    Polygon,
};
use serde_json::Value;

use crate::bitmap::Bitmap;
use crate::error::{Result, TissueError};
use crate::mask::TissueMask;
use crate::outline::piece_outlines;
use crate::piece::PieceRole;

/// The QuPath class of a role: `Tissue`, `Control`, or QuPath's `Ignore*` for excluded pieces.
fn classification(role: PieceRole) -> PathClass {
    match role {
        PieceRole::Patient => PathClass::new("Tissue", [0, 160, 60]),
        PieceRole::Control => PathClass::new("Control", [200, 0, 200]),
        PieceRole::Excluded => PathClass::ignore(),
    }
}

/// The pieces of `mask` as QuPath annotations in a GeoJSON `FeatureCollection` (level-0
/// pixels), ids from `ids` (`tissue-piece/<id>`). Measurements: `Piece ID`, `Area mm^2`,
/// `Scored` (1 or 0), and when the thumbnail was seen `DAB OD mean` and `DAB positive
/// fraction`; metadata: `her2 role` (`patient`, `control`, `excluded`).
pub fn pieces_geojson(mask: &TissueMask, ids: &IdSpace) -> Value {
    let d = mask.downsample();
    let outlines = piece_outlines(mask);
    let features = || {
        outlines.iter().zip(mask.pieces()).map(|(rings, piece)| {
            let mut rings = rings.iter().map(|ring| {
                ring.iter()
                    .map(|&(x, y)| (f64::from(x) * d, f64::from(y) * d))
                    .collect::<Vec<_>>()
            });
            let polygon = Polygon {
                exterior: rings.next().unwrap_or_default(),
                holes: rings.collect(),
            };
            let mut measurements = Measurements::new()
                .add("Piece ID", f64::from(piece.id))
                .add("Area mm^2", piece.area_mm2)
                .add("Scored", f64::from(u8::from(piece.is_scored())));
            if let Some(dab) = piece.mean_dab {
                measurements = measurements.add("DAB OD mean", dab);
            }
            if let Some(f) = piece.dab_positive_fraction {
                measurements = measurements.add("DAB positive fraction", f);
            }
            let role = match piece.role {
                PieceRole::Patient => "patient",
                PieceRole::Control => "control",
                PieceRole::Excluded => "excluded",
            };
            Feature::new(
                ids.id("tissue-piece", piece.id),
                ObjectType::Annotation,
                Geometry::Polygon(polygon),
            )
            .named(format!("Piece {}", piece.id))
            .classified(classification(piece.role))
            .with_measurements(measurements)
            .with_metadata(Metadata::new().add("her2 role", role))
        })
    };
    FeatureCollection(features).to_json()
}

/// Reads the ROI at `path` (see the module documentation) and rasterises it onto a `width` x
/// `height` mask of `downsample`. Errors name the file.
pub fn read_roi(path: &Path, width: u32, height: u32, downsample: f64) -> Result<Bitmap> {
    let bad = |reason: String| TissueError::BadRoi {
        path: path.to_path_buf(),
        reason,
    };
    let features = qupath_geojson::read_features(path).map_err(|e| bad(e.reason()))?;
    let polygons: Vec<Polygon> = features
        .into_iter()
        .filter(|f| !f.class.as_ref().is_some_and(PathClass::is_ignored))
        .flat_map(|f| f.polygons)
        .collect();
    if polygons.is_empty() {
        return Err(bad(
            "no Polygon or MultiPolygon (outside Ignore* areas) in the GeoJSON".to_owned(),
        ));
    }
    Ok(rasterize_polygons(&polygons, width, height, downsample))
}

/// Rasterises `polygons` (level-0 coordinates) onto a `width` x `height` mask of
/// `downsample`: a pixel is set when its centre is inside a polygon (even-odd rule over each
/// polygon's rings).
pub fn rasterize_polygons(
    polygons: &[Polygon],
    width: u32,
    height: u32,
    downsample: f64,
) -> Bitmap {
    let mut bitmap = Bitmap::new(width, height);
    let mut xs: Vec<f64> = Vec::new();
    for poly in polygons {
        for y in 0..height {
            let cy = (f64::from(y) + 0.5) * downsample;
            xs.clear();
            poly.crossings(cy, &mut xs);
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
    bitmap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mask::MaskSource;

    fn roi_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn roi_with_a_hole_rasterises_by_pixel_centres() {
        let dir = tempfile::tempdir().unwrap();
        let roi = roi_file(
            dir.path(),
            "roi.geojson",
            r#"{"type":"Feature","geometry":{"type":"Polygon","coordinates":[
            [[0,0],[100,0],[100,100],[0,100],[0,0]],
            [[40,40],[60,40],[60,60],[40,60],[40,40]]]},"properties":{}}"#,
        );
        let b = read_roi(&roi, 20, 20, 10.0).unwrap();
        assert_eq!(b.count_ones(), 100 - 4);
        assert!(b.get(0, 0) && b.get(9, 9) && !b.get(10, 0) && !b.get(4, 4));
    }

    #[test]
    fn bad_roi_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_roi(&roi_file(dir.path(), "my.geojson", "{"), 5, 5, 1.0).unwrap_err();
        assert!(err.to_string().contains("my.geojson"));
        let point = roi_file(
            dir.path(),
            "p.json",
            r#"{"type":"Point","coordinates":[1,2]}"#,
        );
        let err = read_roi(&point, 5, 5, 1.0).unwrap_err();
        assert!(err.to_string().contains("no Polygon"));
        let gone = read_roi(&dir.path().join("gone.geojson"), 5, 5, 1.0).unwrap_err();
        assert!(gone.to_string().contains("gone.geojson"));
    }

    #[test]
    fn export_round_trips_through_the_rasteriser_and_conforms_to_qupath() {
        let b = Bitmap::from_fn(30, 20, |x, y| {
            ((3..12).contains(&x) && (2..15).contains(&y) && (x, y) != (6, 6))
                || ((20..28).contains(&x) && (5..9).contains(&y))
        });
        let mut mask = TissueMask::from_bitmap(
            b.clone(),
            4.0,
            0.5,
            None,
            MaskSource::External("test".into()),
        )
        .unwrap();
        let ids = IdSpace::new(&["slide", "config"]);
        let geo = pieces_geojson(&mask, &ids);
        assert_eq!(
            qupath_geojson::conformance::violations(&geo),
            Vec::<String>::new()
        );
        let features = geo["features"].as_array().unwrap();
        assert_eq!(features.len(), 2);
        let p = &features[0]["properties"];
        assert_eq!(p["classification"]["name"], "Tissue");
        assert_eq!(p["measurements"]["Piece ID"], 1.0);
        assert_eq!(p["metadata"]["her2 role"], "patient");
        assert_eq!(features[0]["id"], ids.id("tissue-piece", 1).to_string());
        assert_eq!(
            features[0]["geometry"]["coordinates"]
                .as_array()
                .unwrap()
                .len(),
            2,
            "a hole"
        );
        let dir = tempfile::tempdir().unwrap();
        let path = roi_file(dir.path(), "tissue.geojson", &geo.to_string());
        assert_eq!(read_roi(&path, 30, 20, 4.0).unwrap(), b);

        // An excluded piece is QuPath's Ignore*, and is not part of the ROI read back.
        mask.exclude_pieces(&[2]).unwrap();
        let geo = pieces_geojson(&mask, &ids);
        assert_eq!(
            geo["features"][1]["properties"]["classification"]["name"],
            "Ignore*"
        );
        let path = roi_file(dir.path(), "excluded.geojson", &geo.to_string());
        let back = read_roi(&path, 30, 20, 4.0).unwrap();
        assert!(back.get(4, 3) && !back.get(21, 6));
    }
}
