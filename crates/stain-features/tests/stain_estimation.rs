//! Per-slide stain vector estimation on `ihc-synth` slides whose vectors were jittered (+-0.08
//! per component, four times the generator's default): the estimate recovers the vectors the
//! slide was rendered with, and falls back to the reference where DAB is scarce or absent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ihc_synth::{Her2Class, SynthConfig, SyntheticSlide};
use stain_features::internals::angle_deg;
use stain_features::{EstimationConfig, StainMatrix, VectorSource, estimate_stains};

/// Largest angle (degrees) between an accepted hematoxylin estimate and the true vector.
const MAX_H_ERROR_DEG: f64 = 2.0;
/// Largest angle (degrees) between an accepted DAB estimate and the true vector.
const MAX_DAB_ERROR_DEG: f64 = 4.0;

fn slide(class: Her2Class, seed: u64) -> SyntheticSlide {
    let mut cfg = SynthConfig::new(3072, 2048, class, seed);
    cfg.control = false;
    cfg.stain.vector_jitter = 0.08;
    SyntheticSlide::new(&cfg).unwrap()
}

/// Four 512 px regions from the middle of the slide (tissue and glass alike).
fn regions(slide: &SyntheticSlide) -> Vec<image::RgbImage> {
    let (w, h) = slide.dimensions();
    [(0.3, 0.3), (0.6, 0.3), (0.3, 0.6), (0.6, 0.6)]
        .iter()
        .map(|&(fx, fy)| {
            let (x, y) = ((f64::from(w) * fx) as u32, (f64::from(h) * fy) as u32);
            slide.render_region(x, y, 512, 512)
        })
        .collect()
}

#[test]
fn recovers_jittered_vectors_and_falls_back_when_dab_is_scarce() {
    let cfg = EstimationConfig::default();
    let base = StainMatrix::skimage_hed();
    for (k, class) in [
        Her2Class::Positive3,
        Her2Class::Equivocal2WeakComplete,
        Her2Class::Low1,
    ]
    .into_iter()
    .enumerate()
    {
        let s = slide(class, 40 + k as u64);
        let truth = s.truth().stains;
        let tiles = regions(&s);
        let refs: Vec<&image::RgbImage> = tiles.iter().collect();
        let est = estimate_stains(&refs, &base, &cfg).unwrap();
        let h_err = angle_deg(est.hematoxylin.vector, truth.hematoxylin);
        let d_err = angle_deg(est.dab.vector, truth.dab);
        eprintln!(
            "{class:?}: H error {h_err:.2} deg (reference {:.2}, {:?}), DAB error {d_err:.2} deg (reference {:.2}, {:?}, stained fraction {:.3}), {} px",
            angle_deg(base.vectors[0], truth.hematoxylin),
            est.hematoxylin.source,
            angle_deg(base.vectors[2], truth.dab),
            est.dab.source,
            est.dab.stained_fraction.unwrap_or(f64::NAN),
            est.pixels_used
        );
        assert_eq!(est.hematoxylin.source, VectorSource::Estimated, "{est:?}");
        assert!(
            h_err <= MAX_H_ERROR_DEG,
            "{class:?} H off by {h_err:.2} deg"
        );
        if class == Her2Class::Low1 {
            // Faint DAB only: too few clearly stained pixels to trust a DAB direction.
            assert_eq!(est.dab.source, VectorSource::Default, "{est:?}");
            assert!(est.dab.rejected.as_deref().unwrap_or("").contains("DAB"));
        } else {
            assert_eq!(est.dab.source, VectorSource::Estimated, "{est:?}");
            assert!(
                d_err <= MAX_DAB_ERROR_DEG,
                "{class:?} DAB off by {d_err:.2} deg"
            );
        }
        assert!(est.matrix.name.contains("estimated"));
    }
}

#[test]
fn dab_free_slide_keeps_the_reference_dab() {
    let s = slide(Her2Class::Null, 7);
    let tiles = regions(&s);
    let refs: Vec<&image::RgbImage> = tiles.iter().collect();
    let base = StainMatrix::skimage_hed();
    let est = estimate_stains(&refs, &base, &EstimationConfig::default()).unwrap();
    assert_eq!(est.dab.source, VectorSource::Default, "{est:?}");
    assert_eq!(est.matrix.vectors[2], base.vectors[2]);
    let truth = s.truth().stains;
    assert_eq!(est.hematoxylin.source, VectorSource::Estimated, "{est:?}");
    assert!(angle_deg(est.hematoxylin.vector, truth.hematoxylin) <= MAX_H_ERROR_DEG);
}
