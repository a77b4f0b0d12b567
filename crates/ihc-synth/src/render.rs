//! Rendering: stain concentrations at sample points (Beer-Lambert), then colour, optical blur
//! and sensor noise. Every sample depends only on its level-0 coordinates, so a region renders
//! the same whatever tiling asked for it.

use image::{Rgb, RgbImage};
use rayon::prelude::*;

use crate::cells::{Cell, Lattice, MEMBRANE_HALF_WIDTH_UM, Site, ellipse_weight};
use crate::layout::Duct;
use crate::noise::{floor_i64, gaussish, hash3, round_u8, unit, value_noise};
use crate::slide::SyntheticSlide;
use crate::stain::{GLASS_OD, TISSUE_OD};

/// Hash streams of per-pixel randomness.
const S_PIXEL: u64 = 20;
const S_SENSOR: u64 = 21;
const S_FIBRE: u64 = 22;

/// Hematoxylin of stroma (base and fibre amplitude), cytoplasm, membrane and lumen.
const STROMA_H: f32 = 0.05;
const FIBRE_H: f32 = 0.08;
const CYTOPLASM_H: f32 = 0.07;
const MEMBRANE_H: f32 = 0.04;
const LUMEN_H: f32 = 0.01;

/// Rows per band when a large region is rendered in parallel.
const BAND_ROWS: u32 = 128;

/// A rectangular grid of sample points: sample (i, j) is at level-0
/// (x0 + (i + 0.5) * step, y0 + (j + 0.5) * step).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub x0: f64,
    pub y0: f64,
    pub step: f64,
    pub w: usize,
    pub h: usize,
}

/// Hematoxylin, DAB and neutral optical density at each grid sample (row-major).
pub(crate) struct Planes {
    pub h: Vec<f32>,
    pub d: Vec<f32>,
    pub n: Vec<f32>,
}

/// Lattice sites around a region, indexed by (row, col), cells pre-evaluated.
struct SiteTable {
    row0: i64,
    col0: i64,
    cols: usize,
    sites: Vec<Site>,
}

impl SiteTable {
    fn get(&self, row: i64, col: i64) -> &Site {
        let r = (row - self.row0) as usize;
        let c = (col - self.col0) as usize;
        &self.sites[r * self.cols + c]
    }
}

impl SyntheticSlide {
    fn site_table(&self, x0: f64, y0: f64, x1: f64, y1: f64) -> SiteTable {
        let l = &self.lattice;
        let row0 = l.row_of(y0) - 2;
        let row1 = l.row_of(y1) + 2;
        let col0 = (x0 / l.spacing).floor() as i64 - 3;
        let col1 = (x1 / l.spacing).floor() as i64 + 3;
        let cols = (col1 - col0 + 1) as usize;
        let sites = (row0..=row1)
            .flat_map(|r| (col0..=col1).map(move |c| (r, c)))
            .map(|(r, c)| self.site(r, c))
            .collect();
        SiteTable {
            row0,
            col0,
            cols,
            sites,
        }
    }

    /// Stain concentrations at every sample of `g`.
    pub(crate) fn stain_planes(&self, g: &Grid) -> Planes {
        let n = g.w * g.h;
        let mut planes = Planes {
            h: vec![0.0; n],
            d: vec![0.0; n],
            n: vec![GLASS_OD; n],
        };
        let (x0, y0) = (g.x0, g.y0);
        let (x1, y1) = (g.x0 + g.w as f64 * g.step, g.y0 + g.h as f64 * g.step);
        let l = &self.lattice;
        let table = self.site_table(x0, y0, x1, y1);
        let tissue: Vec<_> = self
            .layout
            .tissue()
            .filter(|p| p.bbox[0] <= x1 && p.bbox[2] >= x0 && p.bbox[1] <= y1 && p.bbox[3] >= y0)
            .collect();
        let reach = 0.5 * ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let ducts: Vec<Duct> = self
            .layout
            .ducts_near(0.5 * (x0 + x1), 0.5 * (y0 + y1), reach)
            .copied()
            .collect();
        let seed = self.cfg.seed;
        let um = self.px_per_um;
        let half_width = MEMBRANE_HALF_WIDTH_UM * um;
        let (fc, fs) = (self.fibre_angle.cos(), self.fibre_angle.sin());
        let ramp = g.step.max(1.0);
        let mut crossings = Vec::new();
        for j in 0..g.h {
            let y = y0 + (j as f64 + 0.5) * g.step;
            crossings.clear();
            for p in &tissue {
                p.crossings(y, &mut crossings);
            }
            crossings.sort_unstable_by(f64::total_cmp);
            let mut next = 0;
            for i in 0..g.w {
                let x = x0 + (i as f64 + 0.5) * g.step;
                while next < crossings.len() && crossings[next] < x {
                    next += 1;
                }
                let in_tissue = next % 2 == 1;
                let k = j * g.w + i;
                let (px, py) = (floor_i64(x), floor_i64(y));
                if in_tissue {
                    let u = (x * fc + y * fs) / um;
                    let v = (-x * fs + y * fc) / um;
                    let fibre = value_noise(seed, S_FIBRE, u / 12.0, v, 3.0) as f32;
                    let grain = unit(hash3(seed, S_PIXEL, px, py)) as f32;
                    planes.n[k] = GLASS_OD + TISSUE_OD;
                    planes.h[k] = STROMA_H + FIBRE_H * fibre * fibre + 0.02 * grain;
                    if ducts
                        .iter()
                        .any(|d| (d.x - x).powi(2) + (d.y - y).powi(2) < d.lumen * d.lumen)
                    {
                        planes.h[k] = LUMEN_H + 0.01 * grain;
                        continue;
                    }
                }
                if let Some((cell, boundary)) = nearest_cell(&table, l, x, y) {
                    let (h, d) = shade_cell(seed, cell, x, y, boundary, half_width, ramp);
                    planes.h[k] = h;
                    planes.d[k] = d;
                    planes.n[k] = GLASS_OD + TISSUE_OD;
                }
            }
        }
        self.draw_stromal_nuclei(g, &mut planes);
        planes
    }

    fn draw_stromal_nuclei(&self, g: &Grid, planes: &mut Planes) {
        let l = &self.lattice;
        let s = l.stroma_spacing;
        let pad = 8.0 * self.px_per_um;
        let (x0, y0) = (g.x0 - pad, g.y0 - pad);
        let (x1, y1) = (
            g.x0 + g.w as f64 * g.step + pad,
            g.y0 + g.h as f64 * g.step + pad,
        );
        for row in
            ((y0 / s).floor() as i64 - 1).max(0)..=((y1 / s).floor() as i64 + 1).min(l.stroma_rows)
        {
            for col in ((x0 / s).floor() as i64 - 1).max(0)
                ..=((x1 / s).floor() as i64 + 1).min(l.stroma_cols)
            {
                if let Some(cell) = self.stromal_cell(row, col) {
                    paint_nucleus(&cell, g, planes, self.cfg.seed);
                }
            }
        }
    }

    /// Colour (0..=255 floats, RGB interleaved) of every sample of `g`.
    pub(crate) fn colour(&self, g: &Grid) -> Vec<f32> {
        let planes = self.stain_planes(g);
        let mut rgb = Vec::with_capacity(3 * planes.h.len());
        for k in 0..planes.h.len() {
            rgb.extend_from_slice(&self.colorizer.rgb(planes.h[k], planes.d[k], planes.n[k]));
        }
        rgb
    }

    /// Renders the level-0 region (x, y, w, h): blur, sensor noise, 8-bit RGB. Pixels
    /// outside the slide render as glass. Large regions are rendered in parallel bands.
    pub fn render_region(&self, x: u32, y: u32, w: u32, h: u32) -> RgbImage {
        if w == 0 || h == 0 {
            return RgbImage::new(w, h);
        }
        if u64::from(w) * u64::from(h) <= 1 << 20 || h <= BAND_ROWS {
            return self.render_band(x, y, w, h);
        }
        let bands: Vec<RgbImage> = (0..h.div_ceil(BAND_ROWS))
            .into_par_iter()
            .map(|b| {
                let top = b * BAND_ROWS;
                self.render_band(x, y + top, w, BAND_ROWS.min(h - top))
            })
            .collect();
        let mut raw = Vec::with_capacity(3 * w as usize * h as usize);
        for band in bands {
            raw.extend_from_slice(band.as_raw());
        }
        RgbImage::from_raw(w, h, raw).unwrap_or_else(|| RgbImage::new(w, h))
    }

    fn render_band(&self, x: u32, y: u32, w: u32, h: u32) -> RgbImage {
        let margin = usize::from(self.cfg.blur_sigma > 0.0);
        let (w, h) = (w as usize, h as usize);
        let g = Grid {
            x0: x as f64 - margin as f64,
            y0: y as f64 - margin as f64,
            step: 1.0,
            w: w + 2 * margin,
            h: h + 2 * margin,
        };
        let mut rgb = self.colour(&g);
        if margin > 0 {
            rgb = blur3(&rgb, g.w, g.h, self.cfg.blur_sigma);
        }
        let sigma = self.cfg.noise_sigma as f32;
        let seed = self.cfg.seed;
        let mut out = RgbImage::new(w as u32, h as u32);
        for (j, row) in out.rows_mut().enumerate() {
            for (i, px) in row.enumerate() {
                let k = 3 * ((j + margin) * g.w + i + margin);
                let (gx, gy) = (x as i64 + i as i64, y as i64 + j as i64);
                let noise = hash3(seed, S_SENSOR, gx, gy);
                let mut v = [0u8; 3];
                for c in 0..3 {
                    let n = gaussish(crate::noise::mix64(noise ^ c as u64)) as f32 * sigma;
                    v[c] = round_u8(rgb[k + c] + n);
                }
                *px = Rgb(v);
            }
        }
        out
    }

    /// A thumbnail whose longer side is `max_side` pixels, rendered directly at low resolution
    /// (2x2 samples per pixel, no noise), not by downsampling level 0.
    pub fn render_thumbnail(&self, max_side: u32) -> RgbImage {
        let (tw, th, ds) = self.thumbnail_size(max_side);
        let chunk = 32u32;
        let bands: Vec<Vec<u8>> = (0..th.div_ceil(chunk))
            .into_par_iter()
            .map(|b| {
                let top = b * chunk;
                let rows = chunk.min(th - top) as usize;
                let g = Grid {
                    x0: 0.0,
                    y0: top as f64 * ds,
                    step: ds / 2.0,
                    w: 2 * tw as usize,
                    h: 2 * rows,
                };
                let rgb = self.colour(&g);
                let mut out = Vec::with_capacity(3 * tw as usize * rows);
                for j in 0..rows {
                    for i in 0..tw as usize {
                        for c in 0..3 {
                            let at = |dj: usize, di: usize| {
                                rgb[3 * ((2 * j + dj) * g.w + 2 * i + di) + c]
                            };
                            let mean = (at(0, 0) + at(0, 1) + at(1, 0) + at(1, 1)) / 4.0;
                            out.push(round_u8(mean));
                        }
                    }
                }
                out
            })
            .collect();
        RgbImage::from_raw(tw, th, bands.concat()).unwrap_or_else(|| RgbImage::new(tw, th))
    }

    /// Thumbnail size (w, h) and its downsample for a longer side of `max_side`.
    pub fn thumbnail_size(&self, max_side: u32) -> (u32, u32, f64) {
        let (w, h) = (self.cfg.width as f64, self.cfg.height as f64);
        let ds = (w.max(h) / max_side.max(1) as f64).max(1.0);
        (
            ((w / ds).round() as u32).max(1),
            ((h / ds).round() as u32).max(1),
            ds,
        )
    }
}

/// The cell whose Voronoi domain holds (x, y), with the distance to that domain's boundary.
#[inline]
fn nearest_cell<'a>(table: &'a SiteTable, l: &Lattice, x: f64, y: f64) -> Option<(&'a Cell, f64)> {
    let row = l.row_of(y);
    let mut near: [(f64, &Site); 9] = [(f64::INFINITY, table.get(row, l.col_of(row, x))); 9];
    let mut any_cell = false;
    let mut k = 0;
    for r in row - 1..=row + 1 {
        let c0 = l.col_of(r, x);
        for c in c0 - 1..=c0 + 1 {
            let s = table.get(r, c);
            any_cell |= s.cell.is_some();
            near[k] = ((s.x - x).powi(2) + (s.y - y).powi(2), s);
            k += 1;
        }
    }
    if !any_cell {
        return None;
    }
    // The first nearest site (squared distances are never NaN or -0).
    let mut best = 0;
    for (i, n) in near.iter().enumerate().skip(1) {
        if n.0 < near[best].0 {
            best = i;
        }
    }
    let (d1, site) = near[best];
    let cell = site.cell.as_ref()?;
    let mut boundary = f64::INFINITY;
    for (i, &(dj, other)) in near.iter().enumerate() {
        if i != best {
            let sep = (other.x - site.x).hypot(other.y - site.y);
            boundary = boundary.min((dj - d1) / (2.0 * sep.max(1e-9)));
        }
    }
    Some((cell, boundary))
}

/// Hematoxylin and DAB inside a cell: cytoplasm, membrane band (DAB on its stained arcs),
/// nucleus with chromatin grain (classic) or a vesicular nucleus (rim, texture, nucleoli).
#[inline]
fn shade_cell(
    seed: u64,
    cell: &Cell,
    x: f64,
    y: f64,
    boundary: f64,
    half_width: f64,
    ramp: f64,
) -> (f32, f32) {
    let hash = hash3(seed, S_PIXEL, floor_i64(x), floor_i64(y));
    let grain = unit(hash) as f32;
    let grain2 = unit(crate::noise::mix64(hash)) as f32;
    let membrane = ((half_width + 0.5 * ramp - boundary) / ramp).clamp(0.0, 1.0) as f32;
    let (nucleus, nucleus_h) = match &cell.vesicle {
        None => (
            cell.nucleus_weight(x, y, ramp) as f32,
            cell.nucleus_h * (0.8 + 0.4 * grain),
        ),
        Some(v) => {
            let (weight, depth) = v.weight_and_depth(x - cell.nx, y - cell.ny, ramp);
            let h = if weight > 0.0 {
                v.hematoxylin(seed, x, y, depth, grain, ramp)
            } else {
                0.0
            };
            (weight as f32, h)
        }
    };
    let mut h = CYTOPLASM_H + MEMBRANE_H * membrane;
    let mut d = cell.blush * (1.0 - nucleus);
    if membrane > 0.0 && cell.dab > 0.0 {
        let theta = (y - cell.ny).atan2(x - cell.nx);
        if cell.stained_at(theta) {
            d += membrane * cell.dab * (0.85 + 0.3 * grain2);
        }
    }
    h = h * (1.0 - nucleus) + nucleus * nucleus_h;
    (h, d)
}

/// Paints a stromal nucleus into the planes (blending over stroma).
fn paint_nucleus(cell: &Cell, g: &Grid, planes: &mut Planes, seed: u64) {
    let r = cell.a + 2.0;
    let i0 = (((cell.nx - r - g.x0) / g.step).floor().max(0.0)) as usize;
    let j0 = (((cell.ny - r - g.y0) / g.step).floor().max(0.0)) as usize;
    let i1 = (((cell.nx + r - g.x0) / g.step).ceil().max(0.0) as usize).min(g.w);
    let j1 = (((cell.ny + r - g.y0) / g.step).ceil().max(0.0) as usize).min(g.h);
    let ramp = g.step.max(1.0);
    for j in j0..j1 {
        let y = g.y0 + (j as f64 + 0.5) * g.step;
        for i in i0..i1 {
            let x = g.x0 + (i as f64 + 0.5) * g.step;
            let w = ellipse_weight(
                x - cell.nx,
                y - cell.ny,
                cell.a,
                cell.b,
                cell.cos,
                cell.sin,
                ramp,
            ) as f32;
            if w > 0.0 {
                let k = j * g.w + i;
                let grain = unit(hash3(seed, S_PIXEL, floor_i64(x), floor_i64(y))) as f32;
                planes.h[k] = planes.h[k] * (1.0 - w) + w * cell.nucleus_h * (0.85 + 0.3 * grain);
            }
        }
    }
}

/// Separable 3-tap Gaussian blur of an interleaved RGB float image (edges clamped).
fn blur3(rgb: &[f32], w: usize, h: usize, sigma: f64) -> Vec<f32> {
    let side = (-1.0 / (2.0 * sigma * sigma)).exp();
    let (a, b) = (
        (side / (1.0 + 2.0 * side)) as f32,
        (1.0 / (1.0 + 2.0 * side)) as f32,
    );
    let mut tmp = vec![0f32; rgb.len()];
    for j in 0..h {
        for i in 0..w {
            let (l, r) = (i.saturating_sub(1), (i + 1).min(w - 1));
            for c in 0..3 {
                let at = |ii: usize| rgb[3 * (j * w + ii) + c];
                tmp[3 * (j * w + i) + c] = a * at(l) + b * at(i) + a * at(r);
            }
        }
    }
    let mut out = vec![0f32; rgb.len()];
    for j in 0..h {
        let (u, d) = (j.saturating_sub(1), (j + 1).min(h - 1));
        for i in 0..w {
            for c in 0..3 {
                let at = |jj: usize| tmp[3 * (jj * w + i) + c];
                out[3 * (j * w + i) + c] = a * at(u) + b * at(j) + a * at(d);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Her2Class, Look, SynthConfig};

    #[test]
    fn vesicular_nuclei_are_never_clipped_by_a_neighbouring_cell() {
        for mpp in [0.25, 0.5] {
            let cfg = Look::Realistic.config(SynthConfig {
                mpp,
                control: false,
                tissue_fraction: [0.6, 0.7],
                ..SynthConfig::new(2048, 2048, Her2Class::Positive3, 2)
            });
            let s = SyntheticSlide::new(&cfg).unwrap();
            let table = s.site_table(0.0, 0.0, 2048.0, 2048.0);
            let cells = s.cells_in_rect(64.0, 64.0, 1920.0, 1920.0);
            let mut checked = 0;
            for c in cells.iter().filter(|c| c.vesicle.is_some()).take(400) {
                let v = c.vesicle.as_ref().unwrap();
                let r = v.reach().ceil() + 2.0;
                let (x0, y0) = (c.nx.floor() - r, c.ny.floor() - r);
                for j in 0..=(2.0 * r) as usize {
                    for i in 0..=(2.0 * r) as usize {
                        let (x, y) = (x0 + i as f64 + 0.5, y0 + j as f64 + 0.5);
                        if v.weight_and_depth(x - c.nx, y - c.ny, 1.0).0 > 0.0 {
                            let owner = nearest_cell(&table, &s.lattice, x, y);
                            assert_eq!(owner.map(|(o, _)| o.id), Some(c.id), "{mpp}: ({x}, {y})");
                        }
                    }
                }
                checked += 1;
            }
            assert!(checked > 50, "{mpp}: {checked} nuclei");
        }
    }
}
