//! Outer boundary of a labelled region as a polygon on pixel corners (crack following with
//! 4-connectivity), for GeoJSON and overlays.

/// Directions along pixel edges, clockwise on screen (y down): east, south, west, north.
const DIRS: [(i64, i64); 4] = [(1, 0), (0, 1), (-1, 0), (0, -1)];

/// Traces the outer boundary of `label`, starting from its first pixel in raster order
/// `start`; returns the corner points where the boundary turns (closed implicitly).
pub fn trace(
    labels: &[u32],
    width: usize,
    height: usize,
    label: u32,
    start: usize,
) -> Vec<[u32; 2]> {
    let inside = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && (x as usize) < width
            && (y as usize) < height
            && labels[y as usize * width + x as usize] == label
    };
    // pixel on the given side of the edge from corner c along direction d
    let edge_pixel = |c: (i64, i64), d: (i64, i64), side: (i64, i64)| {
        let xs = [c.0, c.0 + d.0, c.0 + side.0, c.0 + d.0 + side.0];
        let ys = [c.1, c.1 + d.1, c.1 + side.1, c.1 + d.1 + side.1];
        (
            xs.into_iter().min().unwrap_or(0),
            ys.into_iter().min().unwrap_or(0),
        )
    };
    let start_corner = ((start % width) as i64, (start / width) as i64);
    let mut c = start_corner;
    let mut dir = 0usize;
    let mut points = vec![[c.0 as u32, c.1 as u32]];
    let limit = 4 * (labels.len() + width + height + 4);
    let mut moved = false;
    for _ in 0..limit {
        if moved && c == start_corner && dir == 0 {
            break;
        }
        let d = DIRS[dir];
        let right = DIRS[(dir + 1) % 4];
        let left = DIRS[(dir + 3) % 4];
        let ar = edge_pixel(c, d, right);
        let al = edge_pixel(c, d, left);
        let new_dir = match (inside(ar.0, ar.1), inside(al.0, al.1)) {
            (true, false) => dir,
            (true, true) => (dir + 3) % 4,
            (false, _) => (dir + 1) % 4,
        };
        if new_dir != dir {
            dir = new_dir;
            if points.last() != Some(&[c.0 as u32, c.1 as u32]) {
                points.push([c.0 as u32, c.1 as u32]);
            }
            continue;
        }
        c = (c.0 + d.0, c.1 + d.1);
        moved = true;
    }
    if points.len() > 1 && points.first() == points.last() {
        points.pop();
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_and_l_shape() {
        let (w, h) = (5, 4);
        let mut lab = vec![0u32; w * h];
        for y in 1..3 {
            for x in 1..3 {
                lab[y * w + x] = 7;
            }
        }
        assert_eq!(
            trace(&lab, w, h, 7, w + 1),
            vec![[1, 1], [3, 1], [3, 3], [1, 3]]
        );
        lab[3 * w + 1] = 7; // L shape
        assert_eq!(
            trace(&lab, w, h, 7, w + 1),
            vec![[1, 1], [3, 1], [3, 3], [2, 3], [2, 4], [1, 4]]
        );
        let one = vec![1u32];
        assert_eq!(
            trace(&one, 1, 1, 1, 0),
            vec![[0, 0], [1, 0], [1, 1], [0, 1]]
        );
    }

    #[test]
    fn diagonal_neighbour_is_not_followed() {
        #[rustfmt::skip]
        let lab = [
            1, 0,
            0, 1,
        ];
        assert_eq!(
            trace(&lab, 2, 2, 1, 0),
            vec![[0, 0], [1, 0], [1, 1], [0, 1]]
        );
    }
}
