//! Marker-controlled watershed by priority flooding (Meyer): markers grow into their
//! neighbours in order of increasing level, ties first-in first-out, exactly as
//! `skimage.segmentation.watershed` orders its heap (value, then age). Levels are integers, so a
//! bucket queue replaces the heap.

use crate::error::{Result, StainError};

/// Neighbourhood used to grow regions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Connectivity {
    /// Left, right, up, down (scikit-image's default `connectivity=1`).
    Four,
    /// The four plus the diagonals.
    Eight,
}

/// Floods `levels` (lower first) from `markers` (0 = unlabelled) inside `mask` (all pixels when
/// `None`); returns the label image (0 outside the mask and where no marker reaches).
pub fn watershed(
    levels: &[u32],
    markers: &[u32],
    mask: Option<&[bool]>,
    width: usize,
    height: usize,
    connectivity: Connectivity,
) -> Result<Vec<u32>> {
    let n = width * height;
    if levels.len() != n || markers.len() != n || mask.is_some_and(|m| m.len() != n) {
        return Err(StainError::InvalidImage(format!(
            "watershed inputs must all be {width}x{height} = {n} values (levels {}, markers {})",
            levels.len(),
            markers.len()
        )));
    }
    let inside = |i: usize| mask.is_none_or(|m| m[i]);
    let mut labels: Vec<u32> = (0..n)
        .map(|i| if inside(i) { markers[i] } else { 0 })
        .collect();
    let mut queue = BucketQueue::new(levels.iter().copied().max().unwrap_or(0));
    for (i, &l) in labels.iter().enumerate() {
        if l != 0 {
            queue.push(levels[i], i as u32);
        }
    }
    let (w, h) = (width as isize, height as isize);
    let offsets: &[(isize, isize)] = match connectivity {
        Connectivity::Four => &[(0, -1), (-1, 0), (1, 0), (0, 1)],
        Connectivity::Eight => &[
            (-1, -1),
            (0, -1),
            (1, -1),
            (-1, 0),
            (1, 0),
            (-1, 1),
            (0, 1),
            (1, 1),
        ],
    };
    while let Some(i) = queue.pop() {
        let i = i as usize;
        let (x, y) = ((i % width) as isize, (i / width) as isize);
        let label = labels[i];
        for &(dx, dy) in offsets {
            let (nx, ny) = (x + dx, y + dy);
            if nx < 0 || ny < 0 || nx >= w || ny >= h {
                continue;
            }
            let j = (ny * w + nx) as usize;
            if labels[j] == 0 && inside(j) {
                labels[j] = label;
                queue.push(levels[j], j as u32);
            }
        }
    }
    Ok(labels)
}

/// Replaces floating values by their rank among the distinct values (order kept exactly), so
/// that any image can be flooded by [`watershed`].
pub fn rank_levels(values: &[f32]) -> Vec<u32> {
    let mut sorted: Vec<f32> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f32::total_cmp);
    sorted.dedup();
    values
        .iter()
        .map(|v| {
            sorted
                .binary_search_by(|s| s.total_cmp(v))
                .unwrap_or(sorted.len()) as u32
        })
        .collect()
}

/// FIFO buckets indexed by level; pops the lowest non-empty level.
struct BucketQueue {
    buckets: Vec<Vec<u32>>,
    heads: Vec<usize>,
    current: usize,
    len: usize,
}

impl BucketQueue {
    fn new(max_level: u32) -> Self {
        let n = max_level as usize + 1;
        Self {
            buckets: vec![Vec::new(); n],
            heads: vec![0; n],
            current: n,
            len: 0,
        }
    }

    fn push(&mut self, level: u32, item: u32) {
        let l = level as usize;
        self.buckets[l].push(item);
        self.current = self.current.min(l);
        self.len += 1;
    }

    fn pop(&mut self) -> Option<u32> {
        if self.len == 0 {
            return None;
        }
        while self.heads[self.current] == self.buckets[self.current].len() {
            self.current += 1;
        }
        let item = self.buckets[self.current][self.heads[self.current]];
        self.heads[self.current] += 1;
        self.len -= 1;
        Some(item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_basins_split_at_the_ridge() {
        // levels: a valley at x=1 and x=7, ridge at x=4
        let w = 9;
        let row = [3u32, 0, 1, 2, 5, 2, 1, 0, 3];
        let levels: Vec<u32> = row.iter().chain(row.iter()).copied().collect();
        let mut markers = vec![0u32; 2 * w];
        markers[1] = 1;
        markers[7] = 2;
        let lab = watershed(&levels, &markers, None, w, 2, Connectivity::Four).unwrap();
        assert_eq!(&lab[..4], &[1, 1, 1, 1]);
        assert_eq!(&lab[5..9], &[2, 2, 2, 2]);
        assert!(lab.iter().all(|&l| l == 1 || l == 2));
    }

    #[test]
    fn mask_limits_the_flood_and_sizes_are_checked() {
        let levels = vec![0u32; 6];
        let markers = vec![1, 0, 0, 0, 0, 0];
        let mask = [true, true, false, true, true, true];
        let lab = watershed(&levels, &markers, Some(&mask), 3, 2, Connectivity::Four).unwrap();
        assert_eq!(lab, vec![1, 1, 0, 1, 1, 1]);
        assert!(watershed(&levels, &markers[..5], None, 3, 2, Connectivity::Four).is_err());
    }

    #[test]
    fn rank_levels_keeps_order() {
        assert_eq!(rank_levels(&[0.5, -1.0, 0.5, 2.0]), vec![1, 0, 1, 2]);
    }
}
