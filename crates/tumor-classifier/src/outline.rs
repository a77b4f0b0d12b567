//! Grid-cell masks to regions and polygons: 4-connected components, and the outline of each
//! component as a polygon with holes, traced along cell edges.

use std::collections::HashMap;

/// 4-connected components of the set cells of a `cols` x `rows` row-major grid, each as a
/// list of cell indices (components and cells in raster order).
pub fn components(cells: &[bool], cols: usize, rows: usize) -> Vec<Vec<usize>> {
    let mut seen = vec![false; cells.len()];
    let mut out = Vec::new();
    for start in 0..cells.len() {
        if !cells[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut component = Vec::new();
        while let Some(i) = stack.pop() {
            component.push(i);
            let (c, r) = (i % cols, i / cols);
            let mut visit = |j: usize| {
                if cells[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if c > 0 {
                visit(i - 1);
            }
            if c + 1 < cols {
                visit(i + 1);
            }
            if r > 0 {
                visit(i - cols);
            }
            if r + 1 < rows {
                visit(i + cols);
            }
        }
        component.sort_unstable();
        out.push(component);
    }
    out
}

/// A closed ring of grid vertices (`(col, row)` corner coordinates), first point not repeated.
pub type Ring = Vec<(i64, i64)>;

/// The outline of one component: its exterior ring and its holes, in grid-vertex units.
pub fn outline(component: &[usize], cols: usize) -> (Ring, Vec<Ring>) {
    let inside: std::collections::HashSet<usize> = component.iter().copied().collect();
    let is_set = |c: i64, r: i64| {
        c >= 0
            && r >= 0
            && (c as usize) < cols
            && inside.contains(&(r as usize * cols + c as usize))
    };
    // Directed boundary edges, clockwise on screen around each cell (y grows downwards).
    let mut next: HashMap<(i64, i64), Vec<(i64, i64)>> = HashMap::new();
    for &i in component {
        let (c, r) = ((i % cols) as i64, (i / cols) as i64);
        let mut add = |from: (i64, i64), to: (i64, i64)| next.entry(from).or_default().push(to);
        if !is_set(c, r - 1) {
            add((c, r), (c + 1, r));
        }
        if !is_set(c + 1, r) {
            add((c + 1, r), (c + 1, r + 1));
        }
        if !is_set(c, r + 1) {
            add((c + 1, r + 1), (c, r + 1));
        }
        if !is_set(c - 1, r) {
            add((c, r + 1), (c, r));
        }
    }
    let mut starts: Vec<(i64, i64)> = next.keys().copied().collect();
    starts.sort_unstable_by_key(|&(c, r)| (r, c));
    let mut rings: Vec<Ring> = Vec::new();
    for start in starts {
        while next.get(&start).is_some_and(|v| !v.is_empty()) {
            let mut ring = vec![start];
            let mut at = start;
            while let Some(to) = next.get_mut(&at).and_then(Vec::pop) {
                at = to;
                if at == start {
                    break;
                }
                ring.push(at);
            }
            rings.push(simplify(ring));
        }
    }
    let exterior_index = rings
        .iter()
        .enumerate()
        .max_by(|a, b| area(a.1).abs().total_cmp(&area(b.1).abs()))
        .map(|(i, _)| i)
        .unwrap_or(0);
    let exterior = if rings.is_empty() {
        Vec::new()
    } else {
        rings.swap_remove(exterior_index)
    };
    (exterior, rings)
}

/// Drops the vertices in the middle of straight runs.
fn simplify(ring: Ring) -> Ring {
    let n = ring.len();
    if n < 4 {
        return ring;
    }
    (0..n)
        .filter(|&i| {
            let (a, b, c) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            (b.0 - a.0) * (c.1 - b.1) != (b.1 - a.1) * (c.0 - b.0)
        })
        .map(|i| ring[i])
        .collect()
}

/// Shoelace area (positive for rings clockwise on screen).
pub fn area(ring: &[(i64, i64)]) -> f64 {
    let n = ring.len();
    let twice: i64 = (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum();
    twice as f64 / 2.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_are_four_connected() {
        // 1 1 0
        // 0 0 1
        // 0 1 1
        let cells = [true, true, false, false, false, true, false, true, true];
        let comps = components(&cells, 3, 3);
        assert_eq!(comps, vec![vec![0, 1], vec![5, 7, 8]]);
    }

    #[test]
    fn a_ring_of_cells_has_one_hole() {
        // 3x3 block with the centre missing.
        let mut cells = vec![true; 9];
        cells[4] = false;
        let comps = components(&cells, 3, 3);
        assert_eq!(comps.len(), 1);
        let (exterior, holes) = outline(&comps[0], 3);
        assert_eq!(area(&exterior).abs(), 9.0);
        assert_eq!(exterior.len(), 4, "{exterior:?}");
        assert_eq!(holes.len(), 1);
        assert_eq!(area(&holes[0]).abs(), 1.0);
        assert!(
            area(&exterior) * area(&holes[0]) < 0.0,
            "holes wind the other way"
        );
    }
}
