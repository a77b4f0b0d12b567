//! Resolution and magnification from a slide's property map, with vendor fallbacks.
//!
//! Sources, in order: OpenSlide's normalised `openslide.mpp-x/y`, then the vendor key
//! `aperio.MPP` (what a writer that is not OpenSlide-aware stores), then the TIFF resolution
//! tags (which OpenSlide 3.4 does not turn into `openslide.mpp-x/y` for generic TIFFs). A value outside
//! [`PLAUSIBLE_MPP`] µm/px is treated as absent: TIFF writers often store a 72 dpi default
//! (352.8 µm/px), which OpenSlide 4 reports as `openslide.mpp-x` but which is no microscope's
//! resolution. Nothing is ever guessed.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use crate::slide::Mpp;

/// Microns per pixel a slide scanner can plausibly produce (0.01 to 100 µm/px).
pub const PLAUSIBLE_MPP: RangeInclusive<f64> = 0.01..=100.0;

fn number(props: &BTreeMap<String, String>, key: &str) -> Option<f64> {
    props
        .get(key)
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite())
}

fn plausible(um_per_px: f64) -> Option<f64> {
    PLAUSIBLE_MPP.contains(&um_per_px).then_some(um_per_px)
}

/// Microns per pixel from a TIFF resolution tag (pixels per unit) and `tiff.ResolutionUnit`.
fn from_tiff_resolution(props: &BTreeMap<String, String>, key: &str) -> Option<f64> {
    let pixels_per_unit = number(props, key).filter(|v| *v > 0.0)?;
    let microns_per_unit = match props.get("tiff.ResolutionUnit").map(String::as_str) {
        Some("centimeter") => 10_000.0,
        Some("inch") => 25_400.0,
        _ => return None,
    };
    plausible(microns_per_unit / pixels_per_unit)
}

/// Level-0 microns per pixel stated by the properties, `None` when nothing plausible is stated.
pub fn mpp_from_properties(props: &BTreeMap<String, String>) -> Option<Mpp> {
    let openslide = number(props, "openslide.mpp-x")
        .and_then(plausible)
        .zip(number(props, "openslide.mpp-y").and_then(plausible));
    if let Some((x, y)) = openslide {
        return Some(Mpp { x, y });
    }
    if let Some(v) = number(props, "aperio.MPP").and_then(plausible) {
        return Some(Mpp::square(v));
    }
    let tiff = from_tiff_resolution(props, "tiff.XResolution")
        .zip(from_tiff_resolution(props, "tiff.YResolution"));
    tiff.map(|(x, y)| Mpp { x, y })
}

/// Scanner objective power: `openslide.objective-power`, else `aperio.AppMag`.
pub fn objective_power_from_properties(props: &BTreeMap<String, String>) -> Option<f64> {
    ["openslide.objective-power", "aperio.AppMag"]
        .iter()
        .find_map(|key| number(props, key))
        .filter(|v| *v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn openslide_keys_win() {
        let p = props(&[
            ("openslide.mpp-x", "0.2527"),
            ("openslide.mpp-y", "0.2530"),
            ("aperio.MPP", "0.5"),
        ]);
        assert_eq!(
            mpp_from_properties(&p),
            Some(Mpp {
                x: 0.2527,
                y: 0.2530
            })
        );
    }

    #[test]
    fn aperio_fallback_when_openslide_keys_are_missing() {
        let p = props(&[("aperio.MPP", "0.4990"), ("aperio.AppMag", "20")]);
        assert_eq!(mpp_from_properties(&p), Some(Mpp::square(0.499)));
        assert_eq!(objective_power_from_properties(&p), Some(20.0));
    }

    #[test]
    fn tiff_resolution_in_centimetres() {
        // 20 000 px/cm = 0.5 µm/px.
        let p = props(&[
            ("tiff.XResolution", "20000"),
            ("tiff.YResolution", "20000"),
            ("tiff.ResolutionUnit", "centimeter"),
        ]);
        assert_eq!(mpp_from_properties(&p), Some(Mpp::square(0.5)));
    }

    #[test]
    fn a_72_dpi_default_is_not_a_resolution() {
        let p = props(&[
            ("openslide.mpp-x", "352.77777983377013"),
            ("openslide.mpp-y", "352.77777983377013"),
            ("tiff.XResolution", "28.346456527709961"),
            ("tiff.YResolution", "28.346456527709961"),
            ("tiff.ResolutionUnit", "centimeter"),
        ]);
        assert_eq!(mpp_from_properties(&p), None);
    }

    #[test]
    fn absent_or_garbage_is_none() {
        assert_eq!(mpp_from_properties(&props(&[])), None);
        let p = props(&[("aperio.MPP", "n/a"), ("openslide.objective-power", "0")]);
        assert_eq!(mpp_from_properties(&p), None);
        assert_eq!(objective_power_from_properties(&p), None);
        let no_unit = props(&[("tiff.XResolution", "20000"), ("tiff.YResolution", "20000")]);
        assert_eq!(mpp_from_properties(&no_unit), None);
    }
}
