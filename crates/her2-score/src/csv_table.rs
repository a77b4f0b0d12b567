//! A CSV file with a header row, read whole, with the checks every slide table needs.

use std::collections::HashSet;
use std::path::Path;

use crate::error::{Result, ScoreError};

/// The header and the rows (with their 1-based line numbers) of a CSV file.
pub(crate) struct CsvTable<'a> {
    path: &'a Path,
    header: csv::StringRecord,
    pub rows: Vec<(u64, csv::StringRecord)>,
}

impl<'a> CsvTable<'a> {
    /// Reads `path`; fields are trimmed.
    pub fn read(path: &'a Path) -> Result<CsvTable<'a>> {
        let file = std::fs::File::open(path).map_err(|source| ScoreError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let csv_error = |source| ScoreError::Csv {
            path: path.to_path_buf(),
            source,
        };
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(file);
        let header = reader.headers().map_err(csv_error)?.clone();
        let rows = reader
            .records()
            .map(|row| {
                row.map(|row| (row.position().map_or(0, csv::Position::line), row))
                    .map_err(csv_error)
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(CsvTable { path, header, rows })
    }

    /// The position of column `name`, or a [`ScoreError::MissingColumn`].
    pub fn column(&self, name: &str) -> Result<usize> {
        self.header
            .iter()
            .position(|field| field == name)
            .ok_or_else(|| ScoreError::MissingColumn {
                path: self.path.to_path_buf(),
                column: name.to_string(),
            })
    }

    /// The name of the column at `position`.
    pub fn column_name(&self, position: usize) -> &str {
        self.header.get(position).unwrap_or_default()
    }

    /// A [`ScoreError::BadValue`] at `line`, column `position`.
    pub fn bad(&self, line: u64, position: usize, message: String) -> ScoreError {
        ScoreError::BadValue {
            path: self.path.to_path_buf(),
            line,
            column: self.column_name(position).to_string(),
            message,
        }
    }

    /// The slide ids in column `position`, one per row; empty or repeated ids are errors.
    pub fn slide_ids(&self, position: usize) -> Result<Vec<String>> {
        let mut seen = HashSet::new();
        self.rows
            .iter()
            .map(|(line, row)| {
                let slide = row.get(position).unwrap_or_default().to_string();
                if slide.is_empty() {
                    return Err(self.bad(*line, position, "empty slide id".into()));
                }
                if !seen.insert(slide.clone()) {
                    return Err(ScoreError::DuplicateSlide {
                        path: self.path.to_path_buf(),
                        slide,
                    });
                }
                Ok(slide)
            })
            .collect()
    }
}
