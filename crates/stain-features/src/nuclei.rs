//! The nucleus detector for real hematoxylin: nuclei are found against their local
//! background, not against a patch-wide threshold, and split at the nucleus scale.
//!
//! Real tumour nuclei are often pale and vesicular (a dark rim, a pale centre, textured
//! chromatin) under a light cast of counterstain, next to small dark stromal and lymphocyte
//! nuclei; a patch-wide Otsu threshold of the hematoxylin keeps the dark ones and loses the
//! pale ones. Following the design of QuPath's positive cell detection (our own code):
//! 1. smooth the nuclear stain (Gaussian, ~1 um) and subtract its grey opening (~8 um square):
//!    what remains is the stain above its local background;
//! 2. threshold that at an optical density (0.06 by default: pale tumour nuclei stand only
//!    0.05-0.15 above their cytoplasm), open and fill holes;
//! 3. markers: the h-maxima ([`crate::reconstruct`]) of the scale-normalised Laplacian of
//!    Gaussian at nucleus scales (sigma 1.6-3.2 um: blobs 4.5-9 um across, lymphocytes to
//!    carcinoma nuclei): one per nucleus however its chromatin is textured or its centre
//!    pale, and apart wherever touching nuclei are divided by a saddle. The response needs
//!    no grid finer than about 1 um, so it and the next step run on the smoothed stain
//!    reduced by block means (2 x 2 at 0.5 um/px, 4 x 4 at 0.25 um/px), at a quarter or a
//!    sixteenth of the cost;
//! 4. marker watershed on the blob response inside the mask; the nuclei come back to the
//!    image's pixels through the mask (mask pieces no marker reached keep a label of their
//!    own), and each is trimmed at half its own peak contrast.

use serde::{Deserialize, Serialize};

use crate::error::{Result, StainError};
use crate::filters::{downsample, gaussian_blur, grey_opening, negative_laplacian, reduce_blocks};
use crate::labels::label_components;
use crate::morphology::{fill_holes, open};
use crate::reconstruct::h_maxima;
use crate::segment::{SegmentationConfig, check_ranges, label_unreached, px};
use crate::watershed::{Connectivity, watershed};

/// Settings of the local-contrast nucleus detector; lengths in micrometres, optical density
/// in base 10.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocalContrastConfig {
    /// Gaussian smoothing of the stain before the threshold (QuPath: 1.5 um at 0.5 um/px).
    pub smoothing_sigma_um: f64,
    /// Half side of the square whose grey opening is the local background (QuPath: 8 um);
    /// larger than a nucleus' radius, smaller than a nest of nuclei.
    pub background_radius_um: f64,
    /// Stain above the local background (OD10) from which a pixel is nucleus.
    pub threshold_od: f32,
    /// Scales (Gaussian sigma) of the blob response whose peaks are the markers; a blob of
    /// radius `sigma * sqrt(2)` answers most at `sigma`.
    pub blob_sigmas_um: Vec<f64>,
    /// Smallest blob response (scale-normalised, OD10) of a marker.
    pub min_blob_response: f32,
    /// How far (blob response, OD10) a marker's peak must rise above the saddle towards any
    /// higher peak: smaller rises are texture within one nucleus, not two nuclei.
    pub marker_prominence: f32,
    /// A nucleus ends where its stain above background falls below this fraction of its own
    /// peak (0.5: at half maximum), so that the smoothing and the low threshold, which a pale
    /// nucleus needs, do not swell a dark one; holes this leaves inside a nucleus are filled.
    pub edge_fraction: f32,
}

impl Default for LocalContrastConfig {
    /// Chosen on real IHC (the DeepLIIF annotations and the pale tumour nuclei of the real
    /// HER2 spots, at 0.25 um/px; docs/accuracy.md) and kept to round values: the background
    /// radius is QuPath's; the threshold is 0.6x QuPath's 0.1, since pale HER2 tumour nuclei
    /// stand 0.05-0.15 above their cytoplasm; the blob scales span nuclei 4.5-9 um across.
    fn default() -> Self {
        Self {
            smoothing_sigma_um: 1.0,
            background_radius_um: 8.0,
            threshold_od: 0.06,
            blob_sigmas_um: vec![1.6, 2.4, 3.2],
            min_blob_response: 0.024,
            marker_prominence: 0.024,
            edge_fraction: 0.5,
        }
    }
}

impl LocalContrastConfig {
    /// Checks ranges; the message names the value.
    pub fn validate(&self) -> Result<()> {
        let bad = |field: &str, problem: String| Err(StainError::invalid_config(field, problem));
        let lengths = [
            ("smoothing_sigma_um", self.smoothing_sigma_um),
            ("background_radius_um", self.background_radius_um),
        ];
        check_ranges("segmentation.local", &lengths, 200.0)?;
        if self.blob_sigmas_um.is_empty()
            || self
                .blob_sigmas_um
                .iter()
                .any(|s| !(s.is_finite() && *s > 0.0 && *s <= 50.0))
        {
            return bad(
                "segmentation.local.blob_sigmas_um",
                format!(
                    "{:?} must be one or more values in (0, 50]",
                    self.blob_sigmas_um
                ),
            );
        }
        for (name, v) in [
            ("threshold_od", self.threshold_od),
            ("min_blob_response", self.min_blob_response),
            ("marker_prominence", self.marker_prominence),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return bad(
                    &format!("segmentation.local.{name}"),
                    format!("{v} must be >= 0"),
                );
            }
        }
        if !(0.0..=1.0).contains(&self.edge_fraction) {
            return bad(
                "segmentation.local.edge_fraction",
                format!("{} must be in [0, 1]", self.edge_fraction),
            );
        }
        Ok(())
    }
}

/// Trims each labelled nucleus to the pixels whose stain above background (`contrast`)
/// reaches `fraction` of the nucleus' peak, then gives back the holes this opens inside a
/// nucleus (pixels keep the label they had).
fn trim_to_edges(labels: &mut [u32], contrast: &[f32], w: usize, h: usize, fraction: f32) {
    let count = labels.iter().copied().max().unwrap_or(0) as usize;
    if fraction <= 0.0 || count == 0 {
        return;
    }
    let mut peak = vec![0f32; count + 1];
    // by runs of one label, so that consecutive pixels do not wait on each other's store
    let (mut label, mut best) = (0u32, 0f32);
    for (&l, &c) in labels.iter().zip(contrast) {
        if l != label {
            peak[label as usize] = peak[label as usize].max(best);
            (label, best) = (l, c);
        } else {
            best = best.max(c);
        }
    }
    peak[label as usize] = peak[label as usize].max(best);
    let mut kept: Vec<bool> = labels
        .iter()
        .zip(contrast)
        .map(|(&l, &c)| l != 0 && c >= fraction * peak[l as usize])
        .collect();
    fill_holes(&mut kept, w, h);
    for (l, k) in labels.iter_mut().zip(kept) {
        if !k {
            *l = 0;
        }
    }
}

/// Blob responses are quantised to this many levels per OD unit for the integer watershed
/// and peak search (1e-4 OD: far below the stain's noise).
const LEVELS_PER_OD: f32 = 1e4;

/// The blob response is computed on a grid as coarse as keeps its smallest Gaussian at least
/// this many coarse pixels wide (standard deviation): a blob of 4.5 um at 0.5 um/px needs no
/// finer grid than 1 um, and the coarse grid costs a quarter (0.5 um/px) to a sixteenth
/// (0.25 um/px) of the full one.
const MIN_COARSE_SIGMA_PX: f64 = 1.6;

/// The strongest scale-normalised blob response over several scales, on a grid `factor`
/// times coarser than the image (`width x height` of it).
struct BlobField {
    values: Vec<f32>,
    width: usize,
    height: usize,
    factor: usize,
}

impl BlobField {
    /// The response to blobs at the scales `sigmas` (pixels of the image) of a plane
    /// `smooth` (`w x h`) already blurred by a Gaussian of `pre_sigma` pixels: the plane is
    /// reduced by block means, and each scale's Gaussian is completed from what the blur and
    /// the reduction already did. Negative responses (dark blobs) count as 0.
    fn new(smooth: &[f32], w: usize, h: usize, pre_sigma: f64, sigmas: &[f64]) -> Self {
        let smallest = sigmas.iter().copied().fold(f64::INFINITY, f64::min);
        let factor = if smallest.is_finite() {
            (smallest / MIN_COARSE_SIGMA_PX).floor().clamp(1.0, 8.0) as usize
        } else {
            1
        };
        let (coarse, width, height) = downsample(smooth, w, h, factor);
        let f = factor as f64;
        // variance (image pixels^2) the plane already has: the blur and the block mean
        let done = pre_sigma.max(0.0).powi(2) + (f * f - 1.0) / 12.0;
        let mut values = vec![0f32; coarse.len()];
        for &sigma in sigmas {
            let rest = (sigma * sigma - done).max(0.0).sqrt() / f;
            let blurred = gaussian_blur(&coarse, width, height, rest);
            let scale = (sigma / f).powi(2) as f32;
            for (best, v) in values
                .iter_mut()
                .zip(negative_laplacian(&blurred, width, height, scale))
            {
                *best = best.max(v);
            }
        }
        Self {
            values,
            width,
            height,
            factor,
        }
    }

    /// Calls `f(image pixel, coarse pixel that holds it)` for every pixel of the image (`w`
    /// wide, `h` high), row by row.
    fn for_each_cell(&self, w: usize, h: usize, mut f: impl FnMut(usize, usize)) {
        let columns: Vec<usize> = (0..w).map(|x| x / self.factor).collect();
        for y in 0..h {
            let (row, coarse_row) = (y * w, (y / self.factor) * self.width);
            for (x, &cx) in columns.iter().enumerate() {
                f(row + x, coarse_row + cx);
            }
        }
    }
}

/// Quantises `response` to integer levels inside `inside` (0 elsewhere).
fn quantise(response: &[f32], inside: &[bool]) -> Vec<u32> {
    let cap = (u32::MAX / 2) as f32;
    response
        .iter()
        .zip(inside)
        .map(|(&r, &m)| {
            if m {
                (r * LEVELS_PER_OD).clamp(0.0, cap) as u32
            } else {
                0
            }
        })
        .collect()
}

/// Labels nuclei of `channel` (a nuclear stain in OD10, `w x h`) with `c`'s settings at `mpp`
/// (labels before the size filter; 0 background).
pub(crate) fn local_contrast_labels(
    channel: &[f32],
    w: usize,
    h: usize,
    c: &SegmentationConfig,
    mpp: f64,
) -> Result<Vec<u32>> {
    let l = &c.local;
    let smoothing = l.smoothing_sigma_um / mpp;
    let smooth = gaussian_blur(channel, w, h, smoothing);
    let sigmas: Vec<f64> = l.blob_sigmas_um.iter().map(|s| s / mpp).collect();
    let field = BlobField::new(&smooth, w, h, smoothing, &sigmas);
    // the local background: the grey opening of the smoothed stain, on the blob field's
    // coarse grid from each block's minimum (an opening by a block-aligned square a block
    // wider, still never above the stain)
    let (factor, cw, ch) = (field.factor, field.width, field.height);
    let (block_min, ..) = reduce_blocks(&smooth, w, h, factor, f32::INFINITY, f32::min);
    let radius = (px(l.background_radius_um, mpp) + factor / 2) / factor;
    let background = grey_opening(&block_min, cw, ch, radius);
    let mut contrast = smooth.clone();
    field.for_each_cell(w, h, |i, cell| contrast[i] -= background[cell]);
    let above: Vec<bool> = contrast.iter().map(|&c| c > l.threshold_od).collect();
    let mut mask = open(&above, w, h, px(c.opening_radius_um, mpp));
    if c.fill_holes && w > 0 && h > 0 {
        fill_holes(&mut mask, w, h);
    }

    // markers and watershed on the coarse grid, inside the mask (a coarse pixel is inside
    // when any of its pixels is); the nuclei's outlines come back to the image's pixels
    // through the mask and the trim below
    let mut coarse_mask = vec![false; field.values.len()];
    field.for_each_cell(w, h, |i, cell| coarse_mask[cell] |= mask[i]);
    let quantised = quantise(&field.values, &coarse_mask);
    let floor = ((l.min_blob_response * LEVELS_PER_OD).ceil() as u32).max(1);
    let prominence = (l.marker_prominence * LEVELS_PER_OD).round() as u32;
    let peaks: Vec<bool> = h_maxima(&quantised, cw, ch, prominence)
        .into_iter()
        .zip(&quantised)
        .map(|(peak, &q)| peak && q >= floor)
        .collect();
    let mut markers = vec![0u32; peaks.len()];
    label_components(&peaks, &mut markers, cw, 1);
    let top = quantised.iter().copied().max().unwrap_or(0);
    let levels: Vec<u32> = quantised.iter().map(|&q| top - q).collect();
    let coarse_labels = watershed(
        &levels,
        &markers,
        Some(&coarse_mask),
        cw,
        ch,
        Connectivity::Four,
    )?;
    let mut labels = vec![0u32; mask.len()];
    field.for_each_cell(w, h, |i, cell| {
        if mask[i] {
            labels[i] = coarse_labels[cell];
        }
    });
    if c.label_unmarked {
        label_unreached(&mask, &mut labels, w);
    }
    trim_to_edges(&mut labels, &contrast, w, h, l.edge_fraction);
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A plane of background OD `base` with discs `(cx, cy, r, od)` of nuclear stain; `rim`
    /// makes each disc vesicular (its inner 60% at 60% of the OD: a rim 1.7x its centre,
    /// paler centres than the ~1.3x measured on real tumour nuclei).
    fn plane(w: usize, h: usize, base: f32, discs: &[(f64, f64, f64, f32)], rim: bool) -> Vec<f32> {
        (0..w * h)
            .map(|i| {
                let (x, y) = ((i % w) as f64 + 0.5, (i / w) as f64 + 0.5);
                let mut v = base;
                for &(cx, cy, r, od) in discs {
                    let d = ((x - cx).powi(2) + (y - cy).powi(2)).sqrt();
                    if d <= r {
                        v = base + if rim && d < 0.6 * r { 0.6 * od } else { od };
                    }
                }
                v
            })
            .collect()
    }

    fn count(labels: &[u32]) -> usize {
        let mut seen: Vec<u32> = labels.iter().copied().filter(|&l| l != 0).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    #[test]
    fn pale_nuclei_beside_dark_ones_are_all_found() {
        // 0.5 um/px: nuclei 4 um in radius; two pale (OD 0.2 above background) and two dark
        // (OD 0.9), over a background cast of 0.15 that a patch-wide threshold would take in.
        let discs = [
            (20.0, 20.0, 8.0, 0.9),
            (60.0, 20.0, 8.0, 0.2),
            (20.0, 60.0, 8.0, 0.2),
            (60.0, 60.0, 8.0, 0.9),
        ];
        let p = plane(80, 80, 0.15, &discs, false);
        let labels =
            local_contrast_labels(&p, 80, 80, &SegmentationConfig::default(), 0.5).unwrap();
        assert_eq!(count(&labels), 4);
        for (cx, cy, _, _) in discs {
            assert_ne!(
                labels[cy as usize * 80 + cx as usize],
                0,
                "nucleus at {cx},{cy}"
            );
        }
        assert_eq!(labels[40 * 80 + 40], 0);
    }

    #[test]
    fn a_vesicular_nucleus_is_one_nucleus_with_its_centre() {
        let p = plane(64, 64, 0.05, &[(32.0, 32.0, 10.0, 0.35)], true);
        let labels =
            local_contrast_labels(&p, 64, 64, &SegmentationConfig::default(), 0.5).unwrap();
        assert_eq!(count(&labels), 1);
        assert_ne!(
            labels[32 * 64 + 32],
            0,
            "the pale centre belongs to the nucleus"
        );
    }

    #[test]
    fn touching_nuclei_are_split() {
        let p = plane(
            80,
            40,
            0.05,
            &[(26.0, 20.0, 8.0, 0.5), (41.0, 20.0, 8.0, 0.5)],
            false,
        );
        let labels =
            local_contrast_labels(&p, 80, 40, &SegmentationConfig::default(), 0.5).unwrap();
        assert_eq!(count(&labels), 2);
        assert_ne!(labels[20 * 80 + 22], labels[20 * 80 + 45]);
    }

    #[test]
    fn flat_planes_have_no_nuclei() {
        for base in [0.0, 0.3, 2.0] {
            let p = vec![base; 50 * 50];
            let labels =
                local_contrast_labels(&p, 50, 50, &SegmentationConfig::default(), 0.5).unwrap();
            assert_eq!(count(&labels), 0, "flat OD {base}");
        }
    }

    #[test]
    fn bad_settings_are_named() {
        let mut c = LocalContrastConfig::default();
        c.blob_sigmas_um.clear();
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("blob_sigmas_um")
        );
        let c = LocalContrastConfig {
            threshold_od: f32::NAN,
            ..LocalContrastConfig::default()
        };
        assert!(
            c.validate()
                .unwrap_err()
                .to_string()
                .contains("threshold_od")
        );
    }
}
