//! How the default staining-only and integrated rules separate slides whose three indexes lie
//! anywhere inside the paper's Table 4 ranges of their class, and what calibration with
//! cross-validation makes of the same cohort.
//!
//! `cargo run -p her2-score --example table4_cohort -- [OUT_DIR]` prints accuracies and kappas
//! and, with OUT_DIR, writes `<rule>.json` evaluations and `<rule>.png` confusion matrices.
//! Slides per class follow the paper's cohort (14 x 0, 25 x 1+, 36 x 2+, 20 x 3+) times 10;
//! each index is drawn uniformly and independently in its class's range (real indexes are
//! correlated, so this is a hard case for the overlapping ranges).
#![allow(clippy::unwrap_used, clippy::expect_used)]
// Table 4 lists 0.318, which clippy mistakes for 1/pi.
#![allow(clippy::approx_constant)]

use std::path::PathBuf;

use her2_score::{
    CalibrationOptions, ConfusionMatrix, Her2Score, LabelledSlide, RuleKind, ScoringConfig,
    SlideFeatures, calibrate, write_atomic, write_confusion_png,
};

/// Table 4: per class, (min, max) of staining average, positive cell ratio, circumferential ratio.
const TABLE4: [[(f64, f64); 3]; 4] = [
    [(0.000, 0.008), (0.000, 0.041), (0.000, 0.000)],
    [(0.006, 0.189), (0.004, 0.125), (0.011, 0.360)],
    [(0.146, 0.367), (0.130, 0.318), (0.454, 0.741)],
    [(0.541, 0.611), (0.173, 0.338), (0.461, 0.908)],
];
/// The paper's slides per class.
const COHORT: [usize; 4] = [14, 25, 36, 20];

/// SplitMix64 in [0, 1).
fn uniform(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out: Option<PathBuf> = std::env::args().nth(1).map(PathBuf::from);
    let mut state = 2023;
    let mut slides = Vec::new();
    for (class, &count) in COHORT.iter().enumerate() {
        for i in 0..10 * count {
            let mut draw = |(lo, hi): (f64, f64)| lo + (hi - lo) * uniform(&mut state);
            let [s, p, c] = TABLE4[class];
            let features = SlideFeatures {
                staining_average: draw(s),
                positive_cell_ratio: draw(p),
                circumferential_ratio: draw(c),
                ..SlideFeatures::default()
            };
            slides.push(LabelledSlide {
                slide: format!("c{class}-{i}"),
                features,
                label: Her2Score::ALL[class],
            });
        }
    }
    let config = ScoringConfig::default();
    println!("{} synthetic slides inside Table 4's ranges", slides.len());
    for rule in [RuleKind::Staining, RuleKind::Paper] {
        let scorer = config.scorer(rule);
        let matrix = ConfusionMatrix::of_scores(
            slides
                .iter()
                .map(|s| (s.label, scorer.score(&s.features).score)),
        );
        let evaluation = matrix.evaluation();
        println!(
            "default {rule:<9} accuracy {:.1}%  quadratic kappa {:.3}  matrix {:?}",
            100.0 * evaluation.accuracy.unwrap_or(0.0),
            evaluation.kappa_quadratic.unwrap_or(0.0),
            matrix.counts
        );
        if let Some(dir) = &out {
            write_atomic(
                &dir.join(format!("{rule}.json")),
                serde_json::to_string_pretty(&evaluation)?.as_bytes(),
            )?;
            write_confusion_png(
                &dir.join(format!("{rule}.png")),
                &matrix,
                &format!("{rule} rule, Table 4 defaults"),
            )?;
        }
        let calibration = calibrate(&config, rule, &slides, &CalibrationOptions::default())?;
        let cv = calibration.cross_validation.expect("5 folds");
        println!(
            "  calibrated: training {:.1}%, 5-fold cross-validated {:.1}% (fold mean {:.1}% +- {:.1}%)",
            100.0 * calibration.training.accuracy.unwrap_or(0.0),
            100.0 * cv.pooled.accuracy.unwrap_or(0.0),
            100.0 * cv.mean_test_accuracy.unwrap_or(0.0),
            100.0 * cv.std_test_accuracy.unwrap_or(0.0)
        );
        for threshold in calibration.thresholds {
            println!("    {threshold}");
        }
    }
    Ok(())
}
