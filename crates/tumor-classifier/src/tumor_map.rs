//! [`TumorMap`]: tumour probability per grid cell over a slide, and what is made from it: the
//! thresholded [`TumorMask`] (small regions removed), a heatmap over the thumbnail (the
//! paper's Fig. 5c), a per-cell CSV and tumour outlines as GeoJSON.

use std::path::Path;

use her2_plot::{ColourBar, with_colour_bar};
use image::{Rgb, RgbImage};
use qupath_geojson::{
    Feature, FeatureCollection, Geometry, IdSpace, Measurements, ObjectType, PathClass, Polygon,
};
use serde::{Deserialize, Serialize};

use crate::atomic::{save_image_atomic, write_atomic};
use crate::error::{ClassifierError, Result};
use crate::geometry::{Bitmap, GridGeometry, Rect};
use crate::outline::{components, outline};

/// How probabilities become a tumour mask.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MaskConfig {
    /// A cell is tumour when its probability is at least this. Default 0.5 (argmax of two
    /// classes; the paper does not state its threshold).
    pub threshold: f32,
    /// Tumour regions (4-connected) of fewer cells than this are dropped. Default 2: a lone
    /// 128 um patch is more often a false positive than a tumour focus.
    pub min_region_cells: usize,
}

impl Default for MaskConfig {
    fn default() -> Self {
        Self {
            threshold: 0.5,
            min_region_cells: 2,
        }
    }
}

/// Tumour probabilities on a slide's patch grid; `None` where no patch was classified
/// (background, not tissue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TumorMap {
    /// The grid the probabilities live on.
    pub geometry: GridGeometry,
    /// Row-major probabilities, `geometry.len()` of them.
    pub probabilities: Vec<Option<f32>>,
    /// Which model produced them ([`TumorModel::id`](crate::TumorModel::id)).
    pub model_id: String,
}

/// A thresholded [`TumorMap`]: which grid cells are tumour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TumorMask {
    /// The grid.
    pub geometry: GridGeometry,
    /// One entry per cell (row-major), `true` = tumour; also a raster at downsample
    /// `geometry.cell_size`.
    pub cells: Bitmap,
}

impl TumorMap {
    /// Checks that there is one probability per cell, each in [0, 1].
    pub fn new(
        geometry: GridGeometry,
        probabilities: Vec<Option<f32>>,
        model_id: impl Into<String>,
    ) -> Result<Self> {
        if probabilities.len() != geometry.len() {
            return Err(ClassifierError::Input(format!(
                "{} probabilities for a grid of {} cells",
                probabilities.len(),
                geometry.len()
            )));
        }
        if let Some(bad) = probabilities
            .iter()
            .flatten()
            .find(|p| !(0.0..=1.0).contains(*p))
        {
            return Err(ClassifierError::Input(format!(
                "tumour probability {bad} is outside [0, 1]"
            )));
        }
        Ok(Self {
            geometry,
            probabilities,
            model_id: model_id.into(),
        })
    }

    /// The probability of cell (`col`, `row`), `None` outside the grid or where not classified.
    pub fn get(&self, col: u32, row: u32) -> Option<f32> {
        if col >= self.geometry.cols || row >= self.geometry.rows {
            return None;
        }
        self.probabilities[self.geometry.index(col, row)]
    }

    /// Number of classified (tissue) cells.
    pub fn classified_cells(&self) -> usize {
        self.probabilities.iter().flatten().count()
    }

    /// Threshold and clean up into a [`TumorMask`].
    pub fn tumor_mask(&self, config: &MaskConfig) -> TumorMask {
        let g = self.geometry;
        let mut cells: Vec<bool> = self
            .probabilities
            .iter()
            .map(|p| p.is_some_and(|p| p >= config.threshold))
            .collect();
        for component in components(&cells, g.cols as usize, g.rows as usize) {
            if component.len() < config.min_region_cells {
                for i in component {
                    cells[i] = false;
                }
            }
        }
        TumorMask {
            geometry: g,
            cells: Bitmap {
                width: g.cols,
                height: g.rows,
                downsample: g.cell_size as f64,
                bits: cells,
            },
        }
    }

    /// The heatmap over `thumbnail` (which shows the whole slide at `thumbnail_downsample`
    /// level-0 pixels per pixel): classified cells tinted with the turbo colour map
    /// (blue = 0, red = 1) at `alpha`, the rest left as is.
    pub fn heatmap(&self, thumbnail: &RgbImage, thumbnail_downsample: f64, alpha: f32) -> RgbImage {
        let mut out = thumbnail.clone();
        let scale = thumbnail_downsample / self.geometry.cell_size as f64;
        for (x, y, pixel) in out.enumerate_pixels_mut() {
            let gx = (f64::from(x) + 0.5) * scale
                - self.geometry.x0 as f64 / self.geometry.cell_size as f64;
            let gy = (f64::from(y) + 0.5) * scale
                - self.geometry.y0 as f64 / self.geometry.cell_size as f64;
            if gx < 0.0 || gy < 0.0 {
                continue;
            }
            if let Some(p) = self.get(gx as u32, gy as u32) {
                let c = colorous::TURBO.eval_continuous(f64::from(p));
                let blend =
                    |a: u8, b: u8| (f32::from(a) * (1.0 - alpha) + f32::from(b) * alpha) as u8;
                *pixel = Rgb([
                    blend(pixel[0], c.r),
                    blend(pixel[1], c.g),
                    blend(pixel[2], c.b),
                ]);
            }
        }
        out
    }

    /// Writes [`heatmap`](Self::heatmap) as a PNG figure (atomically), with a colour bar of
    /// the probability on its right (the heatmap alone, for layering over the slide, is
    /// [`heatmap`](Self::heatmap)).
    pub fn write_heatmap_png(
        &self,
        path: &Path,
        thumbnail: &RgbImage,
        thumbnail_downsample: f64,
    ) -> Result<()> {
        let img = self.heatmap(thumbnail, thumbnail_downsample, 0.5);
        let turbo = |v: f64| {
            let c = colorous::TURBO.eval_continuous(v.clamp(0.0, 1.0));
            Rgb([c.r, c.g, c.b])
        };
        let bar = ColourBar {
            colour: &turbo,
            title: "Tumour probability".into(),
            ticks: ["0", "0.25", "0.5", "0.75", "1"].map(String::from),
        };
        let figure = with_colour_bar(&img, &bar).map_err(|source| ClassifierError::Figure {
            path: path.to_path_buf(),
            source,
        })?;
        save_image_atomic(&image::DynamicImage::ImageRgb8(figure), path)
    }

    /// Writes one CSV row per classified cell: `col,row,x,y,size,probability` (level-0 px).
    pub fn write_csv(&self, path: &Path) -> Result<()> {
        write_atomic(path, |w| {
            writeln!(w, "col,row,x,y,size,probability")?;
            for (i, p) in self.probabilities.iter().enumerate() {
                if let Some(p) = p {
                    let (col, row) = self.geometry.cell_of(i);
                    let r = self.geometry.cell_rect(col, row);
                    writeln!(w, "{col},{row},{},{},{},{p:.6}", r.x, r.y, r.w)?;
                }
            }
            Ok(())
        })
    }
}

impl TumorMask {
    /// Whether cell (`col`, `row`) is tumour.
    pub fn is_tumor(&self, col: u32, row: u32) -> bool {
        self.cells.get(i64::from(col), i64::from(row))
    }

    /// Number of tumour cells.
    pub fn tumor_cells(&self) -> usize {
        self.cells.bits.iter().filter(|b| **b).count()
    }

    /// Level-0 rectangles of the tumour cells, in raster order.
    pub fn tumor_rects(&self) -> Vec<Rect> {
        self.cells
            .bits
            .iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .map(|(i, _)| {
                let (c, r) = self.geometry.cell_of(i);
                self.geometry.cell_rect(c, r)
            })
            .collect()
    }

    /// Fraction of the level-0 rectangle `rect` that is tumour (for choosing the 512 px
    /// feature patches of stage 3).
    pub fn fraction(&self, rect: Rect) -> f64 {
        let g = self.geometry;
        let (right, bottom) = (rect.right(), rect.bottom());
        if right <= g.x0 || bottom <= g.y0 {
            return 0.0;
        }
        // Shift into grid coordinates, clipping the part left of / above the grid.
        let x = rect.x.max(g.x0);
        let y = rect.y.max(g.y0);
        let inside = self
            .cells
            .fraction(Rect::new(x - g.x0, y - g.y0, right - x, bottom - y));
        inside * ((right - x) * (bottom - y)) as f64 / rect.area().max(1) as f64
    }

    /// The tumour regions as QuPath annotations in a GeoJSON FeatureCollection: the
    /// [`features`](Self::features) of the mask.
    pub fn to_geojson(&self, ids: &IdSpace) -> serde_json::Value {
        let features = self.features(ids);
        FeatureCollection(|| features.iter().cloned()).to_json()
    }

    /// The tumour regions as QuPath annotations (level-0 pixels, class `Tumor`, one polygon
    /// with holes per connected region, the region's size in grid cells as the measurement
    /// `Tumor grid cells`), ids from `ids` (`tumor-region/<index>`); a caller that knows more
    /// about the regions adds measurements before writing them.
    pub fn features(&self, ids: &IdSpace) -> Vec<Feature> {
        let g = self.geometry;
        let size = g.cell_size as f64;
        let (x0, y0) = (g.x0 as f64, g.y0 as f64);
        let to_points = |ring: &[(i64, i64)]| -> Vec<(f64, f64)> {
            ring.iter()
                .map(|&(c, r)| (x0 + c as f64 * size, y0 + r as f64 * size))
                .collect()
        };
        components(&self.cells.bits, g.cols as usize, g.rows as usize)
            .iter()
            .enumerate()
            .map(|(i, component)| {
                let (exterior, holes) = outline(component, g.cols as usize);
                let polygon = Polygon {
                    exterior: to_points(&exterior),
                    holes: holes.iter().map(|h| to_points(h)).collect(),
                };
                Feature::new(
                    ids.id("tumor-region", i),
                    ObjectType::Annotation,
                    Geometry::Polygon(polygon),
                )
                .classified(PathClass::new("Tumor", [200, 0, 0]))
                .with_measurements(
                    Measurements::new().add("Tumor grid cells", component.len() as f64),
                )
            })
            .collect()
    }

    /// Writes [`to_geojson`](Self::to_geojson) to `path` (atomically).
    pub fn write_geojson(&self, path: &Path, ids: &IdSpace) -> Result<()> {
        let value = self.to_geojson(ids);
        write_atomic(path, |w| {
            serde_json::to_writer(&mut *w, &value).map_err(std::io::Error::other)
        })
    }

    /// The mask as a black/white PNG, one pixel per cell (atomically).
    pub fn write_png(&self, path: &Path) -> Result<()> {
        let img = image::GrayImage::from_fn(self.cells.width, self.cells.height, |x, y| {
            image::Luma([if self.is_tumor(x, y) { 255 } else { 0 }])
        });
        save_image_atomic(&image::DynamicImage::ImageLuma8(img), path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::annotation::polygons_from_geojson;

    fn map() -> TumorMap {
        // 4 x 3 grid of 100 px cells:
        // .9 .8  -  .1
        // .7 .2  -  .95
        //  - .1 .1  .3
        let g = GridGeometry::with_cell_size(400, 300, 100).unwrap();
        let p = [
            Some(0.9),
            Some(0.8),
            None,
            Some(0.1),
            Some(0.7),
            Some(0.2),
            None,
            Some(0.95),
            None,
            Some(0.1),
            Some(0.1),
            Some(0.3),
        ];
        TumorMap::new(g, p.to_vec(), "test").unwrap()
    }

    #[test]
    fn threshold_and_small_region_removal() {
        let m = map();
        assert_eq!(m.classified_cells(), 9);
        let mask = m.tumor_mask(&MaskConfig::default());
        assert_eq!(mask.tumor_cells(), 3, "the lone 0.95 cell is dropped");
        assert!(mask.is_tumor(0, 0) && mask.is_tumor(1, 0) && mask.is_tumor(0, 1));
        assert!(!mask.is_tumor(3, 1));
        let keep_all = m.tumor_mask(&MaskConfig {
            threshold: 0.5,
            min_region_cells: 1,
        });
        assert!(keep_all.is_tumor(3, 1));
        assert_eq!(mask.fraction(Rect::new(0, 0, 200, 200)), 0.75);
        assert_eq!(mask.tumor_rects()[1], Rect::new(100, 0, 100, 100));
    }

    #[test]
    fn geojson_outlines_read_back_as_the_same_area() {
        let mask = map().tumor_mask(&MaskConfig::default());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tumour.geojson");
        let ids = IdSpace::new(&["slide"]);
        mask.write_geojson(&path, &ids).unwrap();
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(
            qupath_geojson::conformance::violations(&written),
            Vec::<String>::new()
        );
        assert_eq!(
            written["features"][0]["id"],
            ids.id("tumor-region", 0).to_string()
        );
        let polys = polygons_from_geojson(&path).unwrap();
        assert_eq!(polys.len(), 1);
        assert!(polys[0].contains(150.0, 50.0) && polys[0].contains(50.0, 150.0));
        assert!(!polys[0].contains(150.0, 150.0));
    }

    #[test]
    fn heatmap_tints_only_classified_cells_and_csv_lists_them() {
        let m = map();
        let thumb = RgbImage::from_pixel(40, 30, Rgb([255, 255, 255]));
        let heat = m.heatmap(&thumb, 10.0, 0.5);
        assert_eq!(
            heat.get_pixel(25, 5),
            &Rgb([255, 255, 255]),
            "unclassified cell"
        );
        assert_ne!(heat.get_pixel(5, 5), &Rgb([255, 255, 255]));
        // High probability is red-ish, low is blue-ish in turbo.
        let hot = heat.get_pixel(35, 15);
        let cold = heat.get_pixel(15, 25);
        assert!(hot[0] > hot[2] && cold[2] > cold[0], "{hot:?} {cold:?}");

        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("cells.csv");
        m.write_csv(&csv).unwrap();
        assert_eq!(std::fs::read_to_string(&csv).unwrap().lines().count(), 10);
        let png = dir.path().join("heat.png");
        m.write_heatmap_png(&png, &thumb, 10.0).unwrap();
        // the heatmap, then the colour bar's strip on its right
        let figure = image::open(&png).unwrap().to_rgb8();
        assert!(figure.width() > 40 + 60, "{}", figure.width());
        assert_eq!(figure.get_pixel(35, 15), hot);
    }

    #[test]
    fn inconsistent_maps_are_rejected() {
        let g = GridGeometry::with_cell_size(200, 100, 100).unwrap();
        assert!(TumorMap::new(g, vec![Some(0.5)], "x").is_err());
        assert!(TumorMap::new(g, vec![Some(0.5), Some(1.5)], "x").is_err());
    }
}
