//! Cells placed on the slide: a patch's cells moved to level-0 coordinates, and their GeoJSON
//! as QuPath cell objects (cell boundary, nucleus, intensity class, measurements).

use qupath_geojson::{
    Feature, FeatureCollection, Geometry, IdSpace, Intensity, Measurements, Metadata, ObjectType,
    PathClass, Polygon,
};
use serde::{Deserialize, Serialize, Serializer};
use stain_features::{Cell, IntensityClass};
use wsi_io::Rect;

/// One cell in level-0 coordinates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlideCell {
    /// Index of its patch in [`crate::SlideAnalysis::patches`].
    pub patch: usize,
    /// Centroid `[x, y]` (level-0 pixels).
    pub centroid: [f64; 2],
    /// Nucleus outline (level-0 pixels), closed implicitly.
    pub contour: Vec<[f64; 2]>,
    /// Cell boundary (level-0 pixels), closed implicitly: the nucleus with its membrane ring,
    /// as far as the ring reaches and no further than the neighbouring cells' space (what the
    /// membrane measurements are taken over; `stain_features::membrane::cell_regions`).
    #[serde(default)]
    pub boundary: Vec<[f64; 2]>,
    /// Nucleus area in square micrometres.
    pub area_um2: f64,
    /// Membrane completeness: stained fraction of the ring's angle.
    pub ring_coverage: f64,
    /// Mean DAB optical density over the membrane ring.
    #[serde(default)]
    pub ring_mean_dab_od: f64,
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
        let place = |points: &[[u32; 2]]| -> Vec<[f64; 2]> {
            points
                .iter()
                .map(|&[x, y]| Self::level0([f64::from(x), f64::from(y)], rect, scale))
                .collect()
        };
        Self {
            patch,
            centroid: Self::level0(cell.centroid, rect, scale),
            contour: place(&cell.contour),
            boundary: place(&cell.boundary),
            area_um2: cell.area_um2,
            ring_coverage: cell.ring_coverage,
            ring_mean_dab_od: cell.ring_mean_dab_od,
            membrane_dab_od: cell.membrane_dab_od,
            intensity: cell.intensity,
            positive: cell.positive,
            complete: cell.complete,
        }
    }

    /// The intensity QuPath reads from the cell's class: `Negative` for an unstained cell (or
    /// a stained one whose membrane reads below faint), else 1+ (faint), 2+ (weak to moderate)
    /// or 3+ (intense).
    pub fn qupath_intensity(&self) -> Intensity {
        match (self.positive, self.intensity) {
            (false, _) | (_, IntensityClass::None) => Intensity::Negative,
            (true, IntensityClass::Faint) => Intensity::OnePlus,
            (true, IntensityClass::WeakModerate) => Intensity::TwoPlus,
            (true, IntensityClass::Intense) => Intensity::ThreePlus,
        }
    }

    /// The class QuPath shows: `Negative`, or a derived class whose base is the membrane's
    /// completeness and whose last part is QuPath's intensity class (`Complete: 2+`,
    /// `Incomplete: 1+`), so QuPath counts 1+ / 2+ / 3+ cells and computes its H-score.
    /// Incomplete membranes have the lighter colour of their intensity.
    pub fn path_class(&self) -> PathClass {
        let intensity = self.qupath_intensity();
        let colour = match intensity {
            Intensity::Negative => return PathClass::new("Negative", [112, 112, 225]),
            Intensity::OnePlus => [255, 215, 0],
            Intensity::TwoPlus => [225, 150, 50],
            Intensity::ThreePlus | Intensity::Positive => [200, 50, 50],
        };
        if self.complete {
            PathClass::derived(&["Complete", intensity.name()], colour)
        } else {
            let lighter = colour.map(|c| ((u16::from(c) + 255) / 2) as u8);
            PathClass::derived(&["Incomplete", intensity.name()], lighter)
        }
    }

    /// The cell as a QuPath cell object: the cell boundary as geometry (the nucleus when no
    /// boundary was traced), the nucleus as `nucleusGeometry`, [`SlideCell::path_class`], the
    /// numbers as measurements and the intensity class as metadata; id `cell/<index>@<x>,<y>`
    /// in `ids`. `None` for a cell whose nucleus outline is not a polygon.
    pub fn feature(&self, ids: &IdSpace, index: usize) -> Option<Feature> {
        let nucleus = Polygon::from_points(&self.contour);
        if !nucleus.is_valid() {
            return None;
        }
        let boundary = Polygon::from_points(&self.boundary);
        let cell = if boundary.is_valid() {
            boundary
        } else {
            nucleus.clone()
        };
        let [x, y] = self.centroid;
        let intensity = serde_json::to_value(self.intensity)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        Some(
            Feature::new(
                ids.id("cell", format_args!("{index}@{x:.1},{y:.1}")),
                ObjectType::Cell,
                Geometry::Polygon(cell),
            )
            .with_nucleus(Geometry::Polygon(nucleus))
            .classified(self.path_class())
            .with_measurements(
                Measurements::new()
                    .add("Nucleus: Area µm^2", self.area_um2)
                    .add("Membrane: DAB OD mean", self.ring_mean_dab_od)
                    .add("Membrane: DAB OD sector peak median", self.membrane_dab_od)
                    .add("Membrane: completeness", self.ring_coverage)
                    .add("Membrane: positive", f64::from(u8::from(self.positive)))
                    .add("Membrane: complete", f64::from(u8::from(self.complete)))
                    .add("Patch index", self.patch as f64),
            )
            .with_metadata(Metadata::new().add("HER2 membrane intensity", intensity)),
        )
    }
}

/// The cells as a GeoJSON FeatureCollection of QuPath cell objects (level-0 pixels, ids from
/// `ids`) that serializes one feature at a time: writing it with `serde_json::to_writer` needs
/// memory for one cell's feature, not for the whole collection (a 40k x 40k slide has ~10^5
/// cells, whose `serde_json::Value` tree took 2 GB).
#[derive(Debug, Clone, Copy)]
pub struct CellsGeoJson<'a> {
    /// The cells.
    pub cells: &'a [SlideCell],
    /// Where their ids come from (the slide and the configuration).
    pub ids: IdSpace,
}

impl Serialize for CellsGeoJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        FeatureCollection(|| {
            self.cells
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.feature(&self.ids, i))
        })
        .serialize(serializer)
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
            boundary: vec![[0, 0], [6, 0], [6, 6], [0, 6]],
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
        assert_eq!(c.boundary[2], [1012.0, 2012.0]);
        assert_eq!(c.patch, 3);
        assert_eq!(c.path_class().to_string(), "Complete: 3+");
    }

    #[test]
    fn classes_are_qupath_intensity_classes() {
        let rect = Rect::new(0, 0, 8, 8);
        let class =
            |p, c, i| SlideCell::from_patch_cell(&cell(p, c, i), 0, &rect, 1.0).path_class();
        assert_eq!(
            class(false, false, IntensityClass::None).names(),
            ["Negative"]
        );
        assert_eq!(
            class(true, false, IntensityClass::None).names(),
            ["Negative"]
        );
        let faint = class(true, false, IntensityClass::Faint);
        assert_eq!(faint.names(), ["Incomplete", "1+"]);
        assert_eq!(faint.intensity(), Some(Intensity::OnePlus));
        assert_eq!(
            class(true, true, IntensityClass::WeakModerate).to_string(),
            "Complete: 2+"
        );
    }

    #[test]
    fn geojson_is_qupath_cells_with_boundary_nucleus_and_measurements() {
        let rect = Rect::new(0, 0, 512, 512);
        let cells = vec![
            SlideCell::from_patch_cell(&cell(false, false, IntensityClass::None), 0, &rect, 1.0),
            SlideCell::from_patch_cell(&cell(true, false, IntensityClass::Faint), 0, &rect, 1.0),
        ];
        let ids = IdSpace::new(&["sha", "config"]);
        let g = serde_json::to_value(CellsGeoJson { cells: &cells, ids }).unwrap();
        assert_eq!(
            qupath_geojson::conformance::violations(&g),
            Vec::<String>::new()
        );
        let features = g["features"].as_array().unwrap();
        assert_eq!(features.len(), 2);
        let f = &features[1];
        assert_eq!(f["properties"]["objectType"], "cell");
        assert_eq!(
            f["geometry"]["coordinates"][0][2],
            serde_json::json!([6.0, 6.0])
        );
        assert_eq!(
            f["nucleusGeometry"]["coordinates"][0][2],
            serde_json::json!([2.0, 2.0])
        );
        assert_eq!(
            f["properties"]["classification"]["names"],
            serde_json::json!(["Incomplete", "1+"])
        );
        let m = &f["properties"]["measurements"];
        assert_eq!(m["Nucleus: Area µm^2"], 1.0);
        assert_eq!(m["Membrane: completeness"], 0.3);
        assert_eq!(m["Membrane: DAB OD mean"], 0.2);
        assert_eq!(
            f["properties"]["metadata"]["HER2 membrane intensity"],
            "faint"
        );
        assert_eq!(
            features[0]["properties"]["classification"]["name"],
            "Negative"
        );
        // The same cells and id space give the same ids; another configuration others.
        let again = serde_json::to_value(CellsGeoJson { cells: &cells, ids }).unwrap();
        assert_eq!(again, g);
        let other = CellsGeoJson {
            cells: &cells,
            ids: IdSpace::new(&["sha", "other"]),
        };
        assert_ne!(
            serde_json::to_value(other).unwrap()["features"][0]["id"],
            f["id"]
        );
        assert_ne!(features[0]["id"], f["id"]);
    }
}
