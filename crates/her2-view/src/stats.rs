//! [`Stats`]: how many requests of each kind the server answered, and with which status, so
//! that tests (and a curious user) can check that tiles and the cell layer were served.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// Counts of answered requests by kind and HTTP status.
#[derive(Debug, Default)]
pub struct Stats {
    counts: Mutex<BTreeMap<(String, u16), u64>>,
}

/// The kind of a request path: `slide_tile`, `cells_tile`, `patches_tile`, `cell_at`, or the
/// path itself for the few fixed pages (`/`, `/info.json`, ...); `other` for anything else.
pub fn kind_of(path: &str) -> String {
    const PAGES: [&str; 7] = [
        "/",
        "/info.json",
        "/slide.dzi",
        "/layers/heatmap.png",
        "/assets/openseadragon.min.js",
        "/assets/viewer.js",
        "/assets/viewer.css",
    ];
    if PAGES.contains(&path) {
        return path.to_owned();
    }
    let kind = if path.starts_with("/slide_files/") {
        "slide_tile"
    } else if path.starts_with("/layers/cells/") {
        "cells_tile"
    } else if path.starts_with("/layers/patches/") {
        "patches_tile"
    } else if path == "/cells/at" {
        "cell_at"
    } else {
        "other"
    };
    kind.to_owned()
}

impl Stats {
    /// Counts one answer.
    pub fn record(&self, kind: String, status: u16) {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry((kind, status)).or_default() += 1;
        }
    }

    /// Answers of `kind` with `status` so far.
    pub fn count(&self, kind: &str, status: u16) -> u64 {
        self.counts
            .lock()
            .map(|c| c.get(&(kind.to_owned(), status)).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// Every (kind, status, count), sorted.
    pub fn all(&self) -> Vec<(String, u16, u64)> {
        self.counts
            .lock()
            .map(|c| c.iter().map(|((k, s), n)| (k.clone(), *s, *n)).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_fall_into_kinds() {
        assert_eq!(kind_of("/slide_files/3/0_0.jpeg"), "slide_tile");
        assert_eq!(kind_of("/layers/cells/12/1_2.png"), "cells_tile");
        assert_eq!(kind_of("/layers/heatmap.png"), "/layers/heatmap.png");
        assert_eq!(kind_of("/cells/at"), "cell_at");
        assert_eq!(kind_of("/../etc/passwd"), "other");
    }

    #[test]
    fn counts_add_up() {
        let s = Stats::default();
        s.record("slide_tile".into(), 200);
        s.record("slide_tile".into(), 200);
        s.record("slide_tile".into(), 404);
        assert_eq!(s.count("slide_tile", 200), 2);
        assert_eq!(s.count("slide_tile", 404), 1);
        assert_eq!(s.count("cells_tile", 200), 0);
        assert_eq!(s.all().len(), 2);
    }
}
