//! [`TissueMask`]: the tissue bitmap of a thumbnail, its scale, its pieces and which of them
//! are scored.

use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::bitmap::Bitmap;
use crate::components::{Components, Connectivity, label};
use crate::config::CombineRule;
use crate::dab::{DAB_POSITIVE_OD, DabMeter};
use crate::error::{Result, TissueError};
use crate::glass::GlassEstimate;
use crate::piece::{PieceRole, TissuePiece};

/// What the glass-contrast detector ([`TissueMethod::GlassContrast`](crate::TissueMethod))
/// measured and chose; optical densities are base 10, summed over R, G and B.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContrastThresholds {
    /// The glass the contrast was measured against.
    pub glass: GlassEstimate,
    /// Otsu's threshold of the contrast plane, as computed.
    pub contrast_otsu: f64,
    /// The threshold used (Otsu's, clamped to the configured range): contrast above it is
    /// tissue.
    pub contrast: f64,
}

/// The thresholds the paper's HSV detector chose (OpenCV 8-bit HSV units).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Thresholds {
    /// Otsu's threshold of the saturation plane, as computed.
    pub saturation_otsu: u8,
    /// The saturation threshold used (Otsu's, clamped to the configured range): S above it is
    /// saturated.
    pub saturation: u8,
    /// Otsu's threshold of the hue plane.
    pub hue: u8,
    /// Whether the hue mask keeps hues above the threshold (else at or below it).
    pub hue_keeps_above: bool,
    /// How the masks were combined.
    pub combine: CombineRule,
}

/// Where a mask came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum MaskSource {
    /// The paper's HSV + Otsu detector, with the thresholds it chose.
    Automatic(Thresholds),
    /// Otsu on the contrast against the slide's glass, with the glass and threshold found.
    GlassContrast(ContrastThresholds),
    /// Another detector, a user mask image or a GeoJSON ROI (described in words).
    External(String),
}

/// The tissue of a slide, found on a thumbnail.
#[derive(Debug, Clone)]
pub struct TissueMask {
    bitmap: Bitmap,
    downsample: f64,
    mpp: f64,
    components: Components,
    pieces: Vec<TissuePiece>,
    scored: Bitmap,
    source: MaskSource,
}

/// A serde summary of a [`TissueMask`] (what `her2 tissue` writes as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TissueSummary {
    /// Mask width (thumbnail pixels).
    pub width: u32,
    /// Mask height.
    pub height: u32,
    /// Level-0 pixels per mask pixel.
    pub downsample: f64,
    /// Level-0 microns per pixel.
    pub mpp: f64,
    /// Fraction of the thumbnail that is tissue (all pieces).
    pub tissue_fraction: f64,
    /// Fraction of the thumbnail that is scored tissue.
    pub scored_fraction: f64,
    /// Total tissue area in mm².
    pub tissue_area_mm2: f64,
    /// Scored tissue area in mm².
    pub scored_area_mm2: f64,
    /// Ids of the scored pieces.
    pub scored_pieces: Vec<u32>,
    /// Ids of the pieces flagged as control tissue.
    pub control_pieces: Vec<u32>,
    /// Ids of the pieces excluded by the user.
    pub excluded_pieces: Vec<u32>,
    /// Where the mask came from.
    pub source: MaskSource,
    /// Every piece.
    pub pieces: Vec<TissuePiece>,
}

fn check_scale(downsample: f64, mpp: f64) -> Result<()> {
    if !(downsample.is_finite() && downsample > 0.0) {
        return Err(TissueError::InvalidParameter(format!(
            "downsample {downsample}: must be > 0"
        )));
    }
    if !(mpp.is_finite() && mpp > 0.0) {
        return Err(TissueError::InvalidParameter(format!(
            "mpp {mpp} µm/px: must be > 0 (a slide without a stated resolution needs one given, e.g. --mpp 0.5)"
        )));
    }
    Ok(())
}

impl TissueMask {
    /// Builds a mask from any bitmap (an automatic result, a user mask, a rasterised ROI):
    /// labels its 8-connected pieces and, when the `thumbnail` (same size) is given, measures
    /// their DAB staining. Every piece starts as patient tissue.
    ///
    /// `downsample` is level-0 pixels per bitmap pixel, `mpp` level-0 µm per pixel.
    /// Fails with [`TissueError::NoTissue`] when the bitmap is empty.
    pub fn from_bitmap(
        bitmap: Bitmap,
        downsample: f64,
        mpp: f64,
        thumbnail: Option<&RgbImage>,
        source: MaskSource,
    ) -> Result<Self> {
        check_scale(downsample, mpp)?;
        if let Some(t) = thumbnail
            && t.dimensions() != (bitmap.width(), bitmap.height())
        {
            return Err(TissueError::BadImage(format!(
                "thumbnail {}x{} does not match the mask {}x{}",
                t.width(),
                t.height(),
                bitmap.width(),
                bitmap.height()
            )));
        }
        if bitmap.is_empty() {
            return Err(TissueError::NoTissue {
                reason: match &source {
                    MaskSource::Automatic(t) => format!(
                        "no piece survived the cleanup (saturation threshold {}, hue threshold {})",
                        t.saturation, t.hue
                    ),
                    MaskSource::GlassContrast(t) => format!(
                        "no piece survived the cleanup (contrast threshold {:.3} OD against the \
                         glass {:?})",
                        t.contrast, t.glass.rgb
                    ),
                    MaskSource::External(what) => format!("{what} marks no pixel as tissue"),
                },
            });
        }
        let components = label(&bitmap, Connectivity::Eight);
        let px_area_mm2 = (downsample * mpp / 1000.0).powi(2);
        let mut dab = vec![(0f64, 0u64); components.stats.len()];
        if let Some(thumb) = thumbnail {
            let meter = DabMeter::new();
            for (run, &l) in components.runs.iter().zip(&components.run_labels) {
                let entry = &mut dab[l as usize];
                for x in run.x0..run.x1 {
                    let d = meter.dab(thumb.get_pixel(x, run.y).0);
                    entry.0 += f64::from(d);
                    entry.1 += u64::from(d > DAB_POSITIVE_OD);
                }
            }
        }
        let pieces = components
            .stats
            .iter()
            .zip(&dab)
            .enumerate()
            .map(|(i, (s, &(dab_sum, positive)))| {
                let area = s.area as f64;
                TissuePiece {
                    id: i as u32 + 1,
                    area_mm2: area * px_area_mm2,
                    area_px: s.area,
                    bbox: s.bbox.map(|v| f64::from(v) * downsample),
                    centroid: [
                        (s.centroid_x + 0.5) * downsample,
                        (s.centroid_y + 0.5) * downsample,
                    ],
                    touches_edge: s.touches_border,
                    mean_dab: thumbnail.map(|_| dab_sum / area),
                    dab_positive_fraction: thumbnail.map(|_| positive as f64 / area),
                    role: PieceRole::Patient,
                }
            })
            .collect();
        let scored = bitmap.clone();
        Ok(Self {
            bitmap,
            downsample,
            mpp,
            components,
            pieces,
            scored,
            source,
        })
    }

    /// The tissue bitmap (all pieces, control and excluded ones included).
    pub fn bitmap(&self) -> &Bitmap {
        &self.bitmap
    }

    /// The bitmap of the scored pieces only.
    pub fn scored_bitmap(&self) -> &Bitmap {
        &self.scored
    }

    /// Level-0 pixels per mask pixel.
    pub fn downsample(&self) -> f64 {
        self.downsample
    }

    /// Level-0 microns per pixel.
    pub fn mpp(&self) -> f64 {
        self.mpp
    }

    /// Mask width and height.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.bitmap.width(), self.bitmap.height())
    }

    /// Where the mask came from.
    pub fn source(&self) -> &MaskSource {
        &self.source
    }

    /// All pieces, by id.
    pub fn pieces(&self) -> &[TissuePiece] {
        &self.pieces
    }

    /// The piece with this id.
    pub fn piece(&self, id: u32) -> Option<&TissuePiece> {
        id.checked_sub(1).and_then(|i| self.pieces.get(i as usize))
    }

    /// The scored (patient) pieces.
    pub fn scored_pieces(&self) -> impl Iterator<Item = &TissuePiece> {
        self.pieces.iter().filter(|p| p.is_scored())
    }

    fn pixel_count(&self) -> f64 {
        (f64::from(self.bitmap.width()) * f64::from(self.bitmap.height())).max(1.0)
    }

    /// Fraction of the thumbnail covered by tissue (all pieces).
    pub fn tissue_fraction(&self) -> f64 {
        self.bitmap.count_ones() as f64 / self.pixel_count()
    }

    /// Fraction of the thumbnail covered by scored tissue.
    pub fn scored_fraction(&self) -> f64 {
        self.scored.count_ones() as f64 / self.pixel_count()
    }

    /// Fraction of the level-0 rectangle `[x, y, x + w, y + h)` covered by scored tissue
    /// (0 outside the mask); what a patch grid asks to skip background patches.
    pub fn coverage(&self, x: f64, y: f64, w: f64, h: f64) -> f64 {
        let d = self.downsample;
        let clamp_x = |v: f64| (v / d).round().clamp(0.0, f64::from(self.bitmap.width())) as u32;
        let clamp_y = |v: f64| (v / d).round().clamp(0.0, f64::from(self.bitmap.height())) as u32;
        let (x0, x1) = (clamp_x(x), clamp_x(x + w));
        let (y0, y1) = (clamp_y(y), clamp_y(y + h));
        if x1 <= x0 || y1 <= y0 {
            // Smaller than one mask pixel: the pixel under the centre decides.
            let (cx, cy) = (((x + w / 2.0) / d) as u32, ((y + h / 2.0) / d) as u32);
            return if self.scored.get(cx, cy) { 1.0 } else { 0.0 };
        }
        let mut on = 0u64;
        for yy in y0..y1 {
            for xx in x0..x1 {
                on += u64::from(self.scored.get(xx, yy));
            }
        }
        on as f64 / (f64::from(x1 - x0) * f64::from(y1 - y0))
    }

    /// Sets the role of piece `id`.
    pub fn set_role(&mut self, id: u32, role: PieceRole) -> Result<()> {
        let count = self.pieces.len();
        let piece = id
            .checked_sub(1)
            .and_then(|i| self.pieces.get_mut(i as usize))
            .ok_or(TissueError::UnknownPiece { id, count })?;
        piece.role = role;
        self.rebuild_scored();
        Ok(())
    }

    /// Excludes the pieces with these ids from scoring (user choice); fails on an unknown id
    /// without changing anything.
    pub fn exclude_pieces(&mut self, ids: &[u32]) -> Result<()> {
        let count = self.pieces.len();
        if let Some(&id) = ids.iter().find(|&&id| id == 0 || id as usize > count) {
            return Err(TissueError::UnknownPiece { id, count });
        }
        for &id in ids {
            self.pieces[id as usize - 1].role = PieceRole::Excluded;
        }
        self.rebuild_scored();
        Ok(())
    }

    fn rebuild_scored(&mut self) {
        let mut scored = Bitmap::new(self.bitmap.width(), self.bitmap.height());
        for (run, &l) in self.components.runs.iter().zip(&self.components.run_labels) {
            if self.pieces[l as usize].is_scored() {
                scored.set_span(run.y, run.x0, run.x1, true);
            }
        }
        self.scored = scored;
    }

    /// Piece id (1-based) of each run of the mask, with the run: for drawing and outlines.
    pub(crate) fn labelled_runs(&self) -> impl Iterator<Item = (crate::components::Run, u32)> + '_ {
        self.components
            .runs
            .iter()
            .zip(&self.components.run_labels)
            .map(|(r, &l)| (*r, l + 1))
    }

    /// A serde summary.
    pub fn summary(&self) -> TissueSummary {
        let ids = |role: PieceRole| {
            self.pieces
                .iter()
                .filter(|p| p.role == role)
                .map(|p| p.id)
                .collect()
        };
        TissueSummary {
            width: self.bitmap.width(),
            height: self.bitmap.height(),
            downsample: self.downsample,
            mpp: self.mpp,
            tissue_fraction: self.tissue_fraction(),
            scored_fraction: self.scored_fraction(),
            tissue_area_mm2: self.pieces.iter().map(|p| p.area_mm2).sum(),
            scored_area_mm2: self.scored_pieces().map(|p| p.area_mm2).sum(),
            scored_pieces: ids(PieceRole::Patient),
            control_pieces: ids(PieceRole::Control),
            excluded_pieces: ids(PieceRole::Excluded),
            source: self.source.clone(),
            pieces: self.pieces.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_squares() -> TissueMask {
        let b = Bitmap::from_fn(100, 50, |x, y| {
            (10..30).contains(&y) && ((5..25).contains(&x) || (60..70).contains(&x))
        });
        TissueMask::from_bitmap(b, 10.0, 0.5, None, MaskSource::External("test".into())).unwrap()
    }

    #[test]
    fn pieces_in_level0_and_mm2() {
        let m = two_squares();
        assert_eq!(m.pieces().len(), 2);
        let p = m.piece(1).unwrap();
        assert_eq!(p.bbox, [50.0, 100.0, 250.0, 300.0]);
        assert_eq!(p.centroid, [150.0, 200.0]);
        // 400 px of (10 * 0.5 µm)² = 10_000 µm² = 0.01 mm².
        assert!((p.area_mm2 - 0.01).abs() < 1e-12);
        assert!((m.tissue_fraction() - 600.0 / 5000.0).abs() < 1e-12);
    }

    #[test]
    fn exclusion_changes_scored_tissue_only() {
        let mut m = two_squares();
        m.exclude_pieces(&[2]).unwrap();
        assert_eq!(m.summary().scored_pieces, vec![1]);
        assert!((m.scored_fraction() - 400.0 / 5000.0).abs() < 1e-12);
        assert!((m.tissue_fraction() - 600.0 / 5000.0).abs() < 1e-12);
        assert!(matches!(
            m.exclude_pieces(&[3]),
            Err(TissueError::UnknownPiece { id: 3, count: 2 })
        ));
        assert!(m.coverage(600.0, 100.0, 100.0, 200.0) < 1e-12);
        assert!((m.coverage(50.0, 100.0, 200.0, 200.0) - 1.0).abs() < 1e-12);
    }

    #[test]
    fn empty_bitmap_is_no_tissue_and_bad_scale_is_named() {
        let empty = Bitmap::new(5, 5);
        let err = TissueMask::from_bitmap(
            empty.clone(),
            1.0,
            0.5,
            None,
            MaskSource::External("roi.geojson".into()),
        );
        assert!(matches!(err, Err(TissueError::NoTissue { .. })));
        let err =
            TissueMask::from_bitmap(empty, 1.0, f64::NAN, None, MaskSource::External("x".into()));
        assert!(err.unwrap_err().to_string().contains("mpp"));
    }
}
