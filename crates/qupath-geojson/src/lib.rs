//! QuPath's GeoJSON object model, in one place for every her2 crate that writes or reads
//! GeoJSON (tissue pieces, tumour regions, cells, synthetic truth outlines, user ROIs and
//! annotations).
//!
//! QuPath (`qupath-core`, 0.4 to 0.6) reads a GeoJSON `Feature` as one object:
//!
//! - `id`: a UUID, kept as the object's id (anything else is replaced by a random one);
//! - `geometry`: the ROI; for a cell, the cell boundary, with the nucleus in a top-level
//!   `nucleusGeometry`;
//! - `properties.objectType`: `annotation`, `detection`, `cell`, `tile`, ... (missing:
//!   annotation);
//! - `properties.classification`: a string, or an object with `name` (or `names`, the parts of
//!   a derived class) and `color`; anything else throws and aborts the whole file;
//! - `properties.measurements`: numbers by name; `properties.metadata`: strings by name;
//!   `name`, `color`, `isLocked`; every other property is dropped.
//!
//! This crate builds such features ([`Feature`], [`PathClass`], [`Measurements`]) with ids that
//! are stable for a given slide and configuration ([`IdSpace`]: name-based UUIDs), checks a document against
//! those rules ([`conformance`]), and reads back every form QuPath writes ([`read`]): a
//! `FeatureCollection`, a bare array of features, a single `Feature` or geometry, gzipped or
//! not; classifications in all three forms; `Polygon` and `MultiPolygon` with holes.

mod class;
pub mod conformance;
mod error;
mod feature;
mod geometry;
mod ids;
pub mod read;

pub use class::{Intensity, PathClass};
pub use error::GeoJsonError;
pub use feature::{Feature, FeatureCollection, Geometry, Measurements, Metadata, ObjectType};
pub use geometry::Polygon;
pub use ids::{IdSpace, Uuid};
pub use read::{ReadFeature, read_features};
