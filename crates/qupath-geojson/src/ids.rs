//! Object ids that are the same on every run of the same slide and configuration.
//!
//! QuPath keeps a feature's `id` when it is a UUID and gives every other feature a random one,
//! so a file without UUIDs imported twice doubles every object silently. Name-based (version 5)
//! UUIDs derived from the slide, the configuration and the object's place in the output make a
//! re-run produce the same ids: QuPath sees the duplicates and asks before adding them, and a
//! script can replace objects by id (`docs/qupath.md`).

use std::fmt::Display;

use uuid::Uuid;

/// The namespace of every her2 id: the version 5 UUID of this URL in the URL namespace.
const NAMESPACE_NAME: &str = "https://github.com/her2-rs/her2/qupath-geojson";

/// The ids of one output: a version 5 UUID namespace derived from what identifies the run
/// (the slide's SHA-256, a hash or text of the configuration, ...), from which each object's
/// id is derived by its kind and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdSpace(Uuid);

impl IdSpace {
    /// The id space of a run identified by `parts` (order matters; each part is hashed
    /// whole, so `["ab", "c"]` and `["a", "bc"]` differ).
    pub fn new<S: AsRef<str>>(parts: &[S]) -> Self {
        let root = Uuid::new_v5(&Uuid::NAMESPACE_URL, NAMESPACE_NAME.as_bytes());
        let mut name = Vec::new();
        for part in parts {
            let bytes = part.as_ref().as_bytes();
            name.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            name.extend_from_slice(bytes);
        }
        Self(Uuid::new_v5(&root, &name))
    }

    /// The id of the object of `kind` (`"cell"`, `"tissue-piece"`, ...) with `key` (its
    /// index in the output, its piece number, ...).
    pub fn id(&self, kind: &str, key: impl Display) -> Uuid {
        Uuid::new_v5(&self.0, format!("{kind}/{key}").as_bytes())
    }

    /// The namespace UUID itself.
    pub fn namespace(&self) -> Uuid {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_version_5_and_distinct() {
        let a = IdSpace::new(&["sha", "config"]);
        assert_eq!(a, IdSpace::new(&["sha", "config"]));
        assert_ne!(a, IdSpace::new(&["sha", "other config"]));
        assert_ne!(IdSpace::new(&["ab", "c"]), IdSpace::new(&["a", "bc"]));
        let id = a.id("cell", 7);
        assert_eq!(id, a.id("cell", 7));
        assert_ne!(id, a.id("cell", 8));
        assert_ne!(id, a.id("tissue-piece", 7));
        assert_eq!(id.get_version_num(), 5);
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(Uuid::parse_str(&text).unwrap(), id);
    }
}
