//! Object ids that are the same on every run of the same slide and configuration.
//!
//! QuPath keeps a feature's `id` when it is a UUID and gives every other feature a random one,
//! so a file without UUIDs imported twice doubles every object silently. Name-based UUIDs
//! derived from the slide, the configuration and the object's place in the output make a
//! re-run produce the same ids: QuPath sees the duplicates and asks before adding them, and a
//! script can replace objects by id (`docs/qupath.md`).
//!
//! The ids are name-based like version 5 UUIDs, with SHA-256 in place of SHA-1: RFC 9562's
//! version 8 (its appendix B.2 is exactly this construction). QuPath reads any UUID.

use std::fmt::{self, Display};

use sha2::{Digest, Sha256};

/// The name every her2 id space hangs from.
const ROOT: &str = "https://github.com/her2-rs/her2/qupath-geojson";

/// A UUID: 16 bytes, written `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uuid([u8; 16]);

impl Uuid {
    /// The name-based UUID of `name` in `namespace`: SHA-256 of both, cut to 16 bytes, with
    /// the version (8) and variant (RFC) bits set.
    fn name_based(namespace: &[u8], name: &[u8]) -> Self {
        let digest = Sha256::new()
            .chain_update(namespace)
            .chain_update(name)
            .finalize();
        let mut bytes = [0u8; 16];
        bytes.copy_from_slice(&digest[..16]);
        bytes[6] = (bytes[6] & 0x0f) | 0x80;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }

    /// Reads the hyphenated form (`8-4-4-4-12` hex digits, either case), the one QuPath
    /// writes and `java.util.UUID.fromString` reads; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let groups: Vec<&str> = text.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|g| g.len()).collect();
        if lengths != [8, 4, 4, 4, 12] {
            return None;
        }
        let hex: String = groups.concat();
        let mut bytes = [0u8; 16];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(Self(bytes))
    }

    /// The version number (8 for ids made here).
    pub fn version(&self) -> u8 {
        self.0[6] >> 4
    }

    /// The 16 bytes.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, b) in self.0.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                f.write_str("-")?;
            }
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// The ids of one output: a namespace derived from what identifies the run (the slide's
/// SHA-256, the configuration, ...), from which each object's id is derived by its kind and
/// key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IdSpace(Uuid);

impl IdSpace {
    /// The id space of a run identified by `parts` (order matters; each part is hashed
    /// whole, so `["ab", "c"]` and `["a", "bc"]` differ).
    pub fn new<S: AsRef<str>>(parts: &[S]) -> Self {
        let mut name = Vec::new();
        for part in parts {
            let bytes = part.as_ref().as_bytes();
            name.extend_from_slice(&(bytes.len() as u64).to_le_bytes());
            name.extend_from_slice(bytes);
        }
        Self(Uuid::name_based(ROOT.as_bytes(), &name))
    }

    /// The id of the object of `kind` (`"cell"`, `"tissue-piece"`, ...) with `key` (its
    /// index in the output, its piece number, ...).
    pub fn id(&self, kind: &str, key: impl Display) -> Uuid {
        Uuid::name_based(&self.0.0, format!("{kind}/{key}").as_bytes())
    }

    /// The namespace itself.
    pub fn namespace(&self) -> Uuid {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_name_based_uuids_and_distinct() {
        let a = IdSpace::new(&["sha", "config"]);
        assert_eq!(a, IdSpace::new(&["sha", "config"]));
        assert_ne!(a, IdSpace::new(&["sha", "other config"]));
        assert_ne!(IdSpace::new(&["ab", "c"]), IdSpace::new(&["a", "bc"]));
        let id = a.id("cell", 7);
        assert_eq!(id, a.id("cell", 7));
        assert_ne!(id, a.id("cell", 8));
        assert_ne!(id, a.id("tissue-piece", 7));
        assert_eq!(id.version(), 8);
        assert_eq!(id.as_bytes()[8] >> 6, 0b10, "RFC variant");
        let text = id.to_string();
        assert_eq!(text.len(), 36);
        assert_eq!(Uuid::parse(&text), Some(id));
        assert_eq!(Uuid::parse(&text.to_uppercase()), Some(id));
    }

    #[test]
    fn parse_takes_only_the_hyphenated_form() {
        let u = Uuid::parse("4f1b0e2e-9c55-4a57-9d0b-5e0f4b8f2c11").unwrap();
        assert_eq!(u.to_string(), "4f1b0e2e-9c55-4a57-9d0b-5e0f4b8f2c11");
        assert_eq!(u.version(), 4);
        for bad in [
            "tissue-piece-1",
            "4f1b0e2e9c554a579d0b5e0f4b8f2c11",
            "4f1b0e2e-9c55-4a57-9d0b-5e0f4b8f2c1g",
            "",
        ] {
            assert_eq!(Uuid::parse(bad), None, "{bad}");
        }
    }
}
