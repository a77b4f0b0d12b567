//! The output folder of `her2 score`, read once for the viewer: the report's summary, the
//! tissue pieces, the heatmap, the analysed patches and the cells, as layers.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Result, ViewError};
use crate::layers::{Shape, VectorLayer};

/// Colour of each patch score, as on her2's `overlay.png`: 0 grey-blue, 1+ yellow, 2+ orange,
/// 3+ red.
pub const SCORE_COLOURS: [(&str, [u8; 3]); 4] = [
    ("0", [90, 140, 200]),
    ("1+", [240, 220, 60]),
    ("2+", [245, 140, 30]),
    ("3+", [210, 30, 30]),
];

/// What the report says, for the viewer's header.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    /// The IHC score (`2+`).
    pub score: String,
    /// The ASCO/CAP 2023 category label.
    pub category: String,
    /// The clinical group.
    pub clinical_group: String,
    /// The rule and the condition that fired.
    pub fired: String,
    /// Flags, as words.
    pub flags: Vec<String>,
}

/// A tissue piece: its box in level-0 pixels and role (`patient`, `control`, `excluded`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Piece {
    /// The piece's number.
    pub id: u32,
    /// `[x0, y0, x1, y1]`, level-0 pixels.
    pub bbox: [f64; 4],
    /// What the piece was used for.
    pub role: String,
}

/// One class of cells: name, colour and how many cells have it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellClass {
    /// The class (`Complete: 2+`).
    pub name: String,
    /// Its colour.
    pub colour: [u8; 3],
    /// Cells of the class.
    pub count: usize,
}

/// What a click on a cell shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CellInfo {
    /// The class name.
    pub class: String,
    /// Measurements by name.
    pub measurements: Vec<(String, f64)>,
    /// Metadata (e.g. the membrane intensity in words).
    pub metadata: Vec<(String, String)>,
}

/// The loaded results.
#[derive(Debug, Default)]
pub struct Results {
    /// The folder.
    pub dir: PathBuf,
    /// The report's summary.
    pub summary: Summary,
    /// Tissue pieces.
    pub pieces: Vec<Piece>,
    /// `heatmap.png`, when present.
    pub heatmap_png: Option<Vec<u8>>,
    /// Analysed patches, filled in their score's colour.
    pub patches: VectorLayer,
    /// Cells, outlined in their class colour.
    pub cells: VectorLayer,
    /// What each cell of [`Results::cells`] is, index for index.
    pub cell_info: Vec<CellInfo>,
    /// The cell classes with counts.
    pub classes: Vec<CellClass>,
}

impl Results {
    /// Reads `dir`: `report.json` must be there (it is written last, so it vouches for the rest);
    /// `heatmap.png`, `patches.csv` and `cells.geojson` (or `.geojson.gz`) are used when present.
    pub fn load(dir: &Path) -> Result<Self> {
        let report_path = dir.join("report.json");
        let report: Value = serde_json::from_slice(&read(&report_path)?)
            .map_err(|e| invalid(&report_path, e.to_string()))?;
        let summary = summary(&report);
        let pieces = match report.pointer("/tissue/pieces") {
            Some(p) => serde_json::from_value(p.clone())
                .map_err(|e| invalid(&report_path, format!("tissue.pieces: {e}")))?,
            None => Vec::new(),
        };
        let heatmap = dir.join("heatmap.png");
        let heatmap_png = if heatmap.exists() {
            Some(read(&heatmap)?)
        } else {
            None
        };
        let patches_path = dir.join("patches.csv");
        let patches = if patches_path.exists() {
            let text = String::from_utf8(read(&patches_path)?)
                .map_err(|_| invalid(&patches_path, "not UTF-8 text".into()))?;
            VectorLayer::new(parse_patches(&text).map_err(|r| invalid(&patches_path, r))?)
        } else {
            VectorLayer::default()
        };
        let mut results = Results {
            dir: dir.to_path_buf(),
            summary,
            pieces,
            heatmap_png,
            patches,
            ..Results::default()
        };
        for name in ["cells.geojson", "cells.geojson.gz"] {
            let path = dir.join(name);
            if path.exists() {
                let (shapes, info, classes) = read_cells(&path)?;
                results.cells = VectorLayer::new(shapes);
                results.cell_info = info;
                results.classes = classes;
                break;
            }
        }
        Ok(results)
    }

    /// The cell under level-0 point (`x`, `y`): one whose outline contains it, else the
    /// nearest whose box lies within `tolerance` pixels.
    pub fn cell_at(&self, x: f64, y: f64, tolerance: f64) -> Option<(usize, &CellInfo, &Shape)> {
        let t = tolerance.max(0.0);
        let near = self.cells.query(x - t, y - t, 2.0 * t, 2.0 * t);
        let hit = near
            .iter()
            .copied()
            .find(|&i| {
                self.cells
                    .shape(i)
                    .is_some_and(|s| s.contains(x as f32, y as f32))
            })
            .or_else(|| near.first().copied())?;
        Some((hit, self.cell_info.get(hit)?, self.cells.shape(hit)?))
    }
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|source| ViewError::Io {
        path: path.to_path_buf(),
        source,
    })
}

fn invalid(path: &Path, reason: String) -> ViewError {
    ViewError::Results {
        path: path.to_path_buf(),
        reason,
    }
}

fn summary(report: &Value) -> Summary {
    let text = |pointer: &str| {
        report
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let flags = report
        .pointer("/assessment/flags")
        .and_then(Value::as_array)
        .map(|flags| {
            flags
                .iter()
                .map(|f| match f.get("flag").and_then(Value::as_str) {
                    Some(name) => name.replace('_', " "),
                    None => f.to_string(),
                })
                .collect()
        })
        .unwrap_or_default();
    Summary {
        score: text("/assessment/score"),
        category: text("/assessment/category"),
        clinical_group: text("/assessment/clinical_group").replace('_', " "),
        fired: format!(
            "{} rule: {}",
            text("/assessment/rule"),
            text("/assessment/fired")
        ),
        flags,
    }
}

/// The patches of `patches.csv` as filled squares in their score's colour.
fn parse_patches(text: &str) -> std::result::Result<Vec<Shape>, String> {
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().ok_or("empty file")?.split(',').collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or(format!("no `{name}` column"))
    };
    let (cx, cy, cw, ch, cs) = (
        column("x")?,
        column("y")?,
        column("w")?,
        column("h")?,
        column("score")?,
    );
    let mut shapes = Vec::new();
    for (n, line) in lines.enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        let number = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f32>().ok())
                .ok_or(format!(
                    "line {}: column {} is not a number",
                    n + 2,
                    header[i]
                ))
        };
        let (x, y, w, h) = (number(cx)?, number(cy)?, number(cw)?, number(ch)?);
        let score = fields.get(cs).copied().unwrap_or_default();
        let [r, g, b] = SCORE_COLOURS
            .iter()
            .find(|(s, _)| *s == score)
            .map_or([128, 128, 128], |(_, c)| *c);
        shapes.push(Shape {
            outline: vec![[x, y], [x + w, y], [x + w, y + h], [x, y + h]],
            stroke: [r, g, b, 255],
            fill: Some([r, g, b, 110]),
        });
    }
    Ok(shapes)
}

#[derive(Deserialize)]
struct RawCollection {
    features: Vec<RawFeature>,
}

#[derive(Deserialize)]
struct RawFeature {
    geometry: RawGeometry,
    #[serde(default)]
    properties: RawProperties,
}

#[derive(Deserialize)]
struct RawGeometry {
    coordinates: RawCoordinates,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawCoordinates {
    Polygon(Vec<Vec<[f32; 2]>>),
    MultiPolygon(Vec<Vec<Vec<[f32; 2]>>>),
}

#[derive(Deserialize, Default)]
struct RawProperties {
    #[serde(default)]
    classification: Option<Value>,
    #[serde(default)]
    measurements: BTreeMap<String, f64>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

type Cells = (Vec<Shape>, Vec<CellInfo>, Vec<CellClass>);

/// The cells of a QuPath cell GeoJSON (FeatureCollection or bare array, gzipped or not).
fn read_cells(path: &Path) -> Result<Cells> {
    let bytes = read(path)?;
    let bytes = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut text = Vec::new();
        flate2::read::MultiGzDecoder::new(bytes.as_slice())
            .read_to_end(&mut text)
            .map_err(|source| ViewError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        text
    } else {
        bytes
    };
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let features: Vec<RawFeature> = if first == Some(&b'[') {
        serde_json::from_slice(&bytes)
    } else {
        serde_json::from_slice::<RawCollection>(&bytes).map(|c| c.features)
    }
    .map_err(|e| invalid(path, format!("not a cell GeoJSON: {e}")))?;
    let mut shapes = Vec::with_capacity(features.len());
    let mut info = Vec::with_capacity(features.len());
    let mut classes: Vec<CellClass> = Vec::new();
    for feature in features {
        let outline = match feature.geometry.coordinates {
            RawCoordinates::Polygon(mut rings) if !rings.is_empty() => rings.swap_remove(0),
            RawCoordinates::MultiPolygon(mut polygons)
                if !polygons.is_empty() && !polygons[0].is_empty() =>
            {
                polygons.swap_remove(0).swap_remove(0)
            }
            _ => continue,
        };
        let class = feature
            .properties
            .classification
            .as_ref()
            .and_then(|c| qupath_geojson::PathClass::from_json(c).ok().flatten());
        let (name, colour) = match &class {
            Some(c) => (c.names().join(": "), c.color().unwrap_or([255, 255, 255])),
            None => ("Unclassified".to_owned(), [255, 255, 255]),
        };
        match classes.iter_mut().find(|c| c.name == name) {
            Some(c) => c.count += 1,
            None => classes.push(CellClass {
                name: name.clone(),
                colour,
                count: 1,
            }),
        }
        let [r, g, b] = colour;
        shapes.push(Shape {
            outline,
            stroke: [r, g, b, 255],
            fill: None,
        });
        info.push(CellInfo {
            class: name,
            measurements: feature.properties.measurements.into_iter().collect(),
            metadata: feature.properties.metadata.into_iter().collect(),
        });
    }
    classes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((shapes, info, classes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_are_read_with_their_score_colour() {
        let shapes =
            parse_patches("x,y,w,h,score\n0,0,512,512,2+\n512,0,512,512,0\n").expect("valid");
        assert_eq!(shapes.len(), 2);
        assert_eq!(shapes[0].fill, Some([245, 140, 30, 110]));
        assert_eq!(shapes[1].outline[1], [1024.0, 0.0]);
    }

    #[test]
    fn bad_patch_tables_are_refused_with_the_line() {
        let err = parse_patches("x,y,w,h,score\n0,zero,1,1,0\n").expect_err("bad number");
        assert!(err.contains("line 2") && err.contains('y'), "{err}");
        assert!(parse_patches("a,b\n").is_err());
    }

    #[test]
    fn cells_are_read_with_class_colour_and_measurements() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cells.geojson");
        std::fs::write(
            &path,
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Polygon",
            "coordinates":[[[0,0],[10,0],[10,10],[0,10],[0,0]]]},"properties":{"objectType":"cell",
            "classification":{"names":["Complete","2+"],"color":[250,120,30]},
            "measurements":{"Membrane: completeness":1.0}}}]}"#,
        )
        .expect("write");
        let (shapes, info, classes) = read_cells(&path).expect("reads");
        assert_eq!(shapes.len(), 1);
        assert_eq!(shapes[0].stroke, [250, 120, 30, 255]);
        assert_eq!(info[0].class, "Complete: 2+");
        assert_eq!(
            info[0].measurements,
            vec![("Membrane: completeness".to_owned(), 1.0)]
        );
        assert_eq!(classes[0].count, 1);
        std::fs::write(&path, "{\"features\": 3}").expect("write");
        let err = read_cells(&path).expect_err("not cells").to_string();
        assert!(err.contains("cells.geojson"), "{err}");
    }
}
