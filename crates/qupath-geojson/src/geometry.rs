//! Polygons with holes in level-0 pixel coordinates.

use serde_json::Value;

/// A polygon with holes; rings are closed implicitly (the first point is not repeated at the
/// end), coordinates in level-0 pixels.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Polygon {
    /// The outer boundary.
    pub exterior: Vec<(f64, f64)>,
    /// Holes cut out of it.
    pub holes: Vec<Vec<(f64, f64)>>,
}

impl Polygon {
    /// A polygon without holes.
    pub fn new(exterior: Vec<(f64, f64)>) -> Self {
        Self {
            exterior,
            holes: Vec::new(),
        }
    }

    /// A polygon from `[x, y]` points, without holes.
    pub fn from_points(points: &[[f64; 2]]) -> Self {
        Self::new(points.iter().map(|&[x, y]| (x, y)).collect())
    }

    /// Whether the point lies inside the exterior and outside every hole (even-odd rule).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        ring_contains(&self.exterior, x, y) && !self.holes.iter().any(|h| ring_contains(h, x, y))
    }

    /// Appends the x coordinates where the horizontal line at `y` crosses the polygon's
    /// rings (exterior and holes): sorted, consecutive pairs bound the inside (even-odd rule).
    pub fn crossings(&self, y: f64, out: &mut Vec<f64>) {
        for ring in std::iter::once(&self.exterior).chain(&self.holes) {
            let n = ring.len();
            for i in 0..n {
                let (xi, yi) = ring[i];
                let (xj, yj) = ring[(i + n - 1) % n];
                if (yi > y) != (yj > y) {
                    out.push((xj - xi) * (y - yi) / (yj - yi) + xi);
                }
            }
        }
    }

    /// Area enclosed (exterior less holes), in square level-0 pixels.
    pub fn area(&self) -> f64 {
        ring_area(&self.exterior) - self.holes.iter().map(|h| ring_area(h)).sum::<f64>()
    }

    /// GeoJSON `Polygon` coordinates: every ring closed (its first point repeated at the end),
    /// as GeoJSON requires and QuPath expects.
    pub fn coordinates(&self) -> Value {
        Value::Array(
            std::iter::once(&self.exterior)
                .chain(&self.holes)
                .map(|ring| closed_ring(ring))
                .collect(),
        )
    }

    /// Whether every ring has at least 3 distinct points and finite coordinates.
    pub fn is_valid(&self) -> bool {
        std::iter::once(&self.exterior)
            .chain(&self.holes)
            .all(|r| r.len() >= 3 && r.iter().all(|(x, y)| x.is_finite() && y.is_finite()))
    }
}

fn ring_contains(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut inside = false;
    let n = ring.len();
    for i in 0..n {
        let (xi, yi) = ring[i];
        let (xj, yj) = ring[(i + n - 1) % n];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            inside = !inside;
        }
    }
    inside
}

/// Unsigned shoelace area of a ring closed implicitly.
fn ring_area(ring: &[(f64, f64)]) -> f64 {
    let n = ring.len();
    let twice: f64 = (0..n)
        .map(|i| {
            let (x0, y0) = ring[i];
            let (x1, y1) = ring[(i + 1) % n];
            x0 * y1 - x1 * y0
        })
        .sum();
    twice.abs() / 2.0
}

fn closed_ring(ring: &[(f64, f64)]) -> Value {
    let mut points: Vec<Value> = ring
        .iter()
        .map(|&(x, y)| serde_json::json!([x, y]))
        .collect();
    if let (Some(first), Some(last)) = (ring.first(), ring.last())
        && first != last
    {
        points.push(serde_json::json!([first.0, first.1]));
    }
    Value::Array(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn square(x0: f64, y0: f64, s: f64) -> Vec<(f64, f64)> {
        vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)]
    }

    #[test]
    fn holes_are_outside_and_rings_are_closed_on_output() {
        let p = Polygon {
            exterior: square(0.0, 0.0, 10.0),
            holes: vec![square(4.0, 4.0, 2.0)],
        };
        assert!(p.contains(1.0, 1.0) && !p.contains(5.0, 5.0) && !p.contains(11.0, 1.0));
        assert_eq!(p.area(), 96.0);
        let c = p.coordinates();
        let outer = c[0].as_array().unwrap();
        assert_eq!(outer.len(), 5);
        assert_eq!(outer.first(), outer.last());
        let mut xs = Vec::new();
        p.crossings(5.0, &mut xs);
        xs.sort_by(f64::total_cmp);
        assert_eq!(xs, [0.0, 4.0, 6.0, 10.0]);
        assert!(p.is_valid() && !Polygon::new(vec![(0.0, 0.0), (1.0, 1.0)]).is_valid());
    }
}
