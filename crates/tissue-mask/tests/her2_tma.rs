//! Optional: the five real HER2 tissue-microarray spots of `/work/shared/real/her2-tma`
//! (5468 x 5468 JPEGs, one round spot each, taken at 0.25 µm/px). Each spot's mask must be the
//! spot: a tissue fraction between 0.3 and 0.85 of the image (the disc covers about 0.55, less
//! its tears and lumens). Skips when the directory is absent (a user's machine has none).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use tissue_mask::{OtsuDetector, TissueDetector, TissueInput};
use wsi_io::{Mpp, OpenOptions};

const SPOTS: &str = "/work/shared/real/her2-tma";

#[test]
fn each_real_spot_is_found_as_a_disc_not_the_glass() {
    let dir = Path::new(SPOTS);
    if !dir.is_dir() {
        eprintln!("{SPOTS} is absent: skipping the real HER2 TMA spots");
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jpg"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 5, "{files:?}");
    let options = OpenOptions::with_mpp(Mpp::square(0.25));
    for path in files {
        let slide = wsi_io::open_with(&path, &options).unwrap();
        // The pipeline's thumbnail (tissue.thumbnail_max_side = 2048).
        let thumb = slide.thumbnail(2048).unwrap();
        let downsample = slide.dimensions().0 as f64 / f64::from(thumb.width());
        let mask = OtsuDetector::default()
            .detect(&TissueInput {
                thumbnail: &thumb,
                downsample,
                mpp: 0.25,
            })
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let f = mask.tissue_fraction();
        let largest = mask.pieces().iter().map(|p| p.area_mm2).fold(0.0, f64::max);
        eprintln!(
            "{}: tissue {f:.3}, {} pieces, largest {largest:.2} mm², {:?}",
            path.file_name().unwrap().to_string_lossy(),
            mask.pieces().len(),
            mask.source()
        );
        assert!(
            (0.3..=0.85).contains(&f),
            "{}: tissue fraction {f:.3}",
            path.display()
        );
        // The spot is one piece that holds nearly all the tissue.
        assert!(
            largest >= 0.9 * mask.summary().tissue_area_mm2,
            "{}",
            path.display()
        );
    }
}
