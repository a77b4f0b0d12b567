//! Slide layout: irregular patient tissue pieces, one tumour region inside each, normal ducts
//! in the remaining tissue, and the optional 3+ control piece near the right edge.

use std::f64::consts::TAU;

use rand::Rng;

use crate::config::SynthConfig;
use crate::geometry::{Polygon, RadialShape};

/// Vertices of every outline polygon.
const OUTLINE_VERTICES: usize = 360;
/// Side of the square bins indexing ducts, in level-0 pixels.
const DUCT_BIN: f64 = 256.0;

/// A normal duct: a ring of epithelial cells around an empty lumen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Duct {
    pub x: f64,
    pub y: f64,
    /// Lumen radius (px).
    pub lumen: f64,
    /// Outer radius of the epithelial ring (px).
    pub outer: f64,
}

/// Where everything lies on the slide, in level-0 pixels.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    /// Patient tissue pieces.
    pub pieces: Vec<Polygon>,
    /// Patient tumour regions (each inside its piece, at least one cell spacing from its edge).
    pub tumours: Vec<Polygon>,
    /// The 3+ control piece.
    pub control: Option<Polygon>,
    /// The control piece shrunk by one cell spacing: where control cells may sit.
    pub control_core: Option<Polygon>,
    pub ducts: Vec<Duct>,
    duct_bins: Vec<Vec<u32>>,
    duct_cols: usize,
}

impl Layout {
    /// Lays out a slide; `spacing` is the tumour cell spacing in pixels.
    pub fn generate(cfg: &SynthConfig, spacing: f64, rng: &mut impl Rng) -> Self {
        let (w, h) = (cfg.width as f64, cfg.height as f64);
        let short = w.min(h);
        let margin = 0.03 * short;
        let mut right = w - margin;
        let (control, control_core) = if cfg.control {
            let rc = 0.06 * short;
            let cx = w - margin - 1.3 * rc;
            let cy = rng.random_range((margin + 1.3 * rc)..(h - margin - 1.3 * rc));
            let shape = RadialShape::random((cx, cy), rc, 5, 0.15, rng);
            let outline = shape.polygon(OUTLINE_VERTICES, |_, r| r);
            let core = shape.polygon(OUTLINE_VERTICES, |_, r| (r - spacing).max(0.2 * r));
            right = cx - 1.3 * rc * shape.max_extent() - margin;
            (Some(outline), Some(core))
        } else {
            (None, None)
        };
        let (left, top, bottom) = (margin, margin, h - margin);
        let (aw, ah) = ((right - left).max(1.0), bottom - top);
        let n = if aw.min(ah) < 2500.0 {
            1
        } else {
            rng.random_range(1..=3usize)
        };
        let along_x = aw >= ah;
        let target = rng.random_range(cfg.tissue_fraction[0]..=cfg.tissue_fraction[1]) * w * h;
        let mut pieces = Vec::new();
        let mut tumours = Vec::new();
        for i in 0..n {
            let (cw, ch) = if along_x {
                (aw / n as f64, ah)
            } else {
                (aw, ah / n as f64)
            };
            let (x0, y0) = if along_x {
                (left + i as f64 * cw, top)
            } else {
                (left, top + i as f64 * ch)
            };
            let area = target / n as f64 * rng.random_range(0.85..1.15);
            let mut shape = RadialShape::random((0.0, 0.0), 1.0, 7, 0.22, rng);
            let fit = 0.5 * cw.min(ch) / shape.max_extent();
            let base = ((area / std::f64::consts::PI).sqrt() / 1.02).min(fit);
            let slack_x = (0.5 * cw - base * shape.max_extent()).max(0.0);
            let slack_y = (0.5 * ch - base * shape.max_extent()).max(0.0);
            shape.base = base;
            shape.centre = (
                x0 + 0.5 * cw + rng.random_range(-1.0..=1.0) * slack_x,
                y0 + 0.5 * ch + rng.random_range(-1.0..=1.0) * slack_y,
            );
            let piece = shape.polygon(OUTLINE_VERTICES, |_, r| r);
            tumours.push(tumour_inside(&piece, &shape, spacing, rng));
            pieces.push(piece);
        }
        let mut layout = Layout {
            pieces,
            tumours,
            control,
            control_core,
            ducts: Vec::new(),
            duct_bins: Vec::new(),
            duct_cols: (w / DUCT_BIN).ceil() as usize + 1,
        };
        layout.place_ducts(cfg, rng);
        layout
    }

    /// All tissue outlines: patient pieces, then the control piece.
    pub fn tissue(&self) -> impl Iterator<Item = &Polygon> + Clone {
        self.pieces.iter().chain(self.control.iter())
    }

    fn place_ducts(&mut self, cfg: &SynthConfig, rng: &mut impl Rng) {
        let um = 1.0 / cfg.mpp;
        let rows = (cfg.height as f64 / DUCT_BIN).ceil() as usize + 1;
        self.duct_bins = vec![Vec::new(); rows * self.duct_cols];
        for p in 0..self.pieces.len() {
            let piece = self.pieces[p].clone();
            let free_area = (piece.area() - self.tumours[p].area()).max(0.0);
            let wanted = ((free_area / (380.0 * um).powi(2)) as usize).min(4000);
            let [bx0, by0, bx1, by1] = piece.bbox;
            let mut placed = 0;
            for _ in 0..wanted * 8 {
                if placed == wanted {
                    break;
                }
                let outer = rng.random_range(22.0..40.0) * um;
                let duct = Duct {
                    x: rng.random_range(bx0..bx1),
                    y: rng.random_range(by0..by1),
                    lumen: outer * rng.random_range(0.35..0.55),
                    outer,
                };
                let clear = (0..8).all(|k| {
                    let t = TAU * k as f64 / 8.0;
                    let (px, py) = (
                        duct.x + 1.6 * outer * t.cos(),
                        duct.y + 1.6 * outer * t.sin(),
                    );
                    piece.contains(px, py) && !self.tumours.iter().any(|tu| tu.contains(px, py))
                }) && piece.contains(duct.x, duct.y)
                    && !self.tumours.iter().any(|tu| tu.contains(duct.x, duct.y));
                if clear
                    && self
                        .ducts_near(duct.x, duct.y, 2.2 * outer + 40.0 * um)
                        .next()
                        .is_none()
                {
                    self.insert_duct(duct);
                    placed += 1;
                }
            }
        }
    }

    fn insert_duct(&mut self, d: Duct) {
        let id = self.ducts.len() as u32;
        self.ducts.push(d);
        let (c0, c1) = self.bin_range(d.x, d.outer, self.duct_cols);
        let rows = self.duct_bins.len() / self.duct_cols;
        let (r0, r1) = self.bin_range(d.y, d.outer, rows);
        for r in r0..=r1 {
            for c in c0..=c1 {
                self.duct_bins[r * self.duct_cols + c].push(id);
            }
        }
    }

    fn bin_range(&self, v: f64, radius: f64, n: usize) -> (usize, usize) {
        let lo = ((v - radius) / DUCT_BIN).floor().max(0.0) as usize;
        let hi = ((v + radius) / DUCT_BIN).floor().max(0.0) as usize;
        (lo.min(n - 1), hi.min(n - 1))
    }

    /// Ducts whose outer circle may come within `reach` of (x, y).
    pub fn ducts_near(&self, x: f64, y: f64, reach: f64) -> impl Iterator<Item = &Duct> {
        let rows = self.duct_bins.len() / self.duct_cols.max(1);
        let (c0, c1) = if rows == 0 {
            (1, 0)
        } else {
            self.bin_range(x, reach, self.duct_cols)
        };
        let (r0, r1) = if rows == 0 {
            (1, 0)
        } else {
            self.bin_range(y, reach, rows)
        };
        let mut ids: Vec<u32> = (r0..=r1)
            .flat_map(|r| (c0..=c1).map(move |c| (r, c)))
            .flat_map(|(r, c)| self.duct_bins[r * self.duct_cols + c].iter().copied())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .map(|i| &self.ducts[i as usize])
            .filter(move |d| (d.x - x).hypot(d.y - y) <= d.outer + reach)
    }
}

/// A tumour region inside `piece`: an irregular blob around a point near the piece's centre,
/// clipped to stay at least one cell spacing (and 8%) inside the piece outline.
fn tumour_inside(
    piece: &Polygon,
    shape: &RadialShape,
    spacing: f64,
    rng: &mut impl Rng,
) -> Polygon {
    let off = rng.random_range(0.0..0.25) * shape.base;
    let angle = rng.random_range(0.0..TAU);
    let centre = (
        shape.centre.0 + off * angle.cos(),
        shape.centre.1 + off * angle.sin(),
    );
    let base = shape.base * rng.random_range(0.45..0.7);
    let blob = RadialShape::random(centre, base, 9, 0.35, rng);
    blob.polygon(OUTLINE_VERTICES, |theta, r| {
        let limit = piece
            .ray_distance(centre, theta)
            .map_or(r, |d| (0.92 * d).min(d - spacing).max(0.0));
        r.min(limit)
    })
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    #[test]
    fn tissue_covers_the_target_and_nests_inside() {
        let cfg = SynthConfig::new(8000, 6000, crate::Her2Class::Low1, 5);
        let layout = Layout::generate(&cfg, 36.0, &mut ChaCha8Rng::seed_from_u64(5));
        let tissue: f64 = layout.pieces.iter().map(Polygon::area).sum();
        let frac = tissue / (8000.0 * 6000.0);
        assert!((0.12..=0.45).contains(&frac), "{frac}");
        for (piece, tumour) in layout.pieces.iter().zip(&layout.tumours) {
            assert!(tumour.area() > 0.05 * piece.area());
            assert!(tumour.points().iter().all(|&(x, y)| piece.contains(x, y)));
        }
        let control = layout.control.as_ref().unwrap();
        assert!(control.bbox[2] < 8000.0 && control.bbox[0] > 6000.0);
        for piece in &layout.pieces {
            assert!(
                piece.bbox[2] < control.bbox[0],
                "control overlaps patient tissue"
            );
        }
        assert!(!layout.ducts.is_empty());
        for d in &layout.ducts {
            assert!(layout.ducts_near(d.x, d.y, 0.0).count() == 1);
        }
    }
}
