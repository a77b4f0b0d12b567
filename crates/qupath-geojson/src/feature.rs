//! QuPath objects as GeoJSON features, and collections of them (streamed).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Map, Value, json};

use crate::class::PathClass;
use crate::geometry::Polygon;
use crate::ids::Uuid;

/// The kind of QuPath object a feature becomes (`properties.objectType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// An annotation: a region drawn or imported (tissue pieces, tumour regions).
    Annotation,
    /// A detection without a nucleus.
    Detection,
    /// A cell: the cell boundary as geometry and the nucleus as `nucleusGeometry`.
    Cell,
    /// A tile.
    Tile,
}

impl ObjectType {
    /// The `objectType` value QuPath writes and reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Annotation => "annotation",
            Self::Detection => "detection",
            Self::Cell => "cell",
            Self::Tile => "tile",
        }
    }
}

/// A geometry QuPath reads as a ROI.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    /// One polygon (with holes).
    Polygon(Polygon),
    /// Several polygons (each with holes).
    MultiPolygon(Vec<Polygon>),
}

impl Geometry {
    /// The GeoJSON geometry object, rings closed.
    pub fn to_json(&self) -> Value {
        match self {
            Self::Polygon(p) => json!({"type": "Polygon", "coordinates": p.coordinates()}),
            Self::MultiPolygon(ps) => json!({
                "type": "MultiPolygon",
                "coordinates": ps.iter().map(Polygon::coordinates).collect::<Vec<_>>(),
            }),
        }
    }

    /// One polygon, or a multipolygon for several (`None` for none).
    pub fn from_polygons(mut polygons: Vec<Polygon>) -> Option<Self> {
        match polygons.len() {
            0 => None,
            1 => polygons.pop().map(Self::Polygon),
            _ => Some(Self::MultiPolygon(polygons)),
        }
    }
}

/// Measurements by name, in the order added: what QuPath shows in its measurement tables.
/// Values that are not finite are left out (JSON has no NaN; QuPath shows a missing
/// measurement as NaN anyway).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Measurements(Vec<(String, f64)>);

impl Measurements {
    /// No measurements.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `name = value` (skipped when `value` is not finite).
    pub fn add(mut self, name: impl Into<String>, value: f64) -> Self {
        if value.is_finite() {
            self.0.push((name.into(), value));
        }
        self
    }

    /// The measurements, in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f64)> {
        self.0.iter().map(|(n, v)| (n.as_str(), *v))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(n, v)| (n.clone(), Value::from(*v)))
                .collect(),
        )
    }
}

/// Text values by key (QuPath's object metadata), in the order added.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Metadata(Vec<(String, String)>);

impl Metadata {
    /// No metadata.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key = value`.
    pub fn add(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.0.push((key.into(), value.into()));
        self
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn to_json(&self) -> Value {
        Value::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Value::from(v.as_str())))
                .collect(),
        )
    }
}

/// One QuPath object as a GeoJSON feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Feature {
    /// The object's id (kept by QuPath because it is a UUID).
    pub id: Uuid,
    /// What QuPath makes of it.
    pub object_type: ObjectType,
    /// The ROI; for a cell, the cell boundary.
    pub geometry: Geometry,
    /// A cell's nucleus (written only for [`ObjectType::Cell`]).
    pub nucleus: Option<Geometry>,
    /// The object's name.
    pub name: Option<String>,
    /// The classification.
    pub class: Option<PathClass>,
    /// Numbers.
    pub measurements: Measurements,
    /// Text.
    pub metadata: Metadata,
}

impl Feature {
    /// A feature with only an id, a type and a geometry.
    pub fn new(id: Uuid, object_type: ObjectType, geometry: Geometry) -> Self {
        Self {
            id,
            object_type,
            geometry,
            nucleus: None,
            name: None,
            class: None,
            measurements: Measurements::new(),
            metadata: Metadata::new(),
        }
    }

    /// With a name.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// With a classification.
    pub fn classified(mut self, class: PathClass) -> Self {
        self.class = Some(class);
        self
    }

    /// With a nucleus (cells).
    pub fn with_nucleus(mut self, nucleus: Geometry) -> Self {
        self.nucleus = Some(nucleus);
        self
    }

    /// With measurements.
    pub fn with_measurements(mut self, measurements: Measurements) -> Self {
        self.measurements = measurements;
        self
    }

    /// With metadata.
    pub fn with_metadata(mut self, metadata: Metadata) -> Self {
        self.metadata = metadata;
        self
    }

    /// The feature as QuPath writes one: `type`, `id`, `geometry`, `nucleusGeometry` (cells),
    /// and `properties` with `objectType`, `name`, `classification`, `measurements` and
    /// `metadata`.
    pub fn to_json(&self) -> Value {
        let mut properties = Map::new();
        properties.insert("objectType".into(), self.object_type.as_str().into());
        if let Some(name) = &self.name {
            properties.insert("name".into(), name.as_str().into());
        }
        if let Some(class) = &self.class {
            properties.insert("classification".into(), class.to_json());
        }
        if !self.measurements.is_empty() {
            properties.insert("measurements".into(), self.measurements.to_json());
        }
        if !self.metadata.is_empty() {
            properties.insert("metadata".into(), self.metadata.to_json());
        }
        let mut feature = Map::new();
        feature.insert("type".into(), "Feature".into());
        feature.insert("id".into(), self.id.to_string().into());
        feature.insert("geometry".into(), self.geometry.to_json());
        if self.object_type == ObjectType::Cell
            && let Some(nucleus) = &self.nucleus
        {
            feature.insert("nucleusGeometry".into(), nucleus.to_json());
        }
        feature.insert("properties".into(), Value::Object(properties));
        Value::Object(feature)
    }
}

impl Serialize for Feature {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(serializer)
    }
}

/// A `FeatureCollection` whose features are made one at a time while it is written: `make`
/// returns a fresh iterator of features each time it is called. Writing it with
/// `serde_json::to_writer` holds one feature in memory, not the whole collection (a slide has
/// ~10^5 cells, whose `serde_json::Value` tree took 2 GB).
pub struct FeatureCollection<F>(pub F);

impl<F, I> FeatureCollection<F>
where
    F: Fn() -> I,
    I: IntoIterator<Item = Feature>,
{
    /// The whole collection as a JSON value (for small collections and tests).
    pub fn to_json(&self) -> Value {
        json!({
            "type": "FeatureCollection",
            "features": (self.0)().into_iter().map(|f| f.to_json()).collect::<Vec<_>>(),
        })
    }
}

/// The features of a [`FeatureCollection`], streamed.
struct Streamed<'a, F>(&'a F);

impl<F, I> Serialize for Streamed<'_, F>
where
    F: Fn() -> I,
    I: IntoIterator<Item = Feature>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

impl<F, I> Serialize for FeatureCollection<F>
where
    F: Fn() -> I,
    I: IntoIterator<Item = Feature>,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(2))?;
        map.serialize_entry("type", "FeatureCollection")?;
        map.serialize_entry("features", &Streamed(&self.0))?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::IdSpace;

    fn square() -> Polygon {
        Polygon::new(vec![(0.0, 0.0), (4.0, 0.0), (4.0, 4.0), (0.0, 4.0)])
    }

    #[test]
    fn a_cell_carries_its_nucleus_and_properties_qupath_knows() {
        let ids = IdSpace::new(&["slide"]);
        let cell = Feature::new(
            ids.id("cell", 0),
            ObjectType::Cell,
            Geometry::Polygon(square()),
        )
        .with_nucleus(Geometry::Polygon(square()))
        .classified(PathClass::derived(&["Complete", "3+"], [200, 50, 50]))
        .with_measurements(
            Measurements::new()
                .add("Nucleus: Area µm^2", 30.0)
                .add("Skipped", f64::NAN),
        )
        .with_metadata(Metadata::new().add("HER2 intensity", "intense"));
        let v = cell.to_json();
        assert_eq!(v["properties"]["objectType"], "cell");
        assert_eq!(v["nucleusGeometry"]["type"], "Polygon");
        assert_eq!(v["properties"]["measurements"]["Nucleus: Area µm^2"], 30.0);
        assert!(v["properties"]["measurements"].get("Skipped").is_none());
        assert_eq!(v["properties"]["metadata"]["HER2 intensity"], "intense");
        assert_eq!(v["id"], ids.id("cell", 0).to_string());
        let annotation = Feature::new(
            ids.id("x", 1),
            ObjectType::Annotation,
            Geometry::Polygon(square()),
        )
        .with_nucleus(Geometry::Polygon(square()));
        assert!(annotation.to_json().get("nucleusGeometry").is_none());
    }

    #[test]
    fn streamed_collection_equals_the_value() {
        let ids = IdSpace::new(&["s"]);
        let make = || {
            (0..3).map(|i| {
                Feature::new(
                    ids.id("t", i),
                    ObjectType::Detection,
                    Geometry::Polygon(square()),
                )
            })
        };
        let c = FeatureCollection(make);
        let streamed: Value = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        assert_eq!(streamed, c.to_json());
        assert_eq!(streamed["features"].as_array().unwrap().len(), 3);
    }
}
