//! The control-piece heuristic: many HER2 slides carry a small piece of known 3+ tissue beside
//! the patient tissue. It must never be scored as patient tissue. A piece is flagged when it
//! is **separate** (its own piece, and not the only or the largest one), **small** (at most
//! `max_area_fraction` of all tissue), **near an edge** (its bounding box within
//! `max_edge_distance_fraction` of the slide's shorter side from the nearest slide edge), and
//! **strongly DAB-stained** (mean DAB OD and DAB-positive fraction above their minimums, and
//! mean DAB at least `min_dab_ratio` times that of the other pieces).
//! At most one piece is flagged: the qualifying one with the highest mean DAB.

use crate::config::ControlConfig;
use crate::mask::TissueMask;
use crate::piece::PieceRole;

/// Flags the most likely control piece of `mask` (see the module docs); returns its id.
/// Pieces without DAB measurements (no thumbnail) are never flagged.
pub fn flag_control(mask: &mut TissueMask, cfg: &ControlConfig) -> Option<u32> {
    if !cfg.enabled || mask.pieces().len() < 2 {
        return None;
    }
    let (w, h) = mask.dimensions();
    let d = mask.downsample();
    let (slide_w, slide_h) = (f64::from(w) * d, f64::from(h) * d);
    let max_edge_distance = cfg.max_edge_distance_fraction * slide_w.min(slide_h);
    let total: f64 = mask.pieces().iter().map(|p| p.area_mm2).sum();
    let largest = mask.pieces().iter().map(|p| p.area_mm2).fold(0.0, f64::max);
    let candidate = mask
        .pieces()
        .iter()
        .filter(|p| p.role == PieceRole::Patient)
        .filter(|p| p.area_mm2 < largest && p.area_mm2 <= cfg.max_area_fraction * total)
        .filter(|p| {
            let [x0, y0, x1, y1] = p.bbox;
            let edge = x0.min(y0).min(slide_w - x1).min(slide_h - y1);
            edge <= max_edge_distance
        })
        .filter(|p| {
            let (others_dab, others_area) = mask
                .pieces()
                .iter()
                .filter(|o| o.id != p.id)
                .fold((0.0, 0.0), |(d, a), o| {
                    (d + o.mean_dab.unwrap_or(0.0) * o.area_mm2, a + o.area_mm2)
                });
            let others_mean = others_dab / f64::max(others_area, f64::MIN_POSITIVE);
            p.mean_dab
                .is_some_and(|m| m >= cfg.min_mean_dab && m >= cfg.min_dab_ratio * others_mean)
                && p.dab_positive_fraction
                    .is_some_and(|f| f >= cfg.min_positive_fraction)
        })
        .max_by(|a, b| {
            a.mean_dab
                .partial_cmp(&b.mean_dab)
                .unwrap_or(std::cmp::Ordering::Equal)
        })
        .map(|p| p.id)?;
    mask.set_role(candidate, PieceRole::Control).ok()?;
    Some(candidate)
}

#[cfg(test)]
mod tests {
    use image::{Rgb, RgbImage};

    use super::*;
    use crate::bitmap::Bitmap;
    use crate::mask::MaskSource;

    /// A big pale-blue piece on the left and a small piece near the right edge of colour `small`.
    fn slide(small: Rgb<u8>, small_x: u32) -> TissueMask {
        let inside_big = |x: u32, y: u32| (20..120).contains(&x) && (20..100).contains(&y);
        let inside_small =
            |x: u32, y: u32| (small_x..small_x + 15).contains(&x) && (50..65).contains(&y);
        let thumb = RgbImage::from_fn(200, 120, |x, y| {
            if inside_big(x, y) {
                Rgb([150, 160, 200])
            } else if inside_small(x, y) {
                small
            } else {
                Rgb([240, 240, 240])
            }
        });
        let b = Bitmap::from_fn(200, 120, |x, y| inside_big(x, y) || inside_small(x, y));
        TissueMask::from_bitmap(
            b,
            16.0,
            0.5,
            Some(&thumb),
            MaskSource::External("test".into()),
        )
        .unwrap()
    }

    #[test]
    fn flags_a_brown_piece_at_the_edge() {
        let mut m = slide(Rgb([120, 70, 30]), 180);
        assert_eq!(flag_control(&mut m, &ControlConfig::default()), Some(2));
        assert_eq!(m.summary().control_pieces, vec![2]);
        assert_eq!(m.summary().scored_pieces, vec![1]);
    }

    #[test]
    fn ignores_blue_pieces_central_pieces_and_disabled_config() {
        let mut blue = slide(Rgb([150, 160, 200]), 180);
        assert_eq!(flag_control(&mut blue, &ControlConfig::default()), None);
        let mut central = slide(Rgb([120, 70, 30]), 130);
        let strict = ControlConfig {
            max_edge_distance_fraction: 0.05,
            ..ControlConfig::default()
        };
        assert_eq!(flag_control(&mut central, &strict), None);
        let mut off = slide(Rgb([120, 70, 30]), 180);
        let disabled = ControlConfig {
            enabled: false,
            ..ControlConfig::default()
        };
        assert_eq!(flag_control(&mut off, &disabled), None);
    }
}
