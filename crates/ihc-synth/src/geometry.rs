//! Polygons in level-0 pixel coordinates: point tests, scanline spans, area, and the
//! irregular "radial blob" shapes used for tissue pieces and tumour regions.

use std::f64::consts::TAU;

use rand::Rng;

/// Height in pixels of the row bins that index polygon edges.
const BIN: f64 = 64.0;

/// A simple closed polygon with its edges indexed by row bins for fast scanline queries.
#[derive(Debug, Clone)]
pub(crate) struct Polygon {
    points: Vec<(f64, f64)>,
    /// Bounding box: min x, min y, max x, max y.
    pub bbox: [f64; 4],
    /// Edge indices overlapping each row bin, starting at bin `floor(bbox[1] / BIN)`.
    bins: Vec<Vec<u32>>,
    first_bin: i64,
}

impl Polygon {
    /// Builds a polygon from its vertices (closed implicitly; at least 3).
    pub fn new(points: Vec<(f64, f64)>) -> Self {
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for &(x, y) in &points {
            bbox = [
                bbox[0].min(x),
                bbox[1].min(y),
                bbox[2].max(x),
                bbox[3].max(y),
            ];
        }
        let first_bin = (bbox[1] / BIN).floor() as i64;
        let last_bin = (bbox[3] / BIN).floor() as i64;
        let mut bins = vec![Vec::new(); (last_bin - first_bin + 1).max(1) as usize];
        let n = points.len();
        for i in 0..n {
            let (a, b) = (points[i], points[(i + 1) % n]);
            let lo = ((a.1.min(b.1) / BIN).floor() as i64 - first_bin).max(0) as usize;
            let hi = ((a.1.max(b.1) / BIN).floor() as i64 - first_bin) as usize;
            let hi = hi.min(bins.len() - 1);
            for bin in &mut bins[lo..=hi] {
                bin.push(i as u32);
            }
        }
        Self {
            points,
            bbox,
            bins,
            first_bin,
        }
    }

    /// The vertices.
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// Pushes the x coordinates where the horizontal line at `y` crosses the boundary.
    pub fn crossings(&self, y: f64, out: &mut Vec<f64>) {
        if y < self.bbox[1] || y > self.bbox[3] {
            return;
        }
        let bin = (y / BIN).floor() as i64 - self.first_bin;
        let Some(edges) = usize::try_from(bin).ok().and_then(|b| self.bins.get(b)) else {
            return;
        };
        let n = self.points.len();
        for &i in edges {
            let (a, b) = (self.points[i as usize], self.points[(i as usize + 1) % n]);
            if (a.1 <= y) != (b.1 <= y) {
                out.push(a.0 + (y - a.1) / (b.1 - a.1) * (b.0 - a.0));
            }
        }
    }

    /// Whether (x, y) is inside (even-odd rule).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        if x < self.bbox[0] || x > self.bbox[2] || y < self.bbox[1] || y > self.bbox[3] {
            return false;
        }
        let mut xs = Vec::new();
        self.crossings(y, &mut xs);
        xs.iter().filter(|&&cx| cx < x).count() % 2 == 1
    }

    /// Area by the shoelace formula.
    pub fn area(&self) -> f64 {
        let n = self.points.len();
        (0..n)
            .map(|i| {
                let (a, b) = (self.points[i], self.points[(i + 1) % n]);
                a.0 * b.1 - b.0 * a.1
            })
            .sum::<f64>()
            .abs()
            / 2.0
    }

    /// Distance from `origin` along the ray at angle `theta` to the first boundary crossing
    /// (None when the ray misses the polygon).
    pub fn ray_distance(&self, origin: (f64, f64), theta: f64) -> Option<f64> {
        let (dx, dy) = (theta.cos(), theta.sin());
        let n = self.points.len();
        let mut best: Option<f64> = None;
        for i in 0..n {
            let (a, b) = (self.points[i], self.points[(i + 1) % n]);
            let (ex, ey) = (b.0 - a.0, b.1 - a.1);
            let denom = dx * ey - dy * ex;
            if denom.abs() < 1e-12 {
                continue;
            }
            let (wx, wy) = (a.0 - origin.0, a.1 - origin.1);
            let t = (wx * ey - wy * ex) / denom;
            let s = (wx * dy - wy * dx) / denom;
            if t > 0.0 && (0.0..=1.0).contains(&s) {
                best = Some(best.map_or(t, |bt: f64| bt.min(t)));
            }
        }
        best
    }
}

/// A star-shaped irregular outline: radius `r(theta) = base * (1 + sum a_k cos(k theta + p_k))`.
#[derive(Debug, Clone)]
pub(crate) struct RadialShape {
    pub centre: (f64, f64),
    pub base: f64,
    harmonics: Vec<(f64, f64)>,
}

impl RadialShape {
    /// A random shape: harmonics 2..=`max_order`, amplitudes up to `roughness / k^0.7`.
    pub fn random(
        centre: (f64, f64),
        base: f64,
        max_order: u32,
        roughness: f64,
        rng: &mut impl Rng,
    ) -> Self {
        let harmonics = (2..=max_order)
            .map(|k| {
                let amp = rng.random_range(0.3..1.0) * roughness / (k as f64).powf(0.7);
                (amp, rng.random_range(0.0..TAU))
            })
            .collect();
        Self {
            centre,
            base,
            harmonics,
        }
    }

    /// Largest radius relative to `base` (an upper bound).
    pub fn max_extent(&self) -> f64 {
        1.0 + self.harmonics.iter().map(|h| h.0).sum::<f64>()
    }

    /// The radius at angle `theta`.
    pub fn radius(&self, theta: f64) -> f64 {
        let wobble: f64 = self
            .harmonics
            .iter()
            .enumerate()
            .map(|(i, &(amp, phase))| amp * ((i as f64 + 2.0) * theta + phase).cos())
            .sum();
        self.base * (1.0 + wobble).max(0.3)
    }

    /// The outline as a polygon of `n` vertices, each radius passed through `clip`.
    pub fn polygon(&self, n: usize, clip: impl Fn(f64, f64) -> f64) -> Polygon {
        let points = (0..n)
            .map(|i| {
                let theta = TAU * i as f64 / n as f64;
                let r = clip(theta, self.radius(theta));
                (
                    self.centre.0 + r * theta.cos(),
                    self.centre.1 + r * theta.sin(),
                )
            })
            .collect();
        Polygon::new(points)
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn square_contains_area_and_ray() {
        let sq = Polygon::new(vec![
            (10.0, 10.0),
            (110.0, 10.0),
            (110.0, 210.0),
            (10.0, 210.0),
        ]);
        assert!(sq.contains(50.0, 100.0));
        assert!(sq.contains(11.0, 209.0));
        assert!(!sq.contains(5.0, 100.0));
        assert!(!sq.contains(50.0, 211.0));
        assert!((sq.area() - 20_000.0).abs() < 1e-9);
        let d = sq.ray_distance((60.0, 110.0), 0.0).unwrap();
        assert!((d - 50.0).abs() < 1e-9);
    }

    #[test]
    fn blob_polygon_area_matches_pixel_count() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let shape = RadialShape::random((300.0, 300.0), 150.0, 6, 0.25, &mut rng);
        let poly = shape.polygon(256, |_, r| r);
        let inside = (0..600)
            .flat_map(|y| (0..600).map(move |x| (x, y)))
            .filter(|&(x, y)| poly.contains(x as f64 + 0.5, y as f64 + 0.5))
            .count() as f64;
        assert!(
            (inside - poly.area()).abs() / poly.area() < 0.01,
            "{inside} vs {}",
            poly.area()
        );
        assert!(poly.bbox[2] - 300.0 <= 150.0 * shape.max_extent() + 1e-9);
    }
}
