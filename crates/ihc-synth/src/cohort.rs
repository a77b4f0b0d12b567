//! A labelled cohort: K slides per HER2 class with a manifest CSV (`slide_id,path,label,...`).

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::atomic::write_bytes;
use crate::class::Her2Class;
use crate::config::SynthConfig;
use crate::error::{Result, SynthError};
use crate::noise::mix64;
use crate::output::{SlideFiles, generate_slide_files};
use crate::truth::SlideTruth;

/// Header of the manifest CSV; `label` is as her2-score's labels CSV reads it
/// (null, ultralow, 1+, 2+, 3+), `path` is relative to the manifest's folder.
pub const MANIFEST_HEADER: &str = "slide_id,path,label,class,score,category,seed,percent_positive,percent_complete_weak_or_stronger,percent_intense_complete,truth";

/// One slide of a cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortEntry {
    /// Stem of the slide's files, unique in the cohort.
    pub slide_id: String,
    /// Its files.
    pub files: SlideFiles,
    /// Its truth.
    pub truth: SlideTruth,
}

/// The label a pathologist would write: "null", "ultralow", "1+", "2+" or "3+".
pub fn label_of(class: Her2Class) -> &'static str {
    match class {
        Her2Class::Null => "null",
        Her2Class::Ultralow => "ultralow",
        other => other.score(),
    }
}

/// Seed of slide `index` of class `class` in a cohort with base seed `seed`.
fn slide_seed(seed: u64, class: Her2Class, index: usize) -> u64 {
    mix64(seed ^ mix64((class as u64 + 1) << 32 | index as u64)) >> 1
}

/// Generates `per_class` slides of every class (settings other than class and seed from
/// `base`) into `out_dir`, and writes `manifest.csv` there.
pub fn generate_cohort(
    base: &SynthConfig,
    per_class: usize,
    out_dir: &Path,
) -> Result<Vec<CohortEntry>> {
    std::fs::create_dir_all(out_dir).map_err(|e| SynthError::io(out_dir, e))?;
    let mut entries = Vec::new();
    for class in Her2Class::ALL {
        for k in 0..per_class {
            let cfg = SynthConfig {
                class,
                seed: slide_seed(base.seed, class, k),
                control: if base.control { k % 2 == 0 } else { false },
                ..base.clone()
            };
            let slide_id = format!("{}-{k:03}", class.slug());
            let files = SlideFiles::new(out_dir, &slide_id);
            let truth = generate_slide_files(&cfg, &files)?;
            entries.push(CohortEntry {
                slide_id,
                files,
                truth,
            });
        }
    }
    let mut text = format!("{MANIFEST_HEADER}\n");
    for e in &entries {
        let name = |p: &Path| {
            p.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        let g = &e.truth.cells.guideline;
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{:.3},{:.3},{:.3},{}\n",
            e.slide_id,
            name(&e.files.svs),
            label_of(e.truth.class),
            e.truth.class.slug(),
            e.truth.score,
            e.truth.category,
            e.truth.config.seed,
            g.positive,
            g.complete_weak_or_stronger,
            g.intense_complete,
            name(&e.files.truth_json),
        ));
    }
    write_bytes(&out_dir.join("manifest.csv"), text.as_bytes())?;
    Ok(entries)
}
