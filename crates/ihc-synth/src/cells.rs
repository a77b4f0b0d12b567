//! Cells: a jittered hexagonal lattice of epithelial cell sites (tumour nests, control tissue,
//! duct linings) and a sparser lattice of stromal nuclei. Every property of a cell is a pure
//! function of its lattice address and the slide seed, so any region can be rendered alone.

use std::f64::consts::TAU;

use crate::class::Intensity;
use crate::noise::{floor_i64, fractal_noise, hash3, unit, units};
use crate::nucleus::{DRAWS, Vesicle};
use crate::preset::{PATTERN_ORDER, Pattern, UNSTAINED};
use crate::slide::SyntheticSlide;
use crate::truth::{CellKind, CellTruth};

/// Jitter of epithelial cell sites, as a fraction of the spacing.
const CELL_JITTER: f64 = 0.15;
/// Spacing of the stromal nucleus lattice (um).
const STROMA_SPACING_UM: f64 = 30.0;
/// Fraction of stromal lattice sites that carry a nucleus.
const STROMA_DENSITY: f64 = 0.35;
/// Length scale of the tumour nest pattern (um) and the noise level above which a site is in a nest.
const NEST_SCALE_UM: f64 = 150.0;
const NEST_THRESHOLD: f64 = 0.42;
/// Length scale of the spatial clustering of HER2 expression among tumour cells (um).
const EXPRESSION_SCALE_UM: f64 = 250.0;
/// Half-width of one cell's membrane band (um); neighbouring cells' bands add up.
pub(crate) const MEMBRANE_HALF_WIDTH_UM: f64 = 0.75;

// Hash streams: one per independent random quantity.
const S_JITTER: u64 = 1;
const S_CELL: u64 = 2;
const S_NEST: u64 = 3;
const S_RANK: u64 = 4;
const S_STROMA: u64 = 6;
const S_VESICLE: u64 = 7;
/// Cytoplasm a vesicular nucleus keeps between its outline and the membrane band (um).
const NUCLEUS_GAP_UM: f64 = 0.3;

/// Geometry of the two lattices, in level-0 pixels.
#[derive(Debug, Clone)]
pub(crate) struct Lattice {
    pub spacing: f64,
    pub row_height: f64,
    pub cols: i64,
    pub rows: i64,
    pub stroma_spacing: f64,
    pub stroma_cols: i64,
    pub stroma_rows: i64,
}

impl Lattice {
    /// The lattices of a `width` x `height` slide at `mpp` with epithelial cells
    /// `cell_spacing_um` apart.
    pub fn new(width: u32, height: u32, mpp: f64, cell_spacing_um: f64) -> Self {
        let spacing = cell_spacing_um / mpp;
        let row_height = spacing * 3f64.sqrt() / 2.0;
        let stroma_spacing = STROMA_SPACING_UM / mpp;
        Self {
            spacing,
            row_height,
            cols: (width as f64 / spacing).ceil() as i64 + 2,
            rows: (height as f64 / row_height).ceil() as i64 + 2,
            stroma_spacing,
            stroma_cols: (width as f64 / stroma_spacing).ceil() as i64 + 1,
            stroma_rows: (height as f64 / stroma_spacing).ceil() as i64 + 1,
        }
    }

    /// Row index whose band contains `y` (nearest sites lie in rows r-1..=r+1).
    pub fn row_of(&self, y: f64) -> i64 {
        floor_i64(y / self.row_height)
    }

    /// Column index in `row` whose band contains `x` (nearest sites lie in cols c-1..=c+1).
    pub fn col_of(&self, row: i64, x: f64) -> i64 {
        floor_i64(x / self.spacing - 0.5 * (row & 1) as f64)
    }

    /// Unique id of an epithelial site (stromal ids follow all epithelial ones).
    pub fn id(&self, row: i64, col: i64) -> u64 {
        (row.max(0) * self.cols + col.max(0)) as u64 + 1
    }

    fn stroma_id(&self, row: i64, col: i64) -> u64 {
        (self.rows * self.cols) as u64 + (row.max(0) * self.stroma_cols + col.max(0)) as u64 + 1
    }
}

/// One site of the epithelial lattice: its position and, when occupied, its cell.
#[derive(Debug, Clone)]
pub(crate) struct Site {
    pub x: f64,
    pub y: f64,
    pub cell: Option<Cell>,
}

/// Everything needed to render and report one cell.
#[derive(Debug, Clone)]
pub(crate) struct Cell {
    pub id: u64,
    pub kind: CellKind,
    /// Nucleus centre (px).
    pub nx: f64,
    pub ny: f64,
    /// Nucleus semi-axes (px) and orientation.
    pub a: f64,
    pub b: f64,
    pub cos: f64,
    pub sin: f64,
    /// Nucleus hematoxylin concentration.
    pub nucleus_h: f32,
    pub pattern: Pattern,
    /// Membrane DAB concentration (config units, before the slide factor).
    pub dab: f32,
    /// Stained fraction of the ring, and the ring split into `arcs` stained arcs from `phase`.
    pub completeness: f64,
    pub arcs: u32,
    pub phase: f64,
    /// Cytoplasmic DAB blush.
    pub blush: f32,
    /// The vesicular nucleus drawn instead of the uniform ellipse (a, b, cos, sin), if any.
    pub vesicle: Option<Vesicle>,
}

impl Cell {
    /// Whether the membrane at angle `theta` (around the nucleus centre) is stained.
    #[inline]
    pub fn stained_at(&self, theta: f64) -> bool {
        if self.completeness >= 1.0 {
            return true;
        }
        if self.completeness <= 0.0 {
            return false;
        }
        let period = TAU / self.arcs as f64;
        ((theta - self.phase).rem_euclid(period)) / period < self.completeness
    }

    /// Soft inside-ness (0..=1, one-pixel ramp) of the point (x, y) in the nucleus ellipse
    /// (classic nuclei; a vesicle has its own).
    #[inline]
    pub fn nucleus_weight(&self, x: f64, y: f64, px: f64) -> f64 {
        ellipse_weight(
            x - self.nx,
            y - self.ny,
            self.a,
            self.b,
            self.cos,
            self.sin,
            px,
        )
    }

    /// Centroid of the rendered nucleus (px): the ellipse's centre, or the vesicle's exact
    /// centroid.
    pub fn centroid(&self) -> (f64, f64) {
        self.vesicle
            .as_ref()
            .map_or((self.nx, self.ny), |v| (v.centroid[0], v.centroid[1]))
    }

    /// The truth record of this cell (`factor`: the slide's concentration factor).
    pub fn truth(&self, factor: f64) -> CellTruth {
        let positive = self.pattern.intensity != Intensity::None;
        let (x, y) = self.centroid();
        CellTruth {
            id: self.id,
            x,
            y,
            nucleus_area: self
                .vesicle
                .as_ref()
                .map_or(std::f64::consts::PI * self.a * self.b, |v| v.area),
            kind: self.kind,
            tumour: matches!(self.kind, CellKind::Tumour | CellKind::Control),
            intensity: self.pattern.intensity,
            completeness: self.completeness,
            complete: positive && self.pattern.complete,
            positive,
            dab: if positive {
                self.dab as f64 * factor
            } else {
                0.0
            },
        }
    }
}

/// Soft inside-ness of offset (dx, dy) in an ellipse of semi-axes a >= b rotated by (cos, sin);
/// `px` is the sample size in level-0 pixels (the ramp width).
#[inline]
pub(crate) fn ellipse_weight(dx: f64, dy: f64, a: f64, b: f64, cos: f64, sin: f64, px: f64) -> f64 {
    let u = dx * cos + dy * sin;
    let v = -dx * sin + dy * cos;
    let q = (u / a).powi(2) + (v / b).powi(2);
    if q > 2.5 {
        return 0.0;
    }
    ((1.0 - q.sqrt()) * b / px + 0.5).clamp(0.0, 1.0)
}

impl SyntheticSlide {
    /// Position of epithelial site (row, col).
    pub(crate) fn site_position(&self, row: i64, col: i64) -> (f64, f64) {
        let l = &self.lattice;
        let [jx, jy] = units::<2>(self.cfg.seed, S_JITTER, row, col);
        let x = (col as f64 + 0.5 + 0.5 * (row & 1) as f64 + CELL_JITTER * (2.0 * jx - 1.0))
            * l.spacing;
        let y = (row as f64 + 0.5) * l.row_height + CELL_JITTER * (2.0 * jy - 1.0) * l.spacing;
        (x, y)
    }

    fn in_nest(&self, x: f64, y: f64, threshold: f64) -> bool {
        fractal_noise(self.cfg.seed, S_NEST, x, y, NEST_SCALE_UM * self.px_per_um) > threshold
    }

    /// The rank score of a patient tumour cell: high scores get the strongest patterns.
    /// Smooth noise plus a per-cell term, so that expression is spatially clustered.
    pub(crate) fn rank_score(&self, row: i64, col: i64, x: f64, y: f64) -> f64 {
        let field = fractal_noise(
            self.cfg.seed,
            S_RANK,
            x,
            y,
            EXPRESSION_SCALE_UM * self.px_per_um,
        );
        0.6 * field + 0.4 * unit(hash3(self.cfg.seed, S_RANK + 100, row, col))
    }

    /// Whether site (row, col) at (x, y) holds a patient tumour cell.
    pub(crate) fn is_patient_tumour_site(&self, x: f64, y: f64) -> bool {
        self.layout.tumours.iter().any(|t| t.contains(x, y)) && self.in_nest(x, y, NEST_THRESHOLD)
    }

    /// The epithelial site at (row, col) with its cell, if any.
    pub(crate) fn site(&self, row: i64, col: i64) -> Site {
        let (x, y) = self.site_position(row, col);
        let kind = if self.is_patient_tumour_site(x, y) {
            Some(CellKind::Tumour)
        } else if self
            .layout
            .control_core
            .as_ref()
            .is_some_and(|c| c.contains(x, y))
            && self.in_nest(x, y, NEST_THRESHOLD - 0.15)
        {
            Some(CellKind::Control)
        } else {
            None
        };
        let duct = if kind.is_none() {
            self.layout
                .ducts_near(x, y, 0.0)
                .find(|d| (d.x - x).hypot(d.y - y) >= d.lumen)
                .copied()
        } else {
            None
        };
        let kind = kind.or(duct.map(|_| CellKind::NormalEpithelial));
        let cell = kind.map(|kind| self.make_cell(row, col, x, y, kind, duct));
        Site { x, y, cell }
    }

    fn make_cell(
        &self,
        row: i64,
        col: i64,
        x: f64,
        y: f64,
        kind: CellKind,
        duct: Option<crate::layout::Duct>,
    ) -> Cell {
        let um = self.px_per_um;
        let r: [f64; 10] = units(self.cfg.seed, S_CELL, row, col);
        let (radius_um, nucleus_h) = match kind {
            CellKind::NormalEpithelial => (2.6 + 0.5 * r[0], 0.75 + 0.15 * r[1]),
            _ => (3.6 + 0.9 * r[0], 0.55 + 0.25 * r[1]),
        };
        let a = radius_um * um;
        let b = a * (0.72 + 0.25 * r[2]);
        let angle = TAU * r[3];
        let (mut nx, mut ny) = (x, y);
        if let Some(d) = duct {
            // Keep the nucleus out of the lumen: push it radially outwards if needed.
            let dist = (x - d.x).hypot(y - d.y).max(1e-9);
            let want = dist.max(d.lumen + a + 0.5 * um);
            nx = d.x + (x - d.x) * want / dist;
            ny = d.y + (y - d.y) * want / dist;
        }
        let pattern = match kind {
            CellKind::Tumour => self.pattern_for(self.rank_score(row, col, x, y)),
            CellKind::Control => control_pattern(r[4]),
            _ => UNSTAINED,
        };
        let st = &self.cfg.stain;
        let range = match pattern.intensity {
            Intensity::None => [0.0, 0.0],
            Intensity::Faint => st.dab_faint,
            Intensity::WeakModerate => st.dab_weak_moderate,
            Intensity::Intense => st.dab_intense,
        };
        let completeness = match (pattern.intensity, pattern.complete) {
            (Intensity::None, _) => 0.0,
            (_, true) => 1.0,
            (_, false) => 0.2 + 0.55 * r[5],
        };
        let tumour_like = matches!(kind, CellKind::Tumour | CellKind::Control);
        let vesicle = match &self.cfg.tumour_nuclei {
            Some(style) if tumour_like => {
                let r: [f64; DRAWS] = units(self.cfg.seed, S_VESICLE, row, col);
                Some(style.draw(x, y, &r, um, self.nucleus_room(row, col, x, y)))
            }
            _ => None,
        };
        Cell {
            id: self.lattice.id(row, col),
            kind,
            nx,
            ny,
            a,
            b,
            cos: angle.cos(),
            sin: angle.sin(),
            nucleus_h: nucleus_h as f32,
            pattern,
            dab: (range[0] + (range[1] - range[0]) * r[6]) as f32,
            completeness,
            arcs: if r[7] < 0.6 { 1 } else { 2 },
            phase: TAU * r[8],
            blush: if tumour_like && r[9] < 0.3 {
                (st.cytoplasmic_blush * r[9] / 0.3) as f32
            } else {
                0.0
            },
            vesicle,
        }
    }

    /// How far (px) a nucleus centred on site (row, col) at (x, y) may reach and stay inside
    /// its Voronoi cell, short of the membrane band: half the distance to the nearest
    /// neighbouring site, less the band and a little cytoplasm (and the one-pixel edge ramp
    /// and blur), so that no neighbour ever clips it and the truth area is what is drawn.
    fn nucleus_room(&self, row: i64, col: i64, x: f64, y: f64) -> f64 {
        let mut nearest = f64::INFINITY;
        for r in row - 1..=row + 1 {
            for c in col - 1..=col + 1 {
                if (r, c) != (row, col) {
                    let (sx, sy) = self.site_position(r, c);
                    nearest = nearest.min((sx - x).hypot(sy - y));
                }
            }
        }
        let um = self.px_per_um;
        0.5 * nearest - MEMBRANE_HALF_WIDTH_UM * um - (NUCLEUS_GAP_UM * um).max(1.5)
    }

    /// The pattern of a patient tumour cell with rank score `u` (exact counts via the cuts).
    fn pattern_for(&self, u: f64) -> Pattern {
        self.cuts
            .iter()
            .position(|&cut| u >= cut)
            .map_or(UNSTAINED, |i| PATTERN_ORDER[i])
    }

    /// The stromal nucleus at stromal site (row, col), if one is there.
    pub(crate) fn stromal_cell(&self, row: i64, col: i64) -> Option<Cell> {
        let l = &self.lattice;
        let r: [f64; 8] = units(self.cfg.seed, S_STROMA, row, col);
        if r[0] >= STROMA_DENSITY {
            return None;
        }
        let x = (col as f64 + 0.5 + 0.7 * (r[1] - 0.5)) * l.stroma_spacing;
        let y = (row as f64 + 0.5 + 0.7 * (r[2] - 0.5)) * l.stroma_spacing;
        if !self.layout.tissue().any(|p| p.contains(x, y)) {
            return None;
        }
        let um = self.px_per_um;
        if self.layout.ducts_near(x, y, 6.0 * um).next().is_some() {
            return None;
        }
        let srow = l.row_of(y);
        for rr in srow - 2..=srow + 2 {
            let scol = l.col_of(rr, x);
            for cc in scol - 2..=scol + 2 {
                let (sx, sy) = self.site_position(rr, cc);
                if (sx - x).hypot(sy - y) < 1.25 * l.spacing && self.site(rr, cc).cell.is_some() {
                    return None;
                }
            }
        }
        let lymphocyte = r[3] < 0.25;
        let (a, b, h) = if lymphocyte {
            let a = (2.2 + 0.6 * r[4]) * um;
            (a, a * 0.92, 0.85 + 0.1 * r[5])
        } else {
            (
                (3.5 + 1.5 * r[4]) * um,
                (1.1 + 0.5 * r[5]) * um,
                0.6 + 0.2 * r[6],
            )
        };
        let angle = self.fibre_angle + 0.5 * (r[7] - 0.5);
        Some(Cell {
            id: l.stroma_id(row, col),
            kind: if lymphocyte {
                CellKind::Lymphocyte
            } else {
                CellKind::Stromal
            },
            nx: x,
            ny: y,
            a,
            b,
            cos: angle.cos(),
            sin: angle.sin(),
            nucleus_h: h as f32,
            pattern: UNSTAINED,
            dab: 0.0,
            completeness: 0.0,
            arcs: 1,
            phase: 0.0,
            blush: 0.0,
            vesicle: None,
        })
    }

    /// Every cell whose nucleus centre lies in [x, x+w) x [y, y+h), epithelial then stromal,
    /// each group in lattice order.
    pub(crate) fn cells_in_rect(&self, x: f64, y: f64, w: f64, h: f64) -> Vec<Cell> {
        let l = &self.lattice;
        let inside = |c: &Cell| {
            let (cx, cy) = c.centroid();
            cx >= x && cx < x + w && cy >= y && cy < y + h
        };
        let mut out = Vec::new();
        let pad = l.spacing;
        let (r0, r1) = (l.row_of(y - pad).max(0), l.row_of(y + h + pad).min(l.rows));
        for row in r0..=r1 {
            let (c0, c1) = (
                l.col_of(row, x - pad).max(0),
                l.col_of(row, x + w + pad).min(l.cols),
            );
            for col in c0..=c1 {
                if let Some(cell) = self.site(row, col).cell.filter(|c| inside(c)) {
                    out.push(cell);
                }
            }
        }
        let s = l.stroma_spacing;
        let (r0, r1) = (
            ((y / s).floor() as i64 - 1).max(0),
            ((y + h) / s).floor() as i64 + 1,
        );
        let (c0, c1) = (
            ((x / s).floor() as i64 - 1).max(0),
            ((x + w) / s).floor() as i64 + 1,
        );
        for row in r0..=r1.min(l.stroma_rows) {
            for col in c0..=c1.min(l.stroma_cols) {
                if let Some(cell) = self.stromal_cell(row, col).filter(|c| inside(c)) {
                    out.push(cell);
                }
            }
        }
        out
    }
}

/// The pattern of a control-piece cell: a 3+ control (mostly intense complete).
fn control_pattern(u: f64) -> Pattern {
    match u {
        u if u < 0.80 => PATTERN_ORDER[0],
        u if u < 0.90 => PATTERN_ORDER[2],
        u if u < 0.95 => PATTERN_ORDER[1],
        _ => UNSTAINED,
    }
}
