//! Truth masks (rasterised outlines at any downsample) and GeoJSON outlines in level-0 pixels.

use image::{GrayImage, Luma};
use qupath_geojson::{Feature, FeatureCollection, Geometry, IdSpace, ObjectType, PathClass, Uuid};
use serde_json::Value;

use crate::geometry::Polygon;
use crate::slide::SyntheticSlide;

/// Rasterises polygons: a pixel of the `ds`-downsampled mask is 255 when its centre lies
/// inside one of them.
fn rasterise<'a>(
    width: u32,
    height: u32,
    ds: f64,
    polygons: impl Iterator<Item = &'a Polygon> + Clone,
) -> GrayImage {
    let ds = if ds.is_finite() && ds > 0.0 { ds } else { 1.0 };
    let w = ((width as f64 / ds).ceil() as u32).max(1);
    let h = ((height as f64 / ds).ceil() as u32).max(1);
    let mut mask = GrayImage::new(w, h);
    let mut xs = Vec::new();
    for j in 0..h {
        let y = (j as f64 + 0.5) * ds;
        xs.clear();
        for p in polygons.clone() {
            p.crossings(y, &mut xs);
        }
        xs.sort_unstable_by(f64::total_cmp);
        for span in xs.chunks_exact(2) {
            let i0 = (span[0] / ds - 0.5).ceil().max(0.0) as u32;
            let i1 = (span[1] / ds - 0.5).ceil().clamp(0.0, w as f64) as u32;
            for i in i0..i1 {
                mask.put_pixel(i, j, Luma([255]));
            }
        }
    }
    mask
}

/// One truth outline as a QuPath annotation of class `name`, coordinates rounded to 0.01 px.
fn feature(id: Uuid, polygon: &Polygon, class: PathClass) -> Feature {
    let ring = polygon
        .points()
        .iter()
        .map(|&(x, y)| ((x * 100.0).round() / 100.0, (y * 100.0).round() / 100.0))
        .collect();
    Feature::new(
        id,
        ObjectType::Annotation,
        Geometry::Polygon(qupath_geojson::Polygon::new(ring)),
    )
    .classified(class)
}

impl SyntheticSlide {
    /// Patient and control tissue as a mask downsampled by `downsample` (255 = tissue).
    pub fn tissue_mask(&self, downsample: f64) -> GrayImage {
        rasterise(
            self.cfg.width,
            self.cfg.height,
            downsample,
            self.layout.tissue(),
        )
    }

    /// Patient tumour regions (nests and their intervening stroma; the control piece is
    /// excluded) downsampled by `downsample` (255 = tumour).
    pub fn tumor_mask(&self, downsample: f64) -> GrayImage {
        rasterise(
            self.cfg.width,
            self.cfg.height,
            downsample,
            self.layout.tumours.iter(),
        )
    }

    /// The control piece downsampled by `downsample` (all zero when there is none).
    pub fn control_mask(&self, downsample: f64) -> GrayImage {
        rasterise(
            self.cfg.width,
            self.cfg.height,
            downsample,
            self.layout.control.iter(),
        )
    }

    /// Whether the level-0 point (x, y) is patient tumour region.
    pub fn is_tumour_at(&self, x: f64, y: f64) -> bool {
        self.layout.tumours.iter().any(|p| p.contains(x, y))
    }

    /// Whether the level-0 point (x, y) is tissue (patient or control).
    pub fn is_tissue_at(&self, x: f64, y: f64) -> bool {
        self.layout.tissue().any(|p| p.contains(x, y))
    }

    /// Whether the square (x, y, size) overlaps the control piece's bounding box.
    pub(crate) fn truth_control_overlaps(&self, x: u32, y: u32, size: u32) -> bool {
        self.layout.control.as_ref().is_some_and(|c| {
            let (x0, y0, x1, y1) = (x as f64, y as f64, (x + size) as f64, (y + size) as f64);
            x1 > c.bbox[0] && x0 < c.bbox[2] && y1 > c.bbox[1] && y0 < c.bbox[3]
        })
    }

    /// Outlines as QuPath annotations in a GeoJSON FeatureCollection in level-0 pixels,
    /// classified `Tissue`, `Tumor` and `Control`, ids stable for the configuration (seed
    /// included).
    pub fn outlines_geojson(&self) -> Value {
        let config = serde_json::to_string(&self.cfg).unwrap_or_default();
        let ids = IdSpace::new(&["ihc-synth outlines", config.as_str()]);
        let layout = &self.layout;
        let features = || {
            let pieces = layout.pieces.iter().enumerate().map(|(i, p)| {
                feature(
                    ids.id("tissue", i),
                    p,
                    PathClass::new("Tissue", [80, 80, 200]),
                )
            });
            let tumours =
                layout.tumours.iter().enumerate().map(|(i, p)| {
                    feature(ids.id("tumor", i), p, PathClass::new("Tumor", [200, 0, 0]))
                });
            let control = layout.control.iter().enumerate().map(|(i, p)| {
                feature(
                    ids.id("control", i),
                    p,
                    PathClass::new("Control", [0, 160, 0]),
                )
            });
            pieces.chain(tumours).chain(control)
        };
        FeatureCollection(features).to_json()
    }
}
