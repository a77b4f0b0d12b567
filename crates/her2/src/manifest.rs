//! Cohorts: a manifest (CSV or folder) of slides, and shards of it for array jobs.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use crate::error::{Her2Error, Result};

/// File extensions scored when a folder is given instead of a manifest.
pub const SLIDE_EXTENSIONS: [&str; 13] = [
    "svs", "tif", "tiff", "ndpi", "vms", "vmu", "scn", "mrxs", "svslide", "bif", "png", "jpg",
    "jpeg",
];

/// One slide of a cohort.
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestEntry {
    /// Unique id (the `slide_id` column, or the file stem).
    pub id: String,
    /// The slide file (relative paths are taken from the manifest's folder).
    pub slide: PathBuf,
    /// The pathologist's label, when the manifest has a `label` column.
    pub label: Option<String>,
    /// Level-0 microns per pixel, when the manifest has an `mpp` column with a value.
    pub mpp: Option<f64>,
}

fn bad(path: &Path, what: impl std::fmt::Display) -> Her2Error {
    Her2Error::Manifest {
        path: path.to_path_buf(),
        reason: what.to_string(),
    }
}

/// Reads a cohort: a CSV with a `path` (or `slide`) column and optional `slide_id`, `label`,
/// `mpp` columns; or a folder, whose slide files (by extension) are taken in name order.
/// Ids must be unique: each names its output folder.
pub fn read_manifest(path: &Path) -> Result<Vec<ManifestEntry>> {
    let entries = if path.is_dir() {
        read_folder(path)?
    } else {
        read_csv(path)?
    };
    let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        return Err(bad(path, format!("slide id `{}` appears twice", w[0])));
    }
    if entries.is_empty() {
        return Err(bad(path, "no slides listed"));
    }
    Ok(entries)
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

fn read_folder(dir: &Path) -> Result<Vec<ManifestEntry>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Her2Error::io(dir, e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && p.extension().is_some_and(|ext| {
                    SLIDE_EXTENSIONS
                        .iter()
                        .any(|known| ext.eq_ignore_ascii_case(known))
                })
        })
        .collect();
    files.sort();
    Ok(files
        .into_iter()
        .map(|slide| ManifestEntry {
            id: stem(&slide),
            slide,
            label: None,
            mpp: None,
        })
        .collect())
}

fn read_csv(path: &Path) -> Result<Vec<ManifestEntry>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| bad(path, e))?;
    let header = reader.headers().map_err(|e| bad(path, e))?.clone();
    let column = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.iter().any(|n| h.eq_ignore_ascii_case(n)))
    };
    let path_col = column(&["path", "slide"])
        .ok_or_else(|| bad(path, "needs a `path` column (the slide files)"))?;
    let (id_col, label_col, mpp_col) = (
        column(&["slide_id", "id"]),
        column(&["label", "score"]),
        column(&["mpp"]),
    );
    let base = path.parent().unwrap_or(Path::new("."));
    let mut entries = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(path, e))?;
        let line = row + 2;
        let field = |col: Option<usize>| {
            col.and_then(|c| record.get(c))
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let file =
            field(Some(path_col)).ok_or_else(|| bad(path, format!("line {line}: empty path")))?;
        let slide = base.join(file);
        let mpp = field(mpp_col)
            .map(|v| {
                v.parse::<f64>()
                    .map_err(|_| bad(path, format!("line {line}: mpp `{v}` is not a number")))
            })
            .transpose()?;
        entries.push(ManifestEntry {
            id: field(id_col).unwrap_or_else(|| stem(&slide)),
            slide,
            label: field(label_col),
            mpp,
        });
    }
    Ok(entries)
}

/// Part `index` of `count` equal shares of a cohort (0-based, as Slurm's
/// `SLURM_ARRAY_TASK_ID` with `--array=0-(N-1)` or a Kubernetes indexed job's
/// `JOB_COMPLETION_INDEX`). Slide `i` belongs to shard `i % count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This shard, in `0..count`.
    pub index: usize,
    /// Number of shards.
    pub count: usize,
}

impl Default for Shard {
    fn default() -> Self {
        Self { index: 0, count: 1 }
    }
}

impl Shard {
    /// The entries of this shard, in manifest order.
    pub fn select<T>(&self, entries: Vec<T>) -> Vec<T> {
        entries
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index)
            .map(|(_, e)| e)
            .collect()
    }
}

impl FromStr for Shard {
    type Err = String;

    /// Parses `I/N`, e.g. `0/4` for the first of four shards.
    fn from_str(text: &str) -> std::result::Result<Self, Self::Err> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| format!("shard `{text}` must be I/N, e.g. 0/4"))?;
        let index: usize = i
            .trim()
            .parse()
            .map_err(|_| format!("shard index `{i}` is not a number"))?;
        let count: usize = n
            .trim()
            .parse()
            .map_err(|_| format!("shard count `{n}` is not a number"))?;
        if count == 0 || index >= count {
            return Err(format!("shard {index}/{count}: need 0 <= I < N"));
        }
        Ok(Self { index, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_cohort() {
        let all: Vec<usize> = (0..10).collect();
        let mut seen: Vec<usize> = (0..3)
            .flat_map(|i| Shard { index: i, count: 3 }.select(all.clone()))
            .collect();
        seen.sort_unstable();
        assert_eq!(seen, all);
        assert_eq!(Shard { index: 1, count: 3 }.select(all), vec![1, 4, 7]);
    }

    #[test]
    fn shard_parsing() {
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
        assert!("4/4".parse::<Shard>().is_err());
        assert!("1".parse::<Shard>().is_err());
        assert!("a/2".parse::<Shard>().is_err());
    }

    #[test]
    fn csv_manifest_resolves_paths_and_reads_labels() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("cohort.csv");
        std::fs::write(
            &manifest,
            "path,label,mpp\nslides/a.svs,2+,\nb.svs,0,0.25\n",
        )
        .unwrap();
        let entries = read_manifest(&manifest).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].id, "a");
        assert_eq!(entries[0].slide, dir.path().join("slides/a.svs"));
        assert_eq!(entries[0].label.as_deref(), Some("2+"));
        assert_eq!(entries[0].mpp, None);
        assert_eq!(entries[1].mpp, Some(0.25));
    }

    #[test]
    fn bad_manifests_say_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let manifest = dir.path().join("m.csv");
        std::fs::write(&manifest, "file\nx.svs\n").unwrap();
        assert!(
            read_manifest(&manifest)
                .unwrap_err()
                .to_string()
                .contains("path")
        );
        std::fs::write(&manifest, "path\nx.svs\nsub/x.svs\n").unwrap();
        assert!(
            read_manifest(&manifest)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        std::fs::write(&manifest, "path,mpp\nx.svs,fast\n").unwrap();
        assert!(
            read_manifest(&manifest)
                .unwrap_err()
                .to_string()
                .contains("line 2")
        );
    }

    #[test]
    fn folder_manifest_takes_slide_files_in_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.svs", "a.tiff", "notes.txt"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        let ids: Vec<String> = read_manifest(dir.path())
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        assert_eq!(ids, ["a", "b"]);
    }
}
