//! Label images: connected components, size filtering with raster-order relabelling, and
//! per-label area, centroid and bounding box in one pass.

/// Gives every 4-connected component of `select` pixels that are still unlabelled (0 in
/// `labels`) a new label, starting at `first`, in raster order of the components' first
/// pixels. Returns the next free label.
pub fn label_components(select: &[bool], labels: &mut [u32], width: usize, first: u32) -> u32 {
    let height = select.len().checked_div(width).unwrap_or(0);
    let mut components = Runs::new(width, height, |i| select[i] && labels[i] == 0);
    let roots = components.roots();
    let mut next = first;
    let mut label_of = vec![0u32; roots.len()];
    for (r, &root) in roots.iter().enumerate() {
        if root == r {
            label_of[r] = next;
            next += 1;
        }
        labels[components.pixels(r)].fill(label_of[root]);
    }
    next
}

/// One run of selected pixels: row `y`, columns `start..end`.
#[derive(Debug, Clone, Copy)]
struct Run {
    y: u32,
    start: u32,
    end: u32,
}

/// The runs of selected pixels of an image, row by row in raster order, joined into
/// 4-connected components by union-find: labelling and hole filling then cost per run, not
/// per pixel. Each component's root is its first run in raster order.
#[derive(Debug)]
pub(crate) struct Runs {
    width: usize,
    height: usize,
    runs: Vec<Run>,
    /// Union-find parent of each run (a smaller index: roots come first).
    parent: Vec<usize>,
}

impl Runs {
    /// Finds the runs of pixels `i` (`y * width + x`) where `select(i)` holds and joins those
    /// that touch across rows.
    pub(crate) fn new(width: usize, height: usize, select: impl Fn(usize) -> bool) -> Self {
        let mut me = Self {
            width,
            height,
            runs: Vec::new(),
            parent: Vec::new(),
        };
        let mut previous = 0..0;
        for y in 0..height {
            let base = y * width;
            let first = me.runs.len();
            let mut x = 0;
            while x < width {
                if !select(base + x) {
                    x += 1;
                    continue;
                }
                let start = x;
                while x < width && select(base + x) {
                    x += 1;
                }
                me.parent.push(me.runs.len());
                me.runs.push(Run {
                    y: y as u32,
                    start: start as u32,
                    end: x as u32,
                });
            }
            // runs of this row overlapping runs of the previous one (both sorted by column)
            let (mut a, mut b) = (previous.start, first);
            while a < previous.end && b < me.runs.len() {
                let (ra, rb) = (me.runs[a], me.runs[b]);
                if ra.start < rb.end && rb.start < ra.end {
                    me.union(a, b);
                }
                if ra.end < rb.end {
                    a += 1;
                } else {
                    b += 1;
                }
            }
            previous = first..me.runs.len();
        }
        me
    }

    /// Root (first run) of run `r`'s component.
    fn find(&mut self, mut r: usize) -> usize {
        while self.parent[r] != r {
            self.parent[r] = self.parent[self.parent[r]];
            r = self.parent[r];
        }
        r
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        self.parent[hi] = lo;
    }

    /// Pixel indices of run `r`.
    fn pixels(&self, r: usize) -> std::ops::Range<usize> {
        let run = self.runs[r];
        let base = run.y as usize * self.width;
        base + run.start as usize..base + run.end as usize
    }

    /// Pixel ranges of the components that do not touch the image border (holes, when the
    /// runs are background).
    pub(crate) fn enclosed(mut self) -> Vec<std::ops::Range<usize>> {
        let roots = self.roots();
        let mut touches = vec![false; self.runs.len()];
        for (run, &root) in self.runs.iter().zip(&roots) {
            if run.y == 0
                || run.y as usize + 1 == self.height
                || run.start == 0
                || run.end as usize == self.width
            {
                touches[root] = true;
            }
        }
        (0..self.runs.len())
            .filter(|&r| !touches[roots[r]])
            .map(|r| self.pixels(r))
            .collect()
    }

    /// The root of every run.
    fn roots(&mut self) -> Vec<usize> {
        (0..self.runs.len()).map(|r| self.find(r)).collect()
    }
}

/// Area, centroid sums and bounding box of one label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    /// Pixels in the region.
    pub area: u64,
    /// Sum of pixel x (column) indices.
    pub sum_x: u64,
    /// Sum of pixel y (row) indices.
    pub sum_y: u64,
    /// Smallest x.
    pub min_x: u32,
    /// Smallest y.
    pub min_y: u32,
    /// Largest x.
    pub max_x: u32,
    /// Largest y.
    pub max_y: u32,
}

impl Region {
    /// Centroid `[x, y]` with pixel centres at integer + 0.5.
    pub fn centroid(&self) -> [f64; 2] {
        let a = self.area.max(1) as f64;
        [self.sum_x as f64 / a + 0.5, self.sum_y as f64 / a + 0.5]
    }
}

/// Regions of labels `1..=count` (index `label - 1`).
pub fn regions(labels: &[u32], width: usize, count: u32) -> Vec<Region> {
    let mut out = vec![
        Region {
            area: 0,
            sum_x: 0,
            sum_y: 0,
            min_x: u32::MAX,
            min_y: u32::MAX,
            max_x: 0,
            max_y: 0,
        };
        count as usize
    ];
    if width == 0 {
        return out;
    }
    for (y, row) in labels.chunks_exact(width).enumerate() {
        let y = y as u32;
        for (x, &l) in row.iter().enumerate() {
            if l == 0 || l > count {
                continue;
            }
            let x = x as u32;
            let r = &mut out[l as usize - 1];
            r.area += 1;
            r.sum_x += u64::from(x);
            r.sum_y += u64::from(y);
            r.min_x = r.min_x.min(x);
            r.min_y = r.min_y.min(y);
            r.max_x = r.max_x.max(x);
            r.max_y = r.max_y.max(y);
        }
    }
    out
}

/// Removes labels whose area is outside `min_area..=max_area` and renumbers the rest
/// `1..=n` in raster order of their first pixel; returns `n`.
pub fn filter_by_area(labels: &mut [u32], max_label: u32, min_area: u64, max_area: u64) -> u32 {
    let count = max_label as usize + 1;
    let mut area = vec![0u64; count];
    let mut first = vec![0usize; count];
    for (i, &l) in labels.iter().enumerate() {
        if l != 0 {
            let l = l as usize;
            if area[l] == 0 {
                first[l] = i;
            }
            area[l] += 1;
        }
    }
    let mut kept: Vec<usize> = (1..count)
        .filter(|&l| area[l] > 0 && (min_area..=max_area).contains(&area[l]))
        .collect();
    kept.sort_unstable_by_key(|&l| first[l]);
    let mut map = vec![0u32; count];
    for (new, &old) in kept.iter().enumerate() {
        map[old] = new as u32 + 1;
    }
    for l in labels.iter_mut() {
        *l = map[*l as usize];
    }
    kept.len() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference labelling: a 4-connected flood fill from each unlabelled selected pixel in
    /// raster order, never entering labelled pixels.
    fn flood(select: &[bool], labels: &mut [u32], w: usize, first: u32) -> u32 {
        let h = select.len() / w;
        let mut next = first;
        for start in 0..select.len() {
            if !select[start] || labels[start] != 0 {
                continue;
            }
            labels[start] = next;
            let mut stack = vec![start];
            while let Some(i) = stack.pop() {
                let (x, y) = (i % w, i / w);
                let near = [
                    (x > 0).then(|| i - 1),
                    (x + 1 < w).then(|| i + 1),
                    (y > 0).then(|| i - w),
                    (y + 1 < h).then(|| i + w),
                ];
                for j in near.into_iter().flatten() {
                    if select[j] && labels[j] == 0 {
                        labels[j] = next;
                        stack.push(j);
                    }
                }
            }
            next += 1;
        }
        next
    }

    #[test]
    fn run_labelling_matches_a_flood_fill() {
        let mut s = 99u64;
        let mut random = |per_mille: u64| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s % 1000 < per_mille
        };
        for (w, h, density) in [
            (37, 23, 550),
            (64, 64, 600),
            (1, 40, 500),
            (40, 1, 500),
            (9, 9, 900),
        ] {
            let select: Vec<bool> = (0..w * h).map(|_| random(density)).collect();
            // some pixels already carry a label and act as walls
            let pre: Vec<u32> = (0..w * h).map(|_| u32::from(random(50)) * 7).collect();
            let (mut got, mut want) = (pre.clone(), pre);
            let n_got = label_components(&select, &mut got, w, 8);
            let n_want = flood(&select, &mut want, w, 8);
            assert_eq!((n_got, &got), (n_want, &want), "{w}x{h}");
        }
    }

    #[test]
    fn components_filter_and_regions() {
        #[rustfmt::skip]
        let sel = [
            true, true, false, true,
            false, false, false, true,
            true, false, false, false,
        ];
        let mut lab = vec![0u32; 12];
        let next = label_components(&sel, &mut lab, 4, 1);
        assert_eq!(next, 4);
        assert_eq!(lab, vec![1, 1, 0, 2, 0, 0, 0, 2, 3, 0, 0, 0]);
        let n = filter_by_area(&mut lab, 3, 2, 10);
        assert_eq!(n, 2);
        assert_eq!(lab, vec![1, 1, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0]);
        let r = regions(&lab, 4, n);
        assert_eq!(r[0].area, 2);
        assert_eq!(r[0].centroid(), [1.0, 0.5]);
        assert_eq!((r[1].min_y, r[1].max_y, r[1].min_x), (0, 1, 3));
    }
}
