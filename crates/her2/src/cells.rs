//! Cells placed on the slide: a patch's cells moved to level-0 coordinates, and their
//! QuPath-compatible GeoJSON (detections with measurements).

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Value, json};
use stain_features::{Cell, IntensityClass};
use wsi_io::Rect;

/// One cell in level-0 coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlideCell {
    /// Index of its patch in [`crate::SlideAnalysis::patches`].
    pub patch: usize,
    /// Centroid `[x, y]` (level-0 pixels).
    pub centroid: [f64; 2],
    /// Outline (level-0 pixels), closed implicitly.
    pub contour: Vec<[f64; 2]>,
    /// Area in square micrometres.
    pub area_um2: f64,
    /// Membrane completeness: stained fraction of the ring's angle.
    pub ring_coverage: f64,
    /// Membrane DAB optical density the intensity class was read from.
    pub membrane_dab_od: f64,
    /// Guideline intensity class.
    pub intensity: IntensityClass,
    /// Stained (positive) cell.
    pub positive: bool,
    /// Complete (circumferential) membrane.
    pub complete: bool,
}

impl SlideCell {
    /// The level-0 position of the point `[x, y]` of an image read at `rect` (level 0) whose
    /// pixels are `scale` level-0 pixels wide.
    pub fn level0([x, y]: [f64; 2], rect: &Rect, scale: f64) -> [f64; 2] {
        [rect.x as f64 + x * scale, rect.y as f64 + y * scale]
    }

    /// `cell` of the patch at `rect` (level 0), whose pixels are `scale` level-0 pixels wide.
    pub fn from_patch_cell(cell: &Cell, patch: usize, rect: &Rect, scale: f64) -> Self {
        let place = |x: f64, y: f64| Self::level0([x, y], rect, scale);
        Self {
            patch,
            centroid: place(cell.centroid[0], cell.centroid[1]),
            contour: cell
                .contour
                .iter()
                .map(|&[x, y]| place(f64::from(x), f64::from(y)))
                .collect(),
            area_um2: cell.area_um2,
            ring_coverage: cell.ring_coverage,
            membrane_dab_od: cell.membrane_dab_od,
            intensity: cell.intensity,
            positive: cell.positive,
            complete: cell.complete,
        }
    }

    /// The class QuPath shows: positive cells by intensity, complete membranes marked.
    pub fn classification(&self) -> &'static str {
        match (self.positive, self.complete, self.intensity) {
            (false, _, _) | (_, _, IntensityClass::None) => "Negative",
            (true, true, IntensityClass::Intense) => "Complete 3+",
            (true, true, IntensityClass::WeakModerate) => "Complete 2+",
            (true, true, IntensityClass::Faint) => "Complete 1+",
            (true, false, IntensityClass::Intense) => "Incomplete 3+",
            (true, false, IntensityClass::WeakModerate) => "Incomplete 2+",
            (true, false, IntensityClass::Faint) => "Incomplete 1+",
        }
    }
}

/// One cell as a GeoJSON Feature (a QuPath detection with measurements, level-0 pixels);
/// `None` for a cell whose contour is not a polygon.
fn cell_feature(c: &SlideCell) -> Option<Value> {
    if c.contour.len() < 3 {
        return None;
    }
    let mut ring: Vec<[f64; 2]> = c.contour.clone();
    ring.push(c.contour[0]);
    Some(json!({
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [ring]},
        "properties": {
            "objectType": "detection",
            "classification": {"name": c.classification()},
            "measurements": {
                "Area um^2": c.area_um2,
                "Membrane completeness": c.ring_coverage,
                "Membrane DAB OD": c.membrane_dab_od,
                "Positive": u8::from(c.positive),
                "Complete membrane": u8::from(c.complete),
            },
            "intensity": c.intensity,
        }
    }))
}

/// The cells as a GeoJSON FeatureCollection of QuPath detections (level-0 pixels) that
/// serializes one feature at a time: writing it with `serde_json::to_writer` needs memory for
/// one cell's feature, not for the whole collection (a 40k x 40k slide has ~10^5 cells, whose
/// `serde_json::Value` tree took 2 GB).
#[derive(Debug, Clone, Copy)]
pub struct CellsGeoJson<'a>(pub &'a [SlideCell]);

/// The `features` array of [`CellsGeoJson`], streamed.
struct CellFeatures<'a>(&'a [SlideCell]);

impl Serialize for CellFeatures<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().filter_map(cell_feature))
    }
}

impl Serialize for CellsGeoJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", "FeatureCollection")?;
        map.serialize_entry("features", &CellFeatures(self.0))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(positive: bool, complete: bool, intensity: IntensityClass) -> Cell {
        Cell {
            label: 1,
            area_px: 4,
            area_um2: 1.0,
            centroid: [1.0, 1.0],
            contour: vec![[0, 0], [2, 0], [2, 2], [0, 2]],
            ring_coverage: if complete { 1.0 } else { 0.3 },
            ring_mean_dab_od: 0.2,
            membrane_dab_od: 0.3,
            intensity,
            positive,
            complete,
        }
    }

    #[test]
    fn patch_cells_move_to_level0() {
        let rect = Rect::new(1000, 2000, 1024, 1024);
        let c =
            SlideCell::from_patch_cell(&cell(true, true, IntensityClass::Intense), 3, &rect, 2.0);
        assert_eq!(c.centroid, [1002.0, 2002.0]);
        assert_eq!(c.contour[2], [1004.0, 2004.0]);
        assert_eq!(c.patch, 3);
        assert_eq!(c.classification(), "Complete 3+");
    }

    #[test]
    fn geojson_has_closed_rings_and_measurements() {
        let rect = Rect::new(0, 0, 512, 512);
        let cells = vec![
            SlideCell::from_patch_cell(&cell(false, false, IntensityClass::None), 0, &rect, 1.0),
            SlideCell::from_patch_cell(&cell(true, false, IntensityClass::Faint), 0, &rect, 1.0),
        ];
        let g = serde_json::to_value(CellsGeoJson(&cells)).unwrap();
        let features = g["features"].as_array().unwrap();
        assert_eq!(features.len(), 2);
        let ring = features[1]["geometry"]["coordinates"][0]
            .as_array()
            .unwrap();
        assert_eq!(ring.first(), ring.last());
        assert_eq!(
            features[0]["properties"]["classification"]["name"],
            "Negative"
        );
        assert_eq!(
            features[1]["properties"]["classification"]["name"],
            "Incomplete 1+"
        );
        assert_eq!(features[1]["properties"]["measurements"]["Positive"], 1);
    }
}
