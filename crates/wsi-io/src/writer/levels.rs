//! The pyramid's shape: which level sizes a slide of a given size gets.

/// Level sizes from level 0 down: each level is the previous one halved (rounded up, so no
/// pixel is dropped) until the longer side is at most `min_level_side` (which must be >= 1).
pub(crate) fn level_sizes(width: u32, height: u32, min_level_side: u32) -> Vec<(u32, u32)> {
    let mut sizes = vec![(width, height)];
    let (mut w, mut h) = (width, height);
    while w.max(h) > min_level_side {
        w = w.div_ceil(2);
        h = h.div_ceil(2);
        sizes.push((w, h));
    }
    sizes
}

/// Number of tiles across and down a `width` x `height` level.
pub(crate) fn tile_grid(width: u32, height: u32, tile_size: u32) -> (u32, u32) {
    (width.div_ceil(tile_size), height.div_ceil(tile_size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_until_the_longer_side_is_small_enough() {
        assert_eq!(
            level_sizes(5000, 3001, 512),
            [
                (5000, 3001),
                (2500, 1501),
                (1250, 751),
                (625, 376),
                (313, 188)
            ]
        );
    }

    #[test]
    fn small_images_have_one_level() {
        assert_eq!(level_sizes(512, 100, 512), [(512, 100)]);
        assert_eq!(level_sizes(1, 1, 1), [(1, 1)]);
    }

    #[test]
    fn thin_images_keep_a_width_of_one() {
        assert_eq!(level_sizes(1, 2000, 512), [(1, 2000), (1, 1000), (1, 500)]);
    }

    #[test]
    fn tile_grid_rounds_up() {
        assert_eq!(tile_grid(513, 256, 256), (3, 1));
        assert_eq!(tile_grid(1, 1, 256), (1, 1));
    }
}
