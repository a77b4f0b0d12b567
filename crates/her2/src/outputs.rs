//! Writes a [`SlideAnalysis`] as files: `report.json`, `patches.csv`, `heatmap.png`,
//! `overlay.png`, `tumor.geojson`, `cells.geojson` (optionally gzipped).
//!
//! All files are written into a hidden staging folder inside the output folder and renamed into
//! place only when every one of them was written, so a failure leaves no partial output set.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use her2_score::Her2Score;
use image::{Rgb, RgbImage};

use qupath_geojson::{Feature, FeatureCollection, Geometry, IdSpace};

use crate::cells::CellsGeoJson;
use crate::error::{Her2Error, Result};
use crate::pipeline::{PatchResult, SlideAnalysis};

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

fn encode_err(path: &Path, e: impl std::fmt::Display) -> Her2Error {
    Her2Error::Output {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
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

/// A staging folder whose files are renamed into the output folder on `commit`, and which is
/// removed (with whatever it holds) when dropped.
struct Staging {
    dir: PathBuf,
    out: PathBuf,
    files: Vec<String>,
}

impl Staging {
    fn new(out: &Path) -> Result<Self> {
        std::fs::create_dir_all(out).map_err(|e| Her2Error::io(out, e))?;
        let dir = out.join(format!(".her2-staging-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| Her2Error::io(&dir, e))?;
        Ok(Self {
            dir,
            out: out.to_path_buf(),
            files: Vec::new(),
        })
    }

    fn path(&mut self, name: &str) -> PathBuf {
        self.files.push(name.to_owned());
        self.dir.join(name)
    }

    fn bytes(&mut self, name: &str, bytes: &[u8], gzip: bool) -> Result<()> {
        let path = self.path(name);
        let data = if gzip {
            let mut encoder =
                flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            encoder.write_all(bytes).map_err(|e| encode_err(&path, e))?;
            encoder.finish().map_err(|e| encode_err(&path, e))?
        } else {
            bytes.to_vec()
        };
        std::fs::write(&path, data).map_err(|e| Her2Error::io(&path, e))
    }

    /// Writes `value` as pretty JSON, streamed into the file (never held as one string).
    fn json(&mut self, name: &str, value: &impl serde::Serialize, gzip: bool) -> Result<()> {
        let path = self.path(name);
        let file = std::fs::File::create(&path).map_err(|e| Her2Error::io(&path, e))?;
        let buffered = std::io::BufWriter::new(file);
        let written = if gzip {
            let encoder = flate2::write::GzEncoder::new(buffered, flate2::Compression::default());
            write_json(encoder, value)
                .and_then(|encoder| encoder.finish())
                .and_then(|mut inner| inner.flush())
        } else {
            write_json(buffered, value).and_then(|mut w| w.flush())
        };
        written.map_err(|e| encode_err(&path, e))
    }

    fn png(&mut self, name: &str, image: &RgbImage) -> Result<()> {
        let path = self.path(name);
        image
            .save_with_format(&path, image::ImageFormat::Png)
            .map_err(|e| encode_err(&path, e))
    }

    fn commit(self) -> Result<Vec<PathBuf>> {
        let mut written = Vec::new();
        for name in &self.files {
            let (from, to) = (self.dir.join(name), self.out.join(name));
            std::fs::rename(&from, &to).map_err(|e| Her2Error::io(&to, e))?;
            written.push(to);
        }
        Ok(written)
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The id space of a run's GeoJSON objects: the slide's SHA-256 and the configuration used,
/// so a re-run of the same slide with the same configuration gives every object the same id
/// (QuPath then recognises a second import as the same objects).
pub fn output_ids(report: &crate::Her2Report) -> IdSpace {
    let config = serde_json::to_string(&report.config).unwrap_or_default();
    IdSpace::new(&[report.input.sha256.as_str(), config.as_str()])
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
pub fn write_outputs(
    analysis: &SlideAnalysis,
    out: &Path,
    options: OutputOptions,
) -> Result<Vec<PathBuf>> {
    let gz = if options.gzip { ".gz" } else { "" };
    let ids = output_ids(&analysis.report);
    let mut staging = Staging::new(out)?;
    staging.json("report.json", &analysis.report, false)?;
    staging.bytes("patches.csv", patches_csv(analysis).as_bytes(), false)?;
    let heatmap = analysis.tumor_map.heatmap(
        &analysis.thumbnail.image,
        analysis.thumbnail.downsample,
        0.5,
    );
    staging.png("heatmap.png", &heatmap)?;
    staging.png("overlay.png", &patch_overlay(analysis))?;
    staging.json(
        &format!("tumor.geojson{gz}"),
        &FeatureCollection(|| tumor_features(analysis, &ids)),
        options.gzip,
    )?;
    if options.cells {
        staging.json(
            &format!("cells.geojson{gz}"),
            &CellsGeoJson {
                cells: &analysis.cells,
                ids,
            },
            options.gzip,
        )?;
    }
    staging.commit()
}
