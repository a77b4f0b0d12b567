//! Connected components of a [`Bitmap`] by run-length labelling: rows are cut into runs of set
//! pixels (found with `trailing_zeros` on 64-pixel words), runs of neighbouring rows that touch
//! are joined with union-find, and each component gets its area, bounding box and centroid.
//! Components are numbered in raster order of their first pixel (top to bottom, then left to
//! right), which makes the numbering stable for a given mask.

use crate::bitmap::Bitmap;

/// Which neighbours connect two pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Connectivity {
    /// Edge neighbours only (used for background, so holes and pieces do not leak diagonally).
    Four,
    /// Edge and corner neighbours (used for tissue pieces).
    Eight,
}

/// A horizontal run of set pixels: row `y`, columns `x0..x1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    /// Row.
    pub y: u32,
    /// First column.
    pub x0: u32,
    /// One past the last column.
    pub x1: u32,
}

/// Size and position of one component, in bitmap pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ComponentStats {
    /// Number of pixels.
    pub area: u64,
    /// Bounding box `[x0, y0, x1, y1]`, ends exclusive.
    pub bbox: [u32; 4],
    /// Mean x of the pixel centres.
    pub centroid_x: f64,
    /// Mean y of the pixel centres.
    pub centroid_y: f64,
    /// Whether the component touches the bitmap's border.
    pub touches_border: bool,
}

/// The components of a bitmap: its runs, the component of each run, and per-component stats.
#[derive(Debug, Clone)]
pub struct Components {
    /// All runs, in raster order.
    pub runs: Vec<Run>,
    /// Component index of each run (`0..stats.len()`).
    pub run_labels: Vec<u32>,
    /// Per-component statistics, in raster order of the components' first pixels.
    pub stats: Vec<ComponentStats>,
}

/// Runs of row `y` of `bitmap`, appended to `out`.
fn row_runs(bitmap: &Bitmap, y: usize, out: &mut Vec<Run>) {
    let width = bitmap.width();
    let mut start: Option<u32> = None;
    for (i, &word) in bitmap.row(y).iter().enumerate() {
        let base = 64 * i as u32;
        let mut pos = 0u32;
        while pos < 64 {
            // Bits at or after `pos` of the word (or of its complement, when inside a run).
            let pending = if start.is_some() { !word } else { word } >> pos;
            if pending == 0 {
                break;
            }
            pos += pending.trailing_zeros();
            match start.take() {
                Some(x0) => out.push(Run {
                    y: y as u32,
                    x0,
                    x1: base + pos,
                }),
                None => start = Some(base + pos),
            }
        }
    }
    if let Some(x0) = start {
        out.push(Run {
            y: y as u32,
            x0,
            x1: width,
        });
    }
}

fn find(parent: &mut [u32], mut i: u32) -> u32 {
    while parent[i as usize] != i {
        let up = parent[parent[i as usize] as usize];
        parent[i as usize] = up;
        i = up;
    }
    i
}

fn union(parent: &mut [u32], a: u32, b: u32) {
    let (ra, rb) = (find(parent, a), find(parent, b));
    // Keep the smaller (earlier) run as root so labels follow raster order.
    if ra < rb {
        parent[rb as usize] = ra;
    } else if rb < ra {
        parent[ra as usize] = rb;
    }
}

/// Labels the set pixels of `bitmap` into connected components.
pub fn label(bitmap: &Bitmap, connectivity: Connectivity) -> Components {
    let reach = u32::from(connectivity == Connectivity::Eight);
    let height = bitmap.height() as usize;
    let mut runs = Vec::new();
    let mut parent: Vec<u32> = Vec::new();
    let mut prev = 0..0;
    for y in 0..height {
        let start = runs.len();
        row_runs(bitmap, y, &mut runs);
        parent.extend(start as u32..runs.len() as u32);
        let mut j = prev.start;
        for c in start..runs.len() {
            let cur = runs[c];
            while j < prev.end && runs[j].x1 + reach <= cur.x0 {
                j += 1;
            }
            let mut k = j;
            while k < prev.end && runs[k].x0 < cur.x1 + reach {
                union(&mut parent, k as u32, c as u32);
                k += 1;
            }
        }
        prev = start..runs.len();
    }
    let (w, h) = (bitmap.width(), bitmap.height());
    let mut index_of_root = vec![u32::MAX; runs.len()];
    let mut run_labels = Vec::with_capacity(runs.len());
    let mut sums: Vec<(u64, [u32; 4], f64, f64, bool)> = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let root = find(&mut parent, i as u32) as usize;
        if index_of_root[root] == u32::MAX {
            index_of_root[root] = sums.len() as u32;
            sums.push((0, [u32::MAX, u32::MAX, 0, 0], 0.0, 0.0, false));
        }
        let label = index_of_root[root];
        run_labels.push(label);
        let s = &mut sums[label as usize];
        let len = u64::from(run.x1 - run.x0);
        s.0 += len;
        s.1 = [
            s.1[0].min(run.x0),
            s.1[1].min(run.y),
            s.1[2].max(run.x1),
            s.1[3].max(run.y + 1),
        ];
        s.2 += (f64::from(run.x0) + f64::from(run.x1 - 1)) / 2.0 * len as f64;
        s.3 += f64::from(run.y) * len as f64;
        s.4 |= run.y == 0 || run.y + 1 == h || run.x0 == 0 || run.x1 == w;
    }
    let stats = sums
        .into_iter()
        .map(|(area, bbox, sx, sy, touches_border)| ComponentStats {
            area,
            bbox,
            centroid_x: sx / area as f64,
            centroid_y: sy / area as f64,
            touches_border,
        })
        .collect();
    Components {
        runs,
        run_labels,
        stats,
    }
}

/// Fills the holes (background components not touching the border, 4-connected) whose area is
/// below `max_area` pixels; `u64::MAX` fills every hole.
pub fn fill_holes_below(bitmap: &mut Bitmap, max_area: u64) {
    let background = label(&bitmap.not(), Connectivity::Four);
    for (run, &l) in background.runs.iter().zip(&background.run_labels) {
        let stats = &background.stats[l as usize];
        if !stats.touches_border && stats.area < max_area {
            bitmap.set_span(run.y, run.x0, run.x1, true);
        }
    }
}

/// Removes the 8-connected pieces whose area is below `min_area` pixels.
pub fn remove_pieces_below(bitmap: &mut Bitmap, min_area: u64) {
    let pieces = label(bitmap, Connectivity::Eight);
    for (run, &l) in pieces.runs.iter().zip(&pieces.run_labels) {
        if pieces.stats[l as usize].area < min_area {
            bitmap.set_span(run.y, run.x0, run.x1, false);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_cross_word_boundaries() {
        let mut b = Bitmap::new(200, 1);
        b.set_span(0, 3, 5, true);
        b.set_span(0, 60, 140, true);
        b.set_span(0, 190, 200, true);
        let mut runs = Vec::new();
        row_runs(&b, 0, &mut runs);
        let spans: Vec<_> = runs.iter().map(|r| (r.x0, r.x1)).collect();
        assert_eq!(spans, vec![(3, 5), (60, 140), (190, 200)]);
    }

    #[test]
    fn diagonal_pixels_join_only_with_eight_connectivity() {
        let b = Bitmap::from_fn(4, 4, |x, y| x == y);
        assert_eq!(label(&b, Connectivity::Eight).stats.len(), 1);
        assert_eq!(label(&b, Connectivity::Four).stats.len(), 4);
    }

    #[test]
    fn stats_of_a_u_shape() {
        // A U: two columns joined at the bottom; labelled as one component.
        let b = Bitmap::from_fn(10, 10, |x, y| {
            (x == 1 || x == 8 || y == 8) && (1..=8).contains(&x) && (1..=8).contains(&y)
        });
        let c = label(&b, Connectivity::Four);
        assert_eq!(c.stats.len(), 1);
        let s = c.stats[0];
        assert_eq!(s.area, 8 + 8 + 6);
        assert_eq!(s.bbox, [1, 1, 9, 9]);
        assert!(!s.touches_border);
        assert!((s.centroid_x - 4.5).abs() < 1e-9);
    }

    #[test]
    fn components_are_numbered_in_raster_order() {
        let b = Bitmap::from_fn(10, 6, |x, y| (y == 4 && x < 3) || (y == 1 && x > 6));
        let c = label(&b, Connectivity::Eight);
        assert_eq!(c.stats[0].bbox[1], 1);
        assert_eq!(c.stats[1].bbox[1], 4);
    }

    #[test]
    fn small_holes_fill_and_small_pieces_go() {
        let mut b = Bitmap::from_fn(40, 40, |x, y| (5..35).contains(&x) && (5..35).contains(&y));
        b.set(10, 10, false); // a 1-px hole
        for y in 15..25 {
            b.set_span(y, 15, 25, false); // a 100-px hole
        }
        b.set(0, 39, true); // a 1-px piece
        let mut filled = b.clone();
        fill_holes_below(&mut filled, 50);
        assert!(filled.get(10, 10) && !filled.get(20, 20));
        fill_holes_below(&mut filled, u64::MAX);
        assert!(filled.get(20, 20));
        remove_pieces_below(&mut filled, 2);
        assert!(!filled.get(0, 39));
        assert_eq!(filled.count_ones(), 900);
    }
}
