//! The features CSV: one row per slide, `slide_id` then every [`SlideFeatures`] field, written
//! by `her2 score` / `her2 eval` and read by `her2 calibrate`.
//!
//! Columns are named after the fields; per-class arrays become one column per class
//! (`cells_complete_none`, ..., `percent_incomplete_intense`) and `patch_score_cells` becomes
//! `patch_cells_score_0` ... `patch_cells_score_3`. Reading matches columns by name, so their
//! order and extra columns do not matter; a missing column is an error, except the last,
//! `membrane_od`: the positive cells' membrane OD histogram (what lets `her2 calibrate` refit
//! the intensity cuts), as space-separated `lower-edge:complete:incomplete` bins, absent from
//! files written before it existed.

use std::path::Path;

use crate::csv_table::CsvTable;
use crate::error::{Result, ScoreError};
use crate::features::{INTENSITY_NAMES, SlideFeatures};
use crate::io::write_atomic;
use stain_features::MembraneOdHistogram;

/// One slide's row: its id and features.
#[derive(Debug, Clone, PartialEq)]
pub struct SlideRecord {
    /// The slide's id (usually the file stem).
    pub slide: String,
    /// Its features.
    pub features: SlideFeatures,
}

/// How a column reads and writes its field; the `usize` is the class index of array fields.
#[derive(Clone, Copy)]
enum Access {
    Count(
        fn(&SlideFeatures, usize) -> u64,
        fn(&mut SlideFeatures, usize) -> &mut u64,
    ),
    Real(
        fn(&SlideFeatures, usize) -> f64,
        fn(&mut SlideFeatures, usize) -> &mut f64,
    ),
}

/// One column: its name, the class index for array fields, and its accessors.
struct Column {
    name: String,
    index: usize,
    access: Access,
}

/// The first column.
const SLIDE_COLUMN: &str = "slide_id";
/// The last column: the membrane OD histogram.
const HISTOGRAM_COLUMN: &str = "membrane_od";

/// A membrane OD histogram as the text of its column.
fn histogram_text(histogram: &MembraneOdHistogram) -> String {
    let bins: Vec<(f64, u64, u64)> = histogram.clone().into();
    bins.iter()
        .map(|(edge, complete, incomplete)| format!("{edge}:{complete}:{incomplete}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads the text of a histogram column; the message says what is wrong.
fn parse_histogram(text: &str) -> std::result::Result<MembraneOdHistogram, String> {
    let bins = text
        .split_whitespace()
        .map(|bin| {
            let parts: Vec<&str> = bin.split(':').collect();
            let bad = || format!("bin `{bin}` is not `lower-edge:complete:incomplete`");
            let [edge, complete, incomplete] = parts[..] else {
                return Err(bad());
            };
            let edge: f64 = edge.parse().map_err(|_| bad())?;
            if !(edge.is_finite() && edge >= 0.0) {
                return Err(bad());
            }
            Ok((
                edge,
                complete.parse().map_err(|_| bad())?,
                incomplete.parse().map_err(|_| bad())?,
            ))
        })
        .collect::<std::result::Result<Vec<(f64, u64, u64)>, String>>()?;
    Ok(bins.into())
}

/// Every feature column, in file order.
fn columns() -> Vec<Column> {
    let scalar = |name: &str, access| Column {
        name: name.to_string(),
        index: 0,
        access,
    };
    let mut columns = vec![
        scalar(
            "patches",
            Access::Count(|f, _| f.patches, |f, _| &mut f.patches),
        ),
        scalar(
            "analysed_pixels",
            Access::Count(|f, _| f.analysed_pixels, |f, _| &mut f.analysed_pixels),
        ),
        scalar(
            "tumour_area_mm2",
            Access::Real(|f, _| f.tumour_area_mm2, |f, _| &mut f.tumour_area_mm2),
        ),
        scalar(
            "brown_pixels",
            Access::Count(|f, _| f.brown_pixels, |f, _| &mut f.brown_pixels),
        ),
        scalar(
            "staining_average",
            Access::Real(|f, _| f.staining_average, |f, _| &mut f.staining_average),
        ),
        scalar(
            "staining_average_unweighted",
            Access::Real(
                |f, _| f.staining_average_unweighted,
                |f, _| &mut f.staining_average_unweighted,
            ),
        ),
        scalar(
            "stained_fraction",
            Access::Real(|f, _| f.stained_fraction, |f, _| &mut f.stained_fraction),
        ),
        scalar(
            "mean_dab_od",
            Access::Real(|f, _| f.mean_dab_od, |f, _| &mut f.mean_dab_od),
        ),
        scalar("cells", Access::Count(|f, _| f.cells, |f, _| &mut f.cells)),
        scalar(
            "positive_cells",
            Access::Count(|f, _| f.positive_cells, |f, _| &mut f.positive_cells),
        ),
        scalar(
            "complete_membrane_cells",
            Access::Count(
                |f, _| f.complete_membrane_cells,
                |f, _| &mut f.complete_membrane_cells,
            ),
        ),
        scalar(
            "positive_cell_ratio",
            Access::Real(
                |f, _| f.positive_cell_ratio,
                |f, _| &mut f.positive_cell_ratio,
            ),
        ),
        scalar(
            "circumferential_ratio",
            Access::Real(
                |f, _| f.circumferential_ratio,
                |f, _| &mut f.circumferential_ratio,
            ),
        ),
        scalar(
            "complete_cell_ratio",
            Access::Real(
                |f, _| f.complete_cell_ratio,
                |f, _| &mut f.complete_cell_ratio,
            ),
        ),
    ];
    let per_class: [(&str, Access); 4] = [
        (
            "cells_complete",
            Access::Count(|f, i| f.cells_complete[i], |f, i| &mut f.cells_complete[i]),
        ),
        (
            "cells_incomplete",
            Access::Count(
                |f, i| f.cells_incomplete[i],
                |f, i| &mut f.cells_incomplete[i],
            ),
        ),
        (
            "percent_complete",
            Access::Real(
                |f, i| f.percent_complete[i],
                |f, i| &mut f.percent_complete[i],
            ),
        ),
        (
            "percent_incomplete",
            Access::Real(
                |f, i| f.percent_incomplete[i],
                |f, i| &mut f.percent_incomplete[i],
            ),
        ),
    ];
    for (prefix, access) in per_class {
        for (index, class) in INTENSITY_NAMES.iter().enumerate() {
            columns.push(Column {
                name: format!("{prefix}_{class}"),
                index,
                access,
            });
        }
    }
    for index in 0..4 {
        let access = Access::Count(
            |f, i| f.patch_score_cells[i],
            |f, i| &mut f.patch_score_cells[i],
        );
        columns.push(Column {
            name: format!("patch_cells_score_{index}"),
            index,
            access,
        });
    }
    columns
}

/// The header of a features CSV.
pub fn features_csv_header() -> Vec<String> {
    std::iter::once(SLIDE_COLUMN.to_string())
        .chain(columns().into_iter().map(|column| column.name))
        .chain(std::iter::once(HISTOGRAM_COLUMN.to_string()))
        .collect()
}

/// One slide's row of a features CSV, matching [`features_csv_header`]; reals are written in
/// Rust's shortest round-trip form, so reading gives back the same bits.
pub fn features_csv_row(record: &SlideRecord) -> Vec<String> {
    let values = columns().into_iter().map(|column| match column.access {
        Access::Count(get, _) => get(&record.features, column.index).to_string(),
        Access::Real(get, _) => get(&record.features, column.index).to_string(),
    });
    std::iter::once(record.slide.clone())
        .chain(values)
        .chain(std::iter::once(histogram_text(
            &record.features.membrane_od,
        )))
        .collect()
}

/// Writes a features CSV atomically.
pub fn write_features_csv(path: &Path, records: &[SlideRecord]) -> Result<()> {
    let csv_error = |source| ScoreError::Csv {
        path: path.to_path_buf(),
        source,
    };
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(features_csv_header())
        .map_err(csv_error)?;
    for record in records {
        writer
            .write_record(features_csv_row(record))
            .map_err(csv_error)?;
    }
    let bytes = writer.into_inner().map_err(|err| ScoreError::Io {
        path: path.to_path_buf(),
        source: err.into_error(),
    })?;
    write_atomic(path, &bytes)
}

/// Reads a features CSV; every value is checked (counts are whole numbers, reals finite and
/// not negative) and slide ids are unique.
pub fn read_features_csv(path: &Path) -> Result<Vec<SlideRecord>> {
    let table = CsvTable::read(path)?;
    let slides = table.slide_ids(table.column(SLIDE_COLUMN)?)?;
    let columns = columns();
    let positions = columns
        .iter()
        .map(|column| table.column(&column.name))
        .collect::<Result<Vec<_>>>()?;
    let histogram_at = table.column(HISTOGRAM_COLUMN).ok();
    let mut records = Vec::with_capacity(slides.len());
    for ((line, row), slide) in table.rows.iter().zip(slides) {
        let mut features = SlideFeatures::default();
        for (column, &position) in columns.iter().zip(&positions) {
            let text = row.get(position).unwrap_or_default();
            let bad = |message: String| table.bad(*line, position, message);
            match column.access {
                Access::Count(_, set) => {
                    *set(&mut features, column.index) = text
                        .parse()
                        .map_err(|_| bad(format!("`{text}` is not a whole number")))?;
                }
                Access::Real(_, set) => {
                    let value: f64 = text
                        .parse()
                        .map_err(|_| bad(format!("`{text}` is not a number")))?;
                    if !(value.is_finite() && value >= 0.0) {
                        return Err(bad(format!(
                            "`{text}` is not a finite, non-negative number"
                        )));
                    }
                    *set(&mut features, column.index) = value;
                }
            }
        }
        if let Some(position) = histogram_at {
            let text = row.get(position).unwrap_or_default();
            features.membrane_od =
                parse_histogram(text).map_err(|message| table.bad(*line, position, message))?;
        }
        records.push(SlideRecord { slide, features });
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(seed: u64) -> SlideFeatures {
        let mut features = SlideFeatures {
            patches: 10 + seed,
            staining_average: 0.1 + seed as f64 / 3.0,
            circumferential_ratio: 1.0 / 7.0,
            cells: 12345,
            ..SlideFeatures::default()
        };
        features.percent_incomplete[2] = 2.0 / 3.0;
        features.cells_complete[3] = seed;
        features.patch_score_cells[1] = 77;
        for od in [0.005, 0.3, 0.31, 0.9 + seed as f64] {
            features.membrane_od.record(od, od > 0.3);
        }
        features
    }

    #[test]
    fn round_trips_bit_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.csv");
        let records: Vec<SlideRecord> = (0..3)
            .map(|i| SlideRecord {
                slide: format!("slide, {i}"),
                features: sample(i),
            })
            .collect();
        write_features_csv(&path, &records).unwrap();
        assert_eq!(read_features_csv(&path).unwrap(), records);
        let header = features_csv_header();
        assert_eq!(header.len(), 1 + 14 + 16 + 4 + 1);
        assert_eq!(header[0], "slide_id");
        assert_eq!(header[header.len() - 1], "membrane_od");
        assert!(header.contains(&"percent_complete_weak_moderate".to_string()));
        // every SlideFeatures field has a column: a JSON object has as many leaves, the
        // histogram taken as one
        let json = serde_json::to_value(sample(1)).unwrap();
        let object = json.as_object().unwrap();
        let leaves: usize = object
            .iter()
            .map(|(k, v)| match v.as_array() {
                Some(a) if k != "membrane_od" => a.len(),
                _ => 1,
            })
            .sum();
        assert_eq!(leaves, header.len() - 1);
        assert_eq!(records[2].features.membrane_od.total(true), 2);
    }

    #[test]
    fn bad_files_name_the_line_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("features.csv");
        let good = features_csv_row(&SlideRecord {
            slide: "a".into(),
            features: sample(0),
        });
        let header = features_csv_header().join(",");

        let mut bad = good.clone();
        bad[5] = "-0.5".into();
        std::fs::write(
            &path,
            format!(
                "{header}\n{}\n{}\n",
                good.join(","),
                bad.join(",").replacen('a', "b", 1)
            ),
        )
        .unwrap();
        let err = read_features_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("staining_average"),
            "{err}"
        );

        std::fs::write(
            &path,
            format!("{header}\n{}\n{}\n", good.join(","), good.join(",")),
        )
        .unwrap();
        let err = read_features_csv(&path).unwrap_err().to_string();
        assert!(err.contains("`a` appears more than once"), "{err}");

        std::fs::write(&path, "slide_id,patches\na,3\n").unwrap();
        let err = read_features_csv(&path).unwrap_err().to_string();
        assert!(err.contains("missing column `analysed_pixels`"), "{err}");

        // files from before the histogram column read with an empty one
        let old_header = header.rsplit_once(',').unwrap().0;
        let old_row = good[..good.len() - 1].join(",");
        std::fs::write(&path, format!("{old_header}\n{old_row}\n")).unwrap();
        let read = read_features_csv(&path).unwrap();
        assert!(read[0].features.membrane_od.is_empty());
        assert_eq!(read[0].features.patch_score_cells[1], 77);

        let mut bad = good.clone();
        let last = bad.len() - 1;
        bad[last] = "0.3:1".into();
        std::fs::write(&path, format!("{header}\n{}\n", bad.join(","))).unwrap();
        let err = read_features_csv(&path).unwrap_err().to_string();
        assert!(
            err.contains("membrane_od") && err.contains("`0.3:1`"),
            "{err}"
        );

        let err = read_features_csv(&dir.path().join("absent.csv"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("absent.csv"), "{err}");
    }
}
