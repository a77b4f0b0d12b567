//! Label images: connected components, size filtering with raster-order relabelling, and
//! per-label area, centroid and bounding box in one pass.

/// Gives every 4-connected component of `select` pixels a new label, starting at `first`.
/// Returns the next free label.
pub fn label_components(select: &[bool], labels: &mut [u32], width: usize, first: u32) -> u32 {
    let mut next = first;
    let mut stack = Vec::new();
    let height = select.len().checked_div(width).unwrap_or(0);
    for start in 0..select.len() {
        if !select[start] || labels[start] != 0 {
            continue;
        }
        labels[start] = next;
        stack.push(start);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % width, i / width);
            let mut visit = |j: usize| {
                if select[j] && labels[j] == 0 {
                    labels[j] = next;
                    stack.push(j);
                }
            };
            if x > 0 {
                visit(i - 1);
            }
            if x + 1 < width {
                visit(i + 1);
            }
            if y > 0 {
                visit(i - width);
            }
            if y + 1 < height {
                visit(i + width);
            }
        }
        next += 1;
    }
    next
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
    for (i, &l) in labels.iter().enumerate() {
        if l == 0 || l > count {
            continue;
        }
        let (x, y) = ((i % width) as u32, (i / width) as u32);
        let r = &mut out[l as usize - 1];
        r.area += 1;
        r.sum_x += u64::from(x);
        r.sum_y += u64::from(y);
        r.min_x = r.min_x.min(x);
        r.min_y = r.min_y.min(y);
        r.max_x = r.max_x.max(x);
        r.max_y = r.max_y.max(y);
    }
    out
}

/// Removes labels whose area is outside `min_area..=max_area` and renumbers the rest
/// `1..=n` in raster order of their first pixel; returns `n`.
pub fn filter_by_area(labels: &mut [u32], max_label: u32, min_area: u64, max_area: u64) -> u32 {
    let mut area = vec![0u64; max_label as usize + 1];
    for &l in labels.iter() {
        area[l as usize] += 1;
    }
    let mut map = vec![0u32; max_label as usize + 1];
    let mut seen = vec![false; max_label as usize + 1];
    let mut next = 0u32;
    for l in labels.iter_mut() {
        let old = *l as usize;
        if old == 0 {
            continue;
        }
        if !seen[old] {
            seen[old] = true;
            if (min_area..=max_area).contains(&area[old]) {
                next += 1;
                map[old] = next;
            }
        }
        *l = map[old];
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

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
