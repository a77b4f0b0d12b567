//! Nucleus detection scored like a detection benchmark (one-to-one centroid matching within
//! 4 um): on `ihc-synth` tiles against their truth nuclei, always; on the real DeepLIIF
//! annotations of `../shared/real` through `her2 eval-nuclei` (crates/her2-cli/tests).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ihc_synth::{Appearance, Her2Class, Look, SynthConfig, SyntheticSlide};
use stain_features::{DetectionScore, StainAnalyzer, StainConfig, match_centroids};

const TILE: u32 = 512;
const TOLERANCE_UM: f64 = 4.0;

/// Detection score over a few tiles of a slide of each class, rendered with `cfg_of`.
fn score(config: StainConfig, cfg_of: impl Fn(Her2Class, u64) -> SynthConfig) -> DetectionScore {
    let analyzer = StainAnalyzer::new(config).unwrap();
    let mut total = DetectionScore::new(0, 0, 0);
    for (k, class) in Her2Class::ALL.into_iter().enumerate() {
        let cfg = cfg_of(class, 700 + k as u64);
        let slide = SyntheticSlide::new(&cfg).unwrap();
        let (w, h) = slide.dimensions();
        let tiles = [(w / 2 - TILE, h / 2 - TILE / 2), (w / 2, h / 2 - TILE / 2)];
        for (x, y) in tiles {
            let truth: Vec<[f64; 2]> = slide
                .cells_in(x, y, TILE, TILE)
                .iter()
                .map(|c| [c.x - f64::from(x), c.y - f64::from(y)])
                .collect();
            let img = slide.render_region(x, y, TILE, TILE);
            let seg = analyzer.segment(&img, cfg.mpp).unwrap();
            let s = match_centroids(&seg.centroids(), &truth, TOLERANCE_UM / cfg.mpp).score;
            total = total.combine(&s);
        }
    }
    total
}

fn synth(class: Her2Class, seed: u64) -> SynthConfig {
    let mut cfg = SynthConfig::new(3072, 2048, class, seed);
    cfg.control = false;
    cfg.tissue_fraction = [0.6, 0.7];
    cfg
}

#[test]
fn synthetic_nuclei_are_found_one_to_one() {
    let s = score(StainConfig::default(), synth);
    eprintln!("ihc-synth nucleus detection: {s:?}");
    assert!(s.annotated > 500, "too few truth nuclei: {}", s.annotated);
    assert!(s.f1 >= 0.9, "F1 {:.3}", s.f1);
    assert!(
        s.count_error.abs() <= 0.1,
        "count error {:.3}",
        s.count_error
    );
}

#[test]
fn realistic_nuclei_are_found_at_both_scan_resolutions() {
    // vesicular nuclei, hematoxylin 0.4-1.2x, a counterstain cast: the look of real slides
    for mpp in [0.5, 0.25] {
        let s = score(StainConfig::default(), |class, seed| {
            let mut cfg = Look::Realistic.config(synth(class, seed));
            cfg.mpp = mpp;
            cfg
        });
        eprintln!("ihc-synth realistic look at {mpp} um/px: {s:?}");
        assert!(s.annotated > 300, "too few truth nuclei: {}", s.annotated);
        assert!(s.f1 >= 0.9, "F1 {:.3} at {mpp} um/px", s.f1);
        assert!(
            s.count_error.abs() <= 0.1,
            "count error {:.3}",
            s.count_error
        );
    }
}

#[test]
fn pale_tissue_under_tinted_glass_keeps_its_nuclei() {
    let s = score(StainConfig::default(), |class, seed| {
        let mut cfg = synth(class, seed);
        cfg.appearance = Appearance::tinted_pale();
        cfg
    });
    eprintln!("ihc-synth tinted, pale: {s:?}");
    assert!(s.f1 >= 0.9, "F1 {:.3}", s.f1);
}
