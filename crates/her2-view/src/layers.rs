//! Vector overlay layers (cells, analysed patches) kept in a spatial grid and rasterised tile by
//! tile at the zoom shown, so that a slide with a million cells draws only the cells of the
//! tiles on screen.

use std::collections::HashMap;

use image::{Rgba, RgbaImage};
use imageproc::drawing::{draw_line_segment_mut, draw_polygon_mut};
use imageproc::point::Point;

use crate::deepzoom::TileRegion;

/// Side of a grid bucket, level-0 pixels.
const BUCKET: f64 = 512.0;

/// One shape of a layer, in level-0 pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    /// The outline (closed implicitly).
    pub outline: Vec<[f32; 2]>,
    /// Outline colour, RGBA.
    pub stroke: [u8; 4],
    /// Fill colour, RGBA, when the shape is filled.
    pub fill: Option<[u8; 4]>,
}

impl Shape {
    /// `[x0, y0, x1, y1]` of the outline (all zero for an empty outline).
    pub fn bbox(&self) -> [f32; 4] {
        let mut b = [f32::MAX, f32::MAX, f32::MIN, f32::MIN];
        for &[x, y] in &self.outline {
            b = [b[0].min(x), b[1].min(y), b[2].max(x), b[3].max(y)];
        }
        if self.outline.is_empty() { [0.0; 4] } else { b }
    }

    /// Whether (`x`, `y`) lies inside the outline (even-odd rule).
    pub fn contains(&self, x: f32, y: f32) -> bool {
        let n = self.outline.len();
        let mut inside = false;
        for i in 0..n {
            let [xi, yi] = self.outline[i];
            let [xj, yj] = self.outline[(i + n - 1) % n];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                inside = !inside;
            }
        }
        inside
    }
}

/// Shapes and a grid of which shapes touch which bucket.
#[derive(Debug, Default)]
pub struct VectorLayer {
    shapes: Vec<Shape>,
    bboxes: Vec<[f32; 4]>,
    grid: HashMap<(i64, i64), Vec<u32>>,
}

fn bucket(v: f64) -> i64 {
    (v / BUCKET).floor() as i64
}

impl VectorLayer {
    /// A layer of `shapes`, indexed.
    pub fn new(shapes: Vec<Shape>) -> Self {
        let mut grid: HashMap<(i64, i64), Vec<u32>> = HashMap::new();
        let bboxes: Vec<[f32; 4]> = shapes.iter().map(Shape::bbox).collect();
        for (i, &[x0, y0, x1, y1]) in bboxes.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            for by in bucket(f64::from(y0))..=bucket(f64::from(y1)) {
                for bx in bucket(f64::from(x0))..=bucket(f64::from(x1)) {
                    grid.entry((bx, by)).or_default().push(i);
                }
            }
        }
        Self {
            shapes,
            bboxes,
            grid,
        }
    }

    /// Number of shapes.
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether the layer has no shape.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }

    /// Shape `i`.
    pub fn shape(&self, i: usize) -> Option<&Shape> {
        self.shapes.get(i)
    }

    /// Indexes of the shapes whose bounding box meets the level-0 rectangle, each once, in order.
    pub fn query(&self, x: f64, y: f64, w: f64, h: f64) -> Vec<usize> {
        let mut found = Vec::new();
        for by in bucket(y)..=bucket(y + h.max(0.0)) {
            for bx in bucket(x)..=bucket(x + w.max(0.0)) {
                if let Some(ids) = self.grid.get(&(bx, by)) {
                    found.extend(ids.iter().map(|&i| i as usize));
                }
            }
        }
        found.sort_unstable();
        found.dedup();
        found.retain(|&i| {
            let [x0, y0, x1, y1] = self.bboxes[i];
            f64::from(x1) >= x
                && f64::from(x0) <= x + w
                && f64::from(y1) >= y
                && f64::from(y0) <= y + h
        });
        found
    }

    /// The shapes over one tile, drawn on a transparent image of the tile's size.
    pub fn render(&self, region: &TileRegion) -> RgbaImage {
        let mut image = RgbaImage::new(region.out_w, region.out_h);
        let d = region.downsample as f32;
        let (ox, oy) = (region.x as f32, region.y as f32);
        let to_tile = |[x, y]: [f32; 2]| ((x - ox) / d, (y - oy) / d);
        for i in self.query(region.x, region.y, region.w, region.h) {
            let shape = &self.shapes[i];
            let points: Vec<(f32, f32)> = shape.outline.iter().map(|&p| to_tile(p)).collect();
            if let Some(fill) = shape.fill {
                fill_polygon(&mut image, &points, Rgba(fill));
            }
            let stroke = Rgba(shape.stroke);
            for (k, &a) in points.iter().enumerate() {
                let b = points[(k + 1) % points.len()];
                draw_line_segment_mut(&mut image, a, b, stroke);
            }
        }
        image
    }
}

/// Fills a polygon of at least three distinct points (others are left unfilled).
fn fill_polygon(image: &mut RgbaImage, points: &[(f32, f32)], colour: Rgba<u8>) {
    let mut ring: Vec<Point<i32>> = Vec::with_capacity(points.len());
    for &(x, y) in points {
        let p = Point::new(x.round() as i32, y.round() as i32);
        if ring.last() != Some(&p) {
            ring.push(p);
        }
    }
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
    if ring.len() >= 3 {
        draw_polygon_mut(image, &ring, colour);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x: f32, y: f32, side: f32) -> Shape {
        Shape {
            outline: vec![[x, y], [x + side, y], [x + side, y + side], [x, y + side]],
            stroke: [255, 0, 0, 255],
            fill: None,
        }
    }

    fn region(x: f64, y: f64, size: u32, downsample: f64) -> TileRegion {
        TileRegion {
            x,
            y,
            w: f64::from(size) * downsample,
            h: f64::from(size) * downsample,
            out_w: size,
            out_h: size,
            downsample,
        }
    }

    #[test]
    fn queries_find_exactly_the_shapes_in_the_rectangle() {
        let layer = VectorLayer::new(vec![
            square(10.0, 10.0, 20.0),
            square(5000.0, 5000.0, 20.0),
            square(500.0, 500.0, 30.0), // crosses the bucket border at 512
        ]);
        assert_eq!(layer.query(0.0, 0.0, 100.0, 100.0), vec![0]);
        assert_eq!(layer.query(510.0, 510.0, 5.0, 5.0), vec![2]);
        assert_eq!(layer.query(0.0, 0.0, 6000.0, 6000.0), vec![0, 1, 2]);
        assert!(layer.query(1000.0, 1000.0, 100.0, 100.0).is_empty());
    }

    #[test]
    fn outlines_are_drawn_at_the_tile_scale_and_the_rest_stays_transparent() {
        let layer = VectorLayer::new(vec![square(100.0, 100.0, 40.0)]);
        let image = layer.render(&region(0.0, 0.0, 64, 4.0));
        // The square covers tile pixels 25..35.
        assert_eq!(image.get_pixel(25, 30).0, [255, 0, 0, 255]);
        assert_eq!(
            image.get_pixel(30, 30).0[3],
            0,
            "inside an unfilled outline"
        );
        assert_eq!(image.get_pixel(5, 5).0[3], 0);
    }

    #[test]
    fn filled_shapes_are_filled() {
        let mut s = square(0.0, 0.0, 100.0);
        s.fill = Some([0, 0, 255, 90]);
        let image = VectorLayer::new(vec![s]).render(&region(0.0, 0.0, 100, 1.0));
        assert_eq!(image.get_pixel(50, 50).0, [0, 0, 255, 90]);
    }

    #[test]
    fn degenerate_shapes_do_not_panic() {
        let layer = VectorLayer::new(vec![
            Shape {
                outline: vec![],
                stroke: [0; 4],
                fill: Some([1; 4]),
            },
            Shape {
                outline: vec![[3.0, 3.0]; 4],
                stroke: [0; 4],
                fill: Some([1; 4]),
            },
        ]);
        let _ = layer.render(&region(0.0, 0.0, 16, 1.0));
    }

    #[test]
    fn contains_follows_the_outline() {
        let s = square(0.0, 0.0, 10.0);
        assert!(s.contains(5.0, 5.0));
        assert!(!s.contains(15.0, 5.0));
    }

    /// A million cells (a 100 000 px square slide packed with 30 px cells): one full-resolution
    /// tile draws only its own few dozen, and a tile at the coarsest zoom that draws cells
    /// (1/16) a few thousand. Timing printed; `cargo test -p her2-view --lib -- --ignored`.
    #[test]
    #[ignore = "builds a million cells (a few seconds); run by hand for the figure"]
    fn a_million_cells_draw_tile_by_tile() {
        let side = 1000;
        let started = std::time::Instant::now();
        let shapes: Vec<Shape> = (0..side * side)
            .map(|i| square((i % side) as f32 * 100.0, (i / side) as f32 * 100.0, 30.0))
            .collect();
        let layer = VectorLayer::new(shapes);
        let built = started.elapsed();
        let t = std::time::Instant::now();
        let fine = layer.render(&region(50_000.0, 50_000.0, 256, 1.0));
        let fine_time = t.elapsed();
        let t = std::time::Instant::now();
        let coarse = layer.render(&region(50_000.0, 50_000.0, 256, 16.0));
        let coarse_time = t.elapsed();
        println!(
            "{} cells indexed in {built:?}; full-resolution tile {fine_time:?} ({} cells), \
             1/16 tile {coarse_time:?} ({} cells)",
            layer.len(),
            layer.query(50_000.0, 50_000.0, 256.0, 256.0).len(),
            layer.query(50_000.0, 50_000.0, 4096.0, 4096.0).len()
        );
        assert_eq!(layer.len(), 1_000_000);
        assert!(fine.pixels().any(|p| p.0[3] == 255));
        assert!(coarse.pixels().any(|p| p.0[3] == 255));
    }
}
