//! Cell segmentation: the [`CellSegmenter`] seam and the built-in segmenter, with two methods:
//! the local-contrast nucleus detector for real hematoxylin (the default; [`crate::nuclei`])
//! and the paper's classical one (patch-wide threshold -> opening -> hole filling -> exact
//! distance transform -> markers -> watershed), both ending in components and a size filter.

use serde::{Deserialize, Serialize};

use crate::deconvolve::StainPlanes;
use crate::edt::{NO_SITE, squared_edt};
use crate::error::{Result, StainError};
use crate::labels::{filter_by_area, label_components};
use crate::markers::local_maxima;
use crate::matrix::Stain;
use crate::morphology::{fill_holes, open};
use crate::nuclei::{LocalContrastConfig, local_contrast_labels};
use crate::slivers::drop_brown_slivers;
use crate::threshold::otsu;
use crate::watershed::{Connectivity, watershed};

/// A label image of cells: 0 background, `1..=count` cells, each label on at least one pixel.
/// Built by [`Segmentation::new`], which checks that, so the analysis can index by label
/// without checking again (a custom [`CellSegmenter`] gets an error, not a panic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segmentation {
    /// Width in pixels.
    pub(crate) width: usize,
    /// Height in pixels.
    pub(crate) height: usize,
    /// Row-major labels.
    pub(crate) labels: Vec<u32>,
    /// Number of cells (largest label).
    pub(crate) count: u32,
}

impl Segmentation {
    /// A `width` x `height` label image (row-major `labels`) of `count` cells. Refused
    /// ([`StainError::InvalidSegmentation`]) when `labels` does not hold `width * height`
    /// values, when a label exceeds `count`, or when a label of `1..=count` has no pixel.
    pub fn new(width: usize, height: usize, labels: Vec<u32>, count: u32) -> Result<Self> {
        let invalid = |reason: String| StainError::InvalidSegmentation { reason };
        if width.checked_mul(height) != Some(labels.len()) {
            return Err(invalid(format!(
                "a {width}x{height} label image needs {} labels, got {}",
                width.saturating_mul(height),
                labels.len()
            )));
        }
        let mut seen = vec![false; count as usize + 1];
        for &label in &labels {
            match seen.get_mut(label as usize) {
                Some(s) => *s = true,
                None => {
                    return Err(invalid(format!(
                        "label {label} is above the cell count {count}"
                    )));
                }
            }
        }
        if let Some(label) = (1..seen.len()).find(|&l| !seen[l]) {
            return Err(invalid(format!(
                "cell {label} of {count} has no pixel (labels must be 1..=count)"
            )));
        }
        Ok(Self {
            width,
            height,
            labels,
            count,
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Row-major labels: 0 background, `1..=count` cells.
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// Number of cells (the largest label).
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Centroid `[x, y]` of each label `1..=count`, index `label - 1` (pixel centres at
    /// integer + 0.5; a label with no pixels reads `[0.5, 0.5]`).
    pub fn centroids(&self) -> Vec<[f64; 2]> {
        crate::labels::regions(&self.labels, self.width, self.count)
            .iter()
            .map(|r| r.centroid())
            .collect()
    }
}

/// Anything that turns a patch into labelled cells; implement it to plug in another segmenter
/// (e.g. a learned one) and pass it to [`crate::StainAnalyzer::with_segmenter`].
pub trait CellSegmenter: Send + Sync + std::fmt::Debug {
    /// Segments one patch. `planes` are the patch's stain amounts in base-10 optical density
    /// (hematoxylin and DAB present), `mpp` its micrometres per pixel.
    fn segment(
        &self,
        image: &image::RgbImage,
        planes: &StainPlanes,
        mpp: f64,
    ) -> Result<Segmentation>;
}

/// Which deconvolved channel is thresholded into the cell mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentationChannel {
    /// Hematoxylin: nuclei (the membrane ring is then searched outside them).
    Hematoxylin,
    /// Hematoxylin + DAB: nuclei and stained membranes together.
    HematoxylinPlusDab,
}

/// How nuclei are told from their surroundings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SegmentationMethod {
    /// Stain above its local background, split at the nucleus scale (`local` settings): finds
    /// the pale, vesicular tumour nuclei of real slides as well as dark ones.
    #[default]
    LocalContrast,
    /// The paper's: one threshold for the whole patch (`threshold`, `min_threshold_od`), split
    /// by the distance transform (`marker_min_distance_um`, `marker_min_depth_um`). Misses
    /// nuclei paler than the patch's darkest ones.
    GlobalThreshold,
}

/// How the channel is thresholded by [`SegmentationMethod::GlobalThreshold`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdMethod {
    /// Otsu's threshold of the patch, never below `min_threshold_od`.
    Otsu,
    /// A fixed optical density.
    Fixed(f32),
}

/// Settings of [`WatershedSegmenter`]; lengths in micrometres, areas in square micrometres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SegmentationConfig {
    /// How nuclei are found.
    pub method: SegmentationMethod,
    /// Settings of [`SegmentationMethod::LocalContrast`].
    pub local: LocalContrastConfig,
    /// Channel thresholded into the cell mask (hematoxylin for membrane markers such as HER2;
    /// hematoxylin + DAB for nuclear markers such as Ki67, whose positive nuclei are brown).
    pub channel: SegmentationChannel,
    /// Threshold method of [`SegmentationMethod::GlobalThreshold`].
    pub threshold: ThresholdMethod,
    /// Lowest threshold Otsu may give (OD10), so a blank patch yields no cells.
    pub min_threshold_od: f32,
    /// Radius of the disk of the morphological opening.
    pub opening_radius_um: f64,
    /// Smallest distance between two markers (peak_local_max `min_distance`).
    pub marker_min_distance_um: f64,
    /// Smallest distance-to-background of a marker (peak_local_max `threshold_abs`).
    pub marker_min_depth_um: f64,
    /// Fill holes in the cell mask before the distance transform.
    pub fill_holes: bool,
    /// Give mask components that no marker reached a label of their own.
    pub label_unmarked: bool,
    /// Smallest cell kept.
    pub min_area_um2: f64,
    /// Largest cell kept.
    pub max_area_um2: f64,
    /// Regions browner than they are blue (mean DAB over mean hematoxylin OD) whose widest
    /// inscribed disc is narrower than this radius are membrane taken for nuclei and dropped
    /// (module `slivers`); 0 keeps them. Nuclei are at least ~2.5 um in radius.
    pub brown_sliver_radius_um: f64,
}

impl Default for SegmentationConfig {
    /// The local-contrast detector with its defaults; for the global method, the peer
    /// pipeline's settings at 0.5 um/px (opening disk r = 2 px, markers 5 px apart and 2 px
    /// deep); nuclei of 8-400 um^2.
    fn default() -> Self {
        Self {
            method: SegmentationMethod::default(),
            local: LocalContrastConfig::default(),
            channel: SegmentationChannel::Hematoxylin,
            threshold: ThresholdMethod::Otsu,
            min_threshold_od: 0.15,
            opening_radius_um: 1.0,
            marker_min_distance_um: 2.5,
            marker_min_depth_um: 1.0,
            fill_holes: true,
            label_unmarked: true,
            min_area_um2: 8.0,
            max_area_um2: 400.0,
            brown_sliver_radius_um: 1.6,
        }
    }
}

impl SegmentationConfig {
    /// Checks ranges; the message names the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, problem: String| Err(StainError::invalid_config(field, problem));
        let lengths = [
            ("opening_radius_um", self.opening_radius_um),
            ("marker_min_distance_um", self.marker_min_distance_um),
            ("marker_min_depth_um", self.marker_min_depth_um),
            ("min_area_um2", self.min_area_um2),
            ("brown_sliver_radius_um", self.brown_sliver_radius_um),
        ];
        check_ranges("segmentation", &lengths, 1000.0)?;
        if !(self.max_area_um2.is_finite() && self.max_area_um2 >= self.min_area_um2) {
            return bad(
                "segmentation.max_area_um2",
                format!(
                    "{} must be >= min_area_um2 = {}",
                    self.max_area_um2, self.min_area_um2
                ),
            );
        }
        if let ThresholdMethod::Fixed(t) = self.threshold
            && !t.is_finite()
        {
            return bad(
                "segmentation.threshold",
                format!("fixed {t} must be finite"),
            );
        }
        if !self.min_threshold_od.is_finite() {
            return bad(
                "segmentation.min_threshold_od",
                format!("{} must be finite", self.min_threshold_od),
            );
        }
        self.local.validate()
    }
}

/// The built-in segmenter: nuclei by the configured [`SegmentationMethod`], then components
/// and a size filter.
#[derive(Debug, Clone, Default)]
pub struct WatershedSegmenter {
    /// Its settings.
    pub config: SegmentationConfig,
}

/// Refuses the first value of `values` (named `{prefix}.{name}` in the error) that is not a
/// finite number in `[0, max]`.
pub(crate) fn check_ranges(prefix: &str, values: &[(&str, f64)], max: f64) -> Result<()> {
    match values
        .iter()
        .find(|(_, v)| !(v.is_finite() && (0.0..=max).contains(v)))
    {
        Some((name, v)) => Err(StainError::invalid_config(
            format!("{prefix}.{name}"),
            format!("{v} must be in [0, {max}]"),
        )),
        None => Ok(()),
    }
}

/// Converts a length in micrometres to whole pixels (rounded, at least 0).
pub(crate) fn px(um: f64, mpp: f64) -> usize {
    (um / mpp).round().max(0.0) as usize
}

impl CellSegmenter for WatershedSegmenter {
    fn segment(
        &self,
        _image: &image::RgbImage,
        planes: &StainPlanes,
        mpp: f64,
    ) -> Result<Segmentation> {
        let c = &self.config;
        let (w, h) = (planes.width as usize, planes.height as usize);
        let hem = planes
            .plane(Stain::Hematoxylin)
            .ok_or(StainError::MissingPlane {
                stain: Stain::Hematoxylin,
                needed_by: "segmentation",
            })?;
        let summed;
        let channel: &[f32] = match c.channel {
            SegmentationChannel::Hematoxylin => hem,
            SegmentationChannel::HematoxylinPlusDab => {
                let dab = planes.plane(Stain::Dab).ok_or(StainError::MissingPlane {
                    stain: Stain::Dab,
                    needed_by: "segmentation",
                })?;
                summed = hem
                    .iter()
                    .zip(dab)
                    .map(|(a, b)| a + b)
                    .collect::<Vec<f32>>();
                &summed
            }
        };
        let labels = match c.method {
            SegmentationMethod::LocalContrast => local_contrast_labels(channel, w, h, c, mpp)?,
            SegmentationMethod::GlobalThreshold => global_threshold_labels(channel, w, h, c, mpp)?,
        };
        let max_label = labels.iter().copied().max().unwrap_or(0);
        let mut labels = labels;
        if let Some(dab) = planes.plane(Stain::Dab) {
            drop_brown_slivers(
                &mut labels,
                max_label,
                hem,
                dab,
                w,
                c.brown_sliver_radius_um / mpp,
            );
        }
        let area_px = |um2: f64| (um2 / (mpp * mpp)).round().max(0.0) as u64;
        let count = filter_by_area(
            &mut labels,
            max_label,
            area_px(c.min_area_um2).max(1),
            area_px(c.max_area_um2),
        );
        Ok(Segmentation {
            width: w,
            height: h,
            labels,
            count,
        })
    }
}

/// The paper's method: one threshold for the patch, opening, hole filling, then
/// [`split_touching`].
fn global_threshold_labels(
    channel: &[f32],
    w: usize,
    h: usize,
    c: &SegmentationConfig,
    mpp: f64,
) -> Result<Vec<u32>> {
    let t = match c.threshold {
        ThresholdMethod::Otsu => otsu(channel)
            .unwrap_or(f32::INFINITY)
            .max(c.min_threshold_od),
        ThresholdMethod::Fixed(t) => t,
    };
    let mask: Vec<bool> = channel.iter().map(|&v| v > t).collect();
    let mut mask = open(&mask, w, h, px(c.opening_radius_um, mpp));
    if c.fill_holes && w > 0 && h > 0 {
        fill_holes(&mut mask, w, h);
    }
    split_touching(&mask, w, h, c, mpp)
}

/// Gives each piece of `mask` that the watershed left unlabelled (0 in `labels`) a label of
/// its own, after the largest one in use.
pub(crate) fn label_unreached(mask: &[bool], labels: &mut [u32], w: usize) {
    let first = labels.iter().copied().max().unwrap_or(0) + 1;
    let unreached: Vec<bool> = mask
        .iter()
        .zip(labels.iter())
        .map(|(&m, &l)| m && l == 0)
        .collect();
    label_components(&unreached, labels, w, first);
}

/// Distance transform, markers and watershed on a binary cell mask, with `c`'s marker settings
/// at `mpp` (labels before the size filter; 0 background).
pub fn split_touching(
    mask: &[bool],
    w: usize,
    h: usize,
    c: &SegmentationConfig,
    mpp: f64,
) -> Result<Vec<u32>> {
    let background: Vec<bool> = mask.iter().map(|m| !m).collect();
    let cap = (w * w + h * h) as u32;
    let d2: Vec<u32> = squared_edt(&background, w, h)
        .into_iter()
        .map(|d| if d == NO_SITE { cap } else { d })
        .collect();
    let depth = c.marker_min_depth_um / mpp;
    let markers = local_maxima(
        &d2,
        w,
        h,
        px(c.marker_min_distance_um, mpp),
        (depth * depth).ceil() as u32,
    );
    let top = d2.iter().copied().max().unwrap_or(0);
    let levels: Vec<u32> = d2.iter().map(|&d| top - d).collect();
    let mut labels = watershed(&levels, &markers, Some(mask), w, h, Connectivity::Four)?;
    if c.label_unmarked {
        label_unreached(mask, &mut labels, w);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Planes with hematoxylin discs of OD 0.8 at the given centres and radius.
    fn discs(w: u32, h: u32, centres: &[(f64, f64)], r: f64) -> StainPlanes {
        let mut p = StainPlanes::zeros(w, h, [Stain::Hematoxylin, Stain::Dab, Stain::Residual]);
        for y in 0..h {
            for x in 0..w {
                let inside = centres.iter().any(|(cx, cy)| {
                    (f64::from(x) - cx).powi(2) + (f64::from(y) - cy).powi(2) <= r * r
                });
                p.planes[0][(y * w + x) as usize] = if inside { 0.8 } else { 0.05 };
            }
        }
        p
    }

    #[test]
    fn splits_two_touching_discs_and_keeps_a_lone_one() {
        let planes = discs(80, 40, &[(15.0, 20.0), (29.0, 20.0), (60.0, 20.0)], 8.0);
        let img = image::RgbImage::new(80, 40);
        let seg = WatershedSegmenter::default()
            .segment(&img, &planes, 0.5)
            .unwrap();
        assert_eq!(seg.count(), 3);
        let l = |x: usize, y: usize| seg.labels()[y * 80 + x];
        assert_ne!(l(15, 20), l(29, 20));
        assert_ne!(l(15, 20), 0);
        assert_eq!(l(0, 0), 0);
    }

    #[test]
    fn blank_patch_has_no_cells() {
        let planes = discs(32, 32, &[], 1.0);
        let seg = WatershedSegmenter::default()
            .segment(&image::RgbImage::new(32, 32), &planes, 0.5)
            .unwrap();
        assert_eq!(seg.count(), 0);
    }

    #[test]
    fn new_refuses_labels_that_do_not_match_size_or_count() {
        let ok = Segmentation::new(3, 2, vec![0, 1, 1, 0, 2, 0], 2).unwrap();
        assert_eq!((ok.width(), ok.height(), ok.count()), (3, 2, 2));
        assert_eq!(ok.centroids().len(), 2);
        let short = Segmentation::new(3, 2, vec![0, 1, 1], 1).unwrap_err();
        assert!(
            short.to_string().contains("needs 6 labels, got 3"),
            "{short}"
        );
        let above = Segmentation::new(2, 1, vec![1, 3], 2).unwrap_err();
        assert!(above.to_string().contains("label 3"), "{above}");
        let gap = Segmentation::new(2, 1, vec![0, 2], 2).unwrap_err();
        assert!(gap.to_string().contains("cell 1 of 2"), "{gap}");
        assert!(Segmentation::new(usize::MAX, 2, Vec::new(), 0).is_err());
    }
}
