//! Writes a [`SlideAnalysis`] as files: `report.json`, `report.html`, `patches.csv`,
//! `heatmap.png`, `overlay.png`, `tumor.geojson`, `cells.geojson` (optionally gzipped).
//!
//! Every file is written atomically beside its target ([`atomic_file`]), and the set is renamed
//! into place only when every one of them was written, `report.json` last: a failure leaves no
//! partial output set, and a `report.json` means the slide's other outputs are there.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use her2_score::Her2Score;
use image::{Rgb, RgbImage};

use atomic_file::AtomicFile;
use qupath_geojson::{Feature, FeatureCollection, Geometry, IdSpace};

use crate::cells::CellsGeoJson;
use crate::error::{Her2Error, Result};
use crate::pipeline::{PatchResult, SlideAnalysis};

/// The report of a slide, the last of its output files to appear.
pub const REPORT_FILE: &str = "report.json";

/// The report as a self-contained web page, written just before [`REPORT_FILE`].
pub const REPORT_HTML_FILE: &str = "report.html";

/// Which optional outputs to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutputOptions {
    /// Write `cells.geojson` (needs cells kept during the run).
    pub cells: bool,
    /// Gzip the GeoJSON files (`.geojson.gz`).
    pub gzip: bool,
}

/// Colour of each HER2 score on the overlay: 0 grey-blue, 1+ yellow, 2+ orange, 3+ red.
pub fn score_colour(score: Her2Score) -> Rgb<u8> {
    match score {
        Her2Score::Zero => Rgb([90, 140, 200]),
        Her2Score::One => Rgb([240, 220, 60]),
        Her2Score::Two => Rgb([245, 140, 30]),
        Her2Score::Three => Rgb([210, 30, 30]),
    }
}

/// The thumbnail with each analysed patch tinted by its own score.
pub fn patch_overlay(analysis: &SlideAnalysis) -> RgbImage {
    let mut image = analysis.thumbnail.image.clone();
    let d = analysis.thumbnail.downsample;
    let (w, h) = image.dimensions();
    for patch in &analysis.patches {
        let colour = score_colour(patch.score);
        let x0 = (patch.rect.x as f64 / d) as u32;
        let y0 = (patch.rect.y as f64 / d) as u32;
        let x1 = (((patch.rect.x + patch.rect.w) as f64 / d).ceil() as u32).min(w);
        let y1 = (((patch.rect.y + patch.rect.h) as f64 / d).ceil() as u32).min(h);
        for y in y0..y1 {
            for x in x0..x1 {
                let p = image.get_pixel_mut(x, y);
                for c in 0..3 {
                    p.0[c] = ((u16::from(p.0[c]) * 2 + u16::from(colour.0[c]) * 3) / 5) as u8;
                }
            }
        }
    }
    image
}

/// One CSV row per analysed patch.
pub fn patches_csv(analysis: &SlideAnalysis) -> String {
    let mut out = String::from(
        "x,y,w,h,tumor_fraction,score,staining_intensity,brown_pixels,stained_fraction,\
         mean_dab_od,cells,positive_cells,complete_membrane_cells,\
         complete_none,complete_faint,complete_weak_moderate,complete_intense,\
         incomplete_none,incomplete_faint,incomplete_weak_moderate,incomplete_intense\n",
    );
    for p in &analysis.patches {
        let f = &p.features;
        let _ = write!(
            out,
            "{},{},{},{},{:.4},{},{:.6},{},{:.6},{:.6},{},{},{}",
            p.rect.x,
            p.rect.y,
            p.rect.w,
            p.rect.h,
            p.tumor_fraction,
            p.score.label(),
            f.staining_intensity,
            f.brown_pixels,
            f.stained_fraction,
            f.mean_dab_od,
            f.cell_count,
            f.positive_cells,
            f.complete_membrane_cells
        );
        for n in f
            .class_counts
            .complete
            .iter()
            .chain(&f.class_counts.incomplete)
        {
            let _ = write!(out, ",{n}");
        }
        out.push('\n');
    }
    out
}

/// Serializes `value` as pretty JSON plus a newline into `writer`, and hands it back.
fn write_json<W: std::io::Write>(
    mut writer: W,
    value: &impl serde::Serialize,
) -> std::io::Result<W> {
    serde_json::to_writer_pretty(&mut writer, value)?;
    writer.write_all(b"\n")?;
    Ok(writer)
}

/// The files of one output set, each an uncommitted [`AtomicFile`] beside its target (hidden,
/// removed when dropped), renamed into place by [`OutputSet::commit`] in the order they were
/// written, only once every one of them was written.
struct OutputSet {
    out: PathBuf,
    files: Vec<AtomicFile>,
}

impl OutputSet {
    fn new(out: &Path) -> Result<Self> {
        std::fs::create_dir_all(out).map_err(|e| Her2Error::io(out, e))?;
        Ok(Self {
            out: out.to_path_buf(),
            files: Vec::new(),
        })
    }

    /// Starts the file `name`, fills it with `fill` and keeps it for [`OutputSet::commit`].
    fn add(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut AtomicFile) -> std::result::Result<(), String>,
    ) -> Result<()> {
        let path = self.out.join(name);
        let mut file = AtomicFile::create(&path).map_err(|e| Her2Error::io(&path, e))?;
        fill(&mut file).map_err(|reason| Her2Error::Output { path, reason })?;
        self.files.push(file);
        Ok(())
    }

    fn bytes(&mut self, name: &str, bytes: &[u8]) -> Result<()> {
        self.add(name, |file| {
            file.write_all(bytes).map_err(|e| e.to_string())
        })
    }

    /// Writes `value` as pretty JSON, streamed into the file (never held as one string).
    fn json(&mut self, name: &str, value: &impl serde::Serialize, gzip: bool) -> Result<()> {
        self.add(name, |file| {
            let written = if gzip {
                let encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
                write_json(encoder, value).and_then(|encoder| encoder.finish().map(drop))
            } else {
                write_json(file, value).map(drop)
            };
            written.map_err(|e| e.to_string())
        })
    }

    fn png(&mut self, name: &str, image: &RgbImage) -> Result<()> {
        self.add(name, |file| {
            image
                .write_to(file, image::ImageFormat::Png)
                .map_err(|e| e.to_string())
        })
    }

    /// Renames every file onto its target, in the order they were added; returns the paths.
    fn commit(self) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for file in self.files {
            let path = file.target().to_path_buf();
            file.commit().map_err(|e| Her2Error::io(&path, e))?;
            written.push(path);
        }
        Ok(written)
    }
}

/// The id space of a run's GeoJSON objects: the slide's SHA-256 (its path, for a slide held
/// in memory) and the configuration used, so a re-run of the same slide with the same
/// configuration gives every object the same id (QuPath then recognises a second import as the
/// same objects).
pub fn output_ids(report: &crate::Her2Report) -> IdSpace {
    let config = serde_json::to_string(&report.config).unwrap_or_default();
    let slide = match &report.input.sha256 {
        Some(sha256) => sha256.clone(),
        None => report.input.path.display().to_string(),
    };
    IdSpace::new(&[slide.as_str(), config.as_str()])
}

/// The tumour regions of `analysis` as QuPath annotations (`TumorMask::features`), each with
/// what the run measured inside it: `Area mm^2`, `Analysed patches` and `Cells` (of the
/// analysed patches whose centre lies in the region) and their `DAB OD mean` (weighted by
/// pixels; left out when no analysed patch lies in the region).
pub fn tumor_features(analysis: &SlideAnalysis, ids: &IdSpace) -> Vec<Feature> {
    let mpp = analysis.report.input.mpp;
    analysis
        .tumor_mask
        .features(ids)
        .into_iter()
        .map(|feature| {
            let Geometry::Polygon(region) = &feature.geometry else {
                return feature;
            };
            let inside: Vec<&PatchResult> = analysis
                .patches
                .iter()
                .filter(|p| {
                    let r = &p.rect;
                    region.contains(r.x as f64 + r.w as f64 / 2.0, r.y as f64 + r.h as f64 / 2.0)
                })
                .collect();
            let pixels =
                |p: &PatchResult| f64::from(p.features.width) * f64::from(p.features.height);
            let total: f64 = inside.iter().map(|p| pixels(p)).sum();
            let dab = inside
                .iter()
                .map(|p| p.features.mean_dab_od * pixels(p))
                .sum::<f64>()
                / total;
            let measurements = feature
                .measurements
                .clone()
                .add("Area mm^2", region.area() * mpp * mpp / 1e6)
                .add("Analysed patches", inside.len() as f64)
                .add(
                    "Cells",
                    inside.iter().map(|p| p.features.cell_count).sum::<u64>() as f64,
                )
                .add("DAB OD mean", dab);
            feature.with_measurements(measurements)
        })
        .collect()
}

/// Writes every output of `analysis` into `out`; returns the files written.
///
/// Each file is written beside its target under a hidden temporary name, and the set is renamed
/// into place only once every file of it was written, `report.html` just before `report.json`
/// and `report.json` last: a failed run leaves
/// no new file, and a run killed while renaming leaves no `report.json`, so a folder that
/// has the new `report.json` has all its other outputs (what `her2 batch --resume` relies on).
/// The files get the permissions of a plain `File::create` ([`atomic_file`]).
pub fn write_outputs(
    analysis: &SlideAnalysis,
    out: &Path,
    options: OutputOptions,
) -> Result<Vec<PathBuf>> {
    let gz = if options.gzip { ".gz" } else { "" };
    let ids = output_ids(&analysis.report);
    let mut set = OutputSet::new(out)?;
    set.bytes("patches.csv", patches_csv(analysis).as_bytes())?;
    let heatmap = analysis.tumor_map.heatmap(
        &analysis.thumbnail.image,
        analysis.thumbnail.downsample,
        0.5,
    );
    set.png("heatmap.png", &heatmap)?;
    let overlay = patch_overlay(analysis);
    set.png("overlay.png", &overlay)?;
    set.json(
        &format!("tumor.geojson{gz}"),
        &FeatureCollection(|| tumor_features(analysis, &ids)),
        options.gzip,
    )?;
    if options.cells {
        set.json(
            &format!("cells.geojson{gz}"),
            &CellsGeoJson {
                cells: &analysis.cells,
                ids,
            },
            options.gzip,
        )?;
    }
    set.add(REPORT_HTML_FILE, |file| {
        let page = crate::html::slide_report(&analysis.report, &heatmap, &overlay)?;
        file.write_all(page.as_bytes()).map_err(|e| e.to_string())
    })?;
    set.json(REPORT_FILE, &analysis.report, false)?;
    set.commit()
}
