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

/// The first pixel in raster order of the 4-connected region of `label` that holds `seed`:
/// where [`trace`] starts to follow that region's outer boundary (a label can have stray
/// pixels apart from its main region; this picks the region around the seed). `seen` (one
/// flag per pixel, shared between calls for different labels) marks the pixels visited.
pub fn region_start(
    labels: &[u32],
    width: usize,
    label: u32,
    seed: usize,
    seen: &mut [bool],
) -> usize {
    let height = labels.len() / width.max(1);
    let mut first = seed;
    let mut stack = vec![seed];
    seen[seed] = true;
    while let Some(i) = stack.pop() {
        first = first.min(i);
        let (x, y) = (i % width, i / width);
        let neighbours = [
            (x > 0).then(|| i - 1),
            (x + 1 < width).then(|| i + 1),
            (y > 0).then(|| i - width),
            (y + 1 < height).then(|| i + width),
        ];
        for j in neighbours.into_iter().flatten() {
            if !seen[j] && labels[j] == label {
                seen[j] = true;
                stack.push(j);
            }
        }
    }
    first
}

/// The closed `ring` with the vertices that change its shape by at most `tolerance` pixels
/// dropped (Douglas-Peucker, split at the first point and the point farthest from it): a
/// traced outline's pixel staircase becomes a few straight edges, every dropped vertex within
/// `tolerance` of the result. Rings of 4 points or fewer come back unchanged.
pub fn simplify(ring: &[[u32; 2]], tolerance: f64) -> Vec<[u32; 2]> {
    let n = ring.len();
    if n <= 4 {
        return ring.to_vec();
    }
    // The ring closed: index n is the first point again.
    let pts: Vec<[f64; 2]> = ring
        .iter()
        .chain(std::iter::once(&ring[0]))
        .map(|&[x, y]| [f64::from(x), f64::from(y)])
        .collect();
    let d2 = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2);
    let far = (1..n)
        .max_by(|&a, &b| d2(pts[a], pts[0]).total_cmp(&d2(pts[b], pts[0])))
        .unwrap_or(n / 2);
    let mut keep = vec![false; n + 1];
    keep[0] = true;
    keep[far] = true;
    let tol2 = tolerance * tolerance;
    let mut stack = vec![(0, far), (far, n)];
    while let Some((a, b)) = stack.pop() {
        let (mut worst, mut at) = (0.0, a);
        for (i, &p) in pts.iter().enumerate().take(b).skip(a + 1) {
            let d = segment_distance2(p, pts[a], pts[b]);
            if d > worst {
                worst = d;
                at = i;
            }
        }
        if worst > tol2 {
            keep[at] = true;
            stack.push((a, at));
            stack.push((at, b));
        }
    }
    let kept: Vec<[u32; 2]> = (0..n).filter(|&i| keep[i]).map(|i| ring[i]).collect();
    if kept.len() >= 3 { kept } else { ring.to_vec() }
}

/// Squared distance from `p` to the segment `a`-`b`.
fn segment_distance2(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (qx, qy) = (a[0] + t * dx, a[1] + t * dy);
    (p[0] - qx).powi(2) + (p[1] - qy).powi(2)
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
    fn region_start_finds_the_seed_region_not_a_stray_pixel() {
        #[rustfmt::skip]
        let lab = [
            0, 0, 0, 5, 0,
            0, 0, 0, 0, 0,
            0, 5, 5, 5, 0,
            0, 5, 5, 5, 0,
        ];
        let mut seen = vec![false; lab.len()];
        let start = region_start(&lab, 5, 5, 17, &mut seen);
        assert_eq!(start, 11);
        assert!(!seen[3], "the stray pixel is another region");
        assert_eq!(
            trace(&lab, 5, 4, 5, start),
            vec![[1, 2], [4, 2], [4, 4], [1, 4]]
        );
    }

    #[test]
    fn simplify_straightens_staircases_and_keeps_corners() {
        // A diamond's pixel staircase: 4 corners and many 1 px steps between them.
        let mut ring = Vec::new();
        for i in 0..10u32 {
            ring.extend([[10 + i, i], [11 + i, i]]);
        }
        for i in 0..10u32 {
            ring.extend([[20 - i, 10 + i], [20 - i, 11 + i]]);
        }
        for i in 0..10u32 {
            ring.extend([[10 - i, 20 - i], [9 - i, 20 - i]]);
        }
        for i in 0..10u32 {
            ring.extend([[i, 10 - i], [i, 9 - i]]);
        }
        let simple = simplify(&ring, 1.0);
        assert!(simple.len() <= 12, "{} points: {simple:?}", simple.len());
        for p in &ring {
            let p = [f64::from(p[0]), f64::from(p[1])];
            let near = (0..simple.len()).any(|i| {
                let [a, b] = [simple[i], simple[(i + 1) % simple.len()]]
                    .map(|q| [f64::from(q[0]), f64::from(q[1])]);
                segment_distance2(p, a, b) <= 1.0 + 1e-9
            });
            assert!(near, "{p:?} is dropped too far from the outline");
        }
        let square = vec![[0, 0], [5, 0], [5, 5], [0, 5]];
        assert_eq!(simplify(&square, 1.0), square);
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
