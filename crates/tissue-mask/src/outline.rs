//! Outlines of tissue pieces as polygons along pixel edges (for GeoJSON): every boundary edge
//! of a piece becomes a directed unit segment (clockwise around the piece's pixels on screen),
//! the segments are chained into rings, and straight runs are merged. Where two pixels of a
//! piece touch only at a corner (8-connectivity), the ring passes through that corner so that
//! each piece has exactly one outer ring; holes are the other rings.

use std::collections::HashMap;

use crate::mask::TissueMask;

/// The rings of one piece in mask-pixel corner coordinates: the outer ring first, then holes.
pub type Rings = Vec<Vec<(u32, u32)>>;

/// Directions: right, down, left, up (screen coordinates, y down).
const STEP: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// Outlines of every piece of `mask`, indexed by piece id - 1.
pub fn piece_outlines(mask: &TissueMask) -> Vec<Rings> {
    let (w, h) = mask.dimensions();
    let mut labels = vec![0u32; w as usize * h as usize];
    let mut runs_of: Vec<Vec<crate::components::Run>> = vec![Vec::new(); mask.pieces().len()];
    for (run, id) in mask.labelled_runs() {
        let row = run.y as usize * w as usize;
        labels[row + run.x0 as usize..row + run.x1 as usize].fill(id);
        runs_of[id as usize - 1].push(run);
    }
    let label_at = |x: i64, y: i64| -> u32 {
        if x < 0 || y < 0 || x >= i64::from(w) || y >= i64::from(h) {
            0
        } else {
            labels[y as usize * w as usize + x as usize]
        }
    };
    runs_of
        .iter()
        .enumerate()
        .map(|(i, runs)| {
            let id = i as u32 + 1;
            // Outgoing boundary edges per corner vertex: (direction) list.
            let mut out: HashMap<(u32, u32), Vec<u8>> = HashMap::new();
            for run in runs {
                let y = i64::from(run.y);
                for x in i64::from(run.x0)..i64::from(run.x1) {
                    let (xu, yu) = (x as u32, y as u32);
                    if label_at(x, y - 1) != id {
                        out.entry((xu, yu)).or_default().push(0);
                    }
                    if label_at(x + 1, y) != id {
                        out.entry((xu + 1, yu)).or_default().push(1);
                    }
                    if label_at(x, y + 1) != id {
                        out.entry((xu + 1, yu + 1)).or_default().push(2);
                    }
                    if label_at(x - 1, y) != id {
                        out.entry((xu, yu + 1)).or_default().push(3);
                    }
                }
            }
            chain_rings(out)
        })
        .collect()
}

/// Chains directed unit edges into closed rings, keeping only the corner vertices; the ring
/// with the largest area (the outer one) comes first.
fn chain_rings(mut out: HashMap<(u32, u32), Vec<u8>>) -> Rings {
    let mut starts: Vec<(u32, u32)> = out.keys().copied().collect();
    starts.sort_unstable_by_key(|&(x, y)| (y, x));
    let mut rings: Vec<(i64, Vec<(u32, u32)>)> = Vec::new();
    for start in starts {
        while let Some(first) = out.get_mut(&start).and_then(Vec::pop) {
            let mut ring = vec![start];
            let mut v = start;
            let mut dir = first;
            loop {
                let (dx, dy) = STEP[usize::from(dir)];
                v = ((i64::from(v.0) + dx) as u32, (i64::from(v.1) + dy) as u32);
                if v == start {
                    break;
                }
                let Some(choices) = out.get_mut(&v).filter(|c| !c.is_empty()) else {
                    break;
                };
                // At a corner where the piece touches itself diagonally, turn towards the
                // other pixel: outgoing = incoming rotated a quarter turn counter-clockwise.
                let next = if choices.len() > 1 {
                    let want = (dir + 3) % 4;
                    let k = choices.iter().position(|&c| c == want).unwrap_or(0);
                    choices.swap_remove(k)
                } else {
                    choices.pop().unwrap_or(dir)
                };
                if next != dir {
                    ring.push(v);
                }
                dir = next;
            }
            // Drop the start if it lies on a straight stretch, then close the ring.
            if ring.len() > 2 && first == dir {
                ring.remove(0);
            }
            if let Some(&f) = ring.first() {
                ring.push(f);
            }
            let area2: i64 = ring
                .windows(2)
                .map(|p| {
                    i64::from(p[0].0) * i64::from(p[1].1) - i64::from(p[1].0) * i64::from(p[0].1)
                })
                .sum();
            rings.push((area2, ring));
        }
    }
    // Clockwise on screen (y down) gives a positive shoelace sum: the outer ring has the
    // largest; holes are negative.
    rings.sort_by_key(|(a, _)| std::cmp::Reverse(*a));
    rings.into_iter().map(|(_, r)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bitmap::Bitmap;
    use crate::mask::MaskSource;

    fn mask(b: Bitmap) -> TissueMask {
        TissueMask::from_bitmap(b, 1.0, 1.0, None, MaskSource::External("test".into())).unwrap()
    }

    #[test]
    fn a_square_with_a_hole() {
        let b = Bitmap::from_fn(10, 10, |x, y| {
            (2..8).contains(&x) && (2..8).contains(&y) && !(x == 4 && y == 4)
        });
        let rings = &piece_outlines(&mask(b))[0];
        assert_eq!(rings.len(), 2);
        assert_eq!(rings[0].len(), 5);
        let mut outer = rings[0][..4].to_vec();
        outer.sort_unstable();
        assert_eq!(outer, vec![(2, 2), (2, 8), (8, 2), (8, 8)]);
        assert_eq!(rings[1].len(), 5);
    }

    #[test]
    fn diagonal_pixels_share_one_ring() {
        let b = Bitmap::from_fn(4, 4, |x, y| (x, y) == (1, 1) || (x, y) == (2, 2));
        let m = mask(b);
        assert_eq!(m.pieces().len(), 1);
        let rings = &piece_outlines(&m)[0];
        assert_eq!(rings.len(), 1, "{rings:?}");
        assert_eq!(rings[0].len(), 9);
    }
}
