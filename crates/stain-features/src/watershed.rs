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

/// Label of the frame and of pixels outside the mask in the padded grid of [`watershed`].
const OUTSIDE: u32 = u32::MAX;

/// Floods `levels` (lower first) from `markers` (0 = unlabelled) inside `mask` (all pixels when
/// `None`); returns the label image (0 outside the mask and where no marker reaches). Marker
/// labels must be below `u32::MAX`.
///
/// The flood runs on a copy framed by one pixel of `OUTSIDE` (as are pixels outside the
/// mask), so a neighbour is one addition away and never needs a bounds check.
pub fn watershed(
    levels: &[u32],
    markers: &[u32],
    mask: Option<&[bool]>,
    width: usize,
    height: usize,
    connectivity: Connectivity,
) -> Result<Vec<u32>> {
    let n = width * height;
    let sizes = [
        ("watershed levels", levels.len()),
        ("watershed markers", markers.len()),
        ("watershed mask", mask.map_or(n, <[bool]>::len)),
    ];
    if let Some(&(what, got)) = sizes.iter().find(|(_, len)| *len != n) {
        return Err(StainError::SizeMismatch {
            what,
            expected: n,
            got,
        });
    }
    if markers.contains(&OUTSIDE) {
        return Err(StainError::InvalidSegmentation {
            reason: format!("watershed marker labels must be below {OUTSIDE}"),
        });
    }
    if n == 0 {
        return Ok(Vec::new());
    }
    let pw = width + 2;
    let mut labels = vec![OUTSIDE; pw * (height + 2)];
    let mut padded_levels = vec![0u32; labels.len()];
    for y in 0..height {
        let (src, dst) = (
            y * width..(y + 1) * width,
            (y + 1) * pw + 1..(y + 2) * pw - 1,
        );
        padded_levels[dst.clone()].copy_from_slice(&levels[src.clone()]);
        let row = labels[dst].iter_mut().zip(&markers[src.clone()]);
        match mask {
            Some(m) => {
                for ((l, &mk), &inside) in row.zip(&m[src]) {
                    if inside {
                        *l = mk;
                    }
                }
            }
            None => row.for_each(|(l, &mk)| *l = mk),
        }
    }
    // every pixel inside the mask is pushed once, at its own level
    let top = levels.iter().copied().max().unwrap_or(0) as usize;
    let mut count = vec![0usize; top + 1];
    for (&l, &level) in labels.iter().zip(&padded_levels) {
        if l != OUTSIDE {
            count[level as usize] += 1;
        }
    }
    let mut queue = BucketQueue::with_capacities(&count);
    for (i, &l) in labels.iter().enumerate() {
        if l != 0 && l != OUTSIDE {
            queue.push(padded_levels[i], i as u32);
        }
    }
    // neighbours in scikit-image's order (raster order of the offsets)
    let (p, one) = (pw as isize, 1isize);
    let four = [-p, -one, one, p];
    let eight = [-p - 1, -p, -p + 1, -one, one, p - 1, p, p + 1];
    let offsets: &[isize] = match connectivity {
        Connectivity::Four => &four,
        Connectivity::Eight => &eight,
    };
    while let Some(i) = queue.pop() {
        let i = i as usize;
        let label = labels[i];
        for &off in offsets {
            // the frame keeps every neighbour of a pixel of the image inside the grid
            let j = i.wrapping_add_signed(off);
            if labels[j] == 0 {
                labels[j] = label;
                queue.push(padded_levels[j], j as u32);
            }
        }
    }
    let mut out = Vec::with_capacity(n);
    for row in labels.chunks_exact(pw).skip(1).take(height) {
        out.extend(
            row[1..=width]
                .iter()
                .map(|&l| if l == OUTSIDE { 0 } else { l }),
        );
    }
    Ok(out)
}

/// A FIFO queue per level in one flat buffer: the watershed pushes each pixel once, at its own
/// level, so a histogram of the levels gives every level's slot range in advance (no
/// allocation per level, and a level's pixels lie together in memory). A bit per level marks
/// the non-empty ones, so the next level is found 64 levels at a time however sparse they are.
struct BucketQueue {
    items: Vec<u32>,
    /// Next slot to read, per level.
    heads: Vec<usize>,
    /// Next slot to write, per level (the level's slots end where the next level's begin).
    tails: Vec<usize>,
    /// Bit `l % 64` of word `l / 64` is set while level `l` holds items.
    occupied: Vec<u64>,
    /// No level below this one holds items.
    current: usize,
}

impl BucketQueue {
    /// A queue with room for `count[l]` pushes at each level `l`.
    fn with_capacities(count: &[usize]) -> Self {
        let mut heads = Vec::with_capacity(count.len());
        let mut start = 0;
        for &c in count {
            heads.push(start);
            start += c;
        }
        Self {
            items: vec![0; start],
            tails: heads.clone(),
            heads,
            occupied: vec![0; count.len().div_ceil(64)],
            current: 0,
        }
    }

    /// Queues `item` at `level`; at most as many pushes per level as its capacity.
    fn push(&mut self, level: u32, item: u32) {
        let l = level as usize;
        self.items[self.tails[l]] = item;
        self.tails[l] += 1;
        self.occupied[l / 64] |= 1 << (l % 64);
        self.current = self.current.min(l);
    }

    /// The oldest item of the lowest non-empty level.
    fn pop(&mut self) -> Option<u32> {
        let mut word = self.current / 64;
        let mut bits = *self.occupied.get(word)? & (!0u64 << (self.current % 64));
        while bits == 0 {
            word += 1;
            bits = *self.occupied.get(word)?;
        }
        let l = word * 64 + bits.trailing_zeros() as usize;
        self.current = l;
        let item = self.items[self.heads[l]];
        self.heads[l] += 1;
        if self.heads[l] == self.tails[l] {
            self.occupied[word] &= !(1 << (l % 64));
        }
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
}
