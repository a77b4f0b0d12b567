//! A small least-recently-used cache of decoded tiles shared by all threads reading a slide, so
//! that patches which do not line up with the file's tiles do not decode each tile several
//! times (OpenSlide keeps a similar 32 MiB cache).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// Identifies one tile: (level, row-major tile index).
pub type TileKey = (usize, u64);

/// Decoded RGB tiles up to a byte budget; the least recently used go first.
#[derive(Debug)]
pub struct TileCache {
    budget: usize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tiles: HashMap<TileKey, (Arc<[u8]>, u64)>,
    clock: u64,
    bytes: usize,
}

impl TileCache {
    /// A cache holding at most `budget` bytes of decoded pixels (0 disables it).
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            state: Mutex::new(State::default()),
        }
    }

    /// The tile, when cached; marks it as just used.
    pub fn get(&self, key: TileKey) -> Option<Arc<[u8]>> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.clock += 1;
        let now = state.clock;
        state.tiles.get_mut(&key).map(|(tile, used)| {
            *used = now;
            Arc::clone(tile)
        })
    }

    /// Keeps `tile`, evicting the least recently used tiles beyond the budget.
    pub fn insert(&self, key: TileKey, tile: Arc<[u8]>) {
        if tile.len() > self.budget {
            return;
        }
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.clock += 1;
        let now = state.clock;
        let added = tile.len();
        if let Some((old, _)) = state.tiles.insert(key, (tile, now)) {
            state.bytes -= old.len();
        }
        state.bytes += added;
        while state.bytes > self.budget {
            let Some(oldest) = state
                .tiles
                .iter()
                .min_by_key(|(_, (_, used))| *used)
                .map(|(k, _)| *k)
            else {
                break;
            };
            if let Some((gone, _)) = state.tiles.remove(&oldest) {
                state.bytes -= gone.len();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_the_least_recently_used_beyond_the_budget() {
        let cache = TileCache::new(10);
        let tile = |v: u8| Arc::<[u8]>::from(vec![v; 4]);
        cache.insert((0, 1), tile(1));
        cache.insert((0, 2), tile(2));
        assert!(cache.get((0, 1)).is_some()); // 1 is now newer than 2
        cache.insert((0, 3), tile(3)); // 12 bytes > 10: 2 goes
        assert!(cache.get((0, 2)).is_none());
        assert_eq!(cache.get((0, 1)).unwrap()[0], 1);
        assert_eq!(cache.get((0, 3)).unwrap()[0], 3);
        cache.insert((0, 3), tile(4)); // replacing keeps the byte count right
        assert_eq!(cache.get((0, 3)).unwrap()[0], 4);
        assert!(cache.get((0, 1)).is_some());
    }

    #[test]
    fn a_zero_budget_keeps_nothing() {
        let cache = TileCache::new(0);
        cache.insert((1, 0), Arc::from(vec![0u8; 3]));
        assert!(cache.get((1, 0)).is_none());
    }
}
