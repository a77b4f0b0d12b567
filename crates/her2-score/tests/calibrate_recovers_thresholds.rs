//! Calibration recovers the thresholds that generated the labels of synthetic slides, and the
//! fitted config round-trips through the files scoring reads.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use her2_score::{
    CalibrationOptions, Guideline, Her2Score, LabelledSlide, Objective, RuleKind, Scorer,
    ScoringConfig, SlideFeatures, SlideRecord, calibrate, join_labels, read_features_csv,
    write_features_csv,
};

/// A small deterministic generator (SplitMix64), so the test needs no RNG crate.
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        (z ^ (z >> 31)) as f64 / u64::MAX as f64
    }
}

/// Slides whose per-cell percentages are spread over 0-40%, labelled by `truth`.
fn guideline_slides(truth: &Guideline, n: usize, seed: u64) -> Vec<LabelledSlide> {
    let mut mix = Mix(seed);
    (0..n)
        .map(|i| {
            let mut features = SlideFeatures {
                cells: 10_000,
                patches: 50,
                ..SlideFeatures::default()
            };
            features.percent_incomplete[1] = 40.0 * mix.next();
            features.percent_complete[2] = 40.0 * mix.next() * mix.next();
            features.percent_complete[3] = 40.0 * mix.next() * mix.next() * mix.next();
            let label = truth.score(&features).score;
            LabelledSlide {
                slide: format!("g{seed}-{i}"),
                features,
                label,
            }
        })
        .collect()
}

#[test]
fn guideline_cuts_of_another_lab_are_recovered() {
    let truth = Guideline {
        three_plus_percent: 25.0,
        two_plus_percent: 15.0,
        one_plus_percent: 20.0,
        presence_percent: 3.0,
    };
    let slides = guideline_slides(&truth, 600, 1);
    let calibration = calibrate(
        &ScoringConfig::default(),
        RuleKind::Guideline,
        &slides,
        &CalibrationOptions::default(),
    )
    .unwrap();
    let fitted = &calibration.config.guideline;
    assert_eq!(calibration.training.accuracy, Some(1.0), "{fitted:?}");
    for (got, want) in [
        (fitted.three_plus_percent, 25.0),
        (fitted.two_plus_percent, 15.0),
        (fitted.one_plus_percent, 20.0),
        (fitted.presence_percent, 3.0),
    ] {
        assert!(
            (got - want).abs() < 1.0,
            "fitted {got}, generated with {want}: {fitted:?}"
        );
    }
    assert!(
        calibration.before.accuracy.unwrap() < 0.9,
        "the default cuts are not this lab's"
    );
    let cv = calibration.cross_validation.as_ref().unwrap();
    assert!(
        cv.pooled.accuracy.unwrap() > 0.95,
        "{:?}",
        cv.pooled.accuracy
    );
    assert!(cv.pooled.accuracy <= calibration.training.accuracy);

    // fresh slides from the same lab score right with the fitted config
    let fresh = guideline_slides(&truth, 300, 99);
    let scorer = calibration.config.scorer(RuleKind::Guideline);
    let correct = fresh
        .iter()
        .filter(|slide| scorer.score(&slide.features).score == slide.label)
        .count();
    assert!(correct as f64 / 300.0 > 0.97, "{correct} of 300");
}

#[test]
fn paper_rule_fits_slides_from_known_cuts_and_kappa_objective_works() {
    // latent severity per slide drives all three indexes with some independent noise
    let mut truth = ScoringConfig::default().paper;
    truth.zero_one.staining = Some(0.05);
    truth.one_two.staining = Some(0.25);
    truth.two_three.staining = Some(0.6);
    let mut mix = Mix(5);
    let slides: Vec<LabelledSlide> = (0..400)
        .map(|i| {
            let severity = mix.next();
            let features = SlideFeatures {
                staining_average: (0.8 * severity + 0.05 * (mix.next() - 0.5)).max(0.0),
                positive_cell_ratio: (0.3 * severity + 0.02 * (mix.next() - 0.5)).max(0.0),
                circumferential_ratio: (0.9 * severity + 0.05 * (mix.next() - 0.5)).max(0.0),
                ..SlideFeatures::default()
            };
            let label = truth.score(&features).score;
            LabelledSlide {
                slide: format!("p{i}"),
                features,
                label,
            }
        })
        .collect();
    for objective in [Objective::Accuracy, Objective::QuadraticKappa] {
        let options = CalibrationOptions {
            objective,
            folds: 4,
            ..CalibrationOptions::default()
        };
        let calibration = calibrate(
            &ScoringConfig::default(),
            RuleKind::Paper,
            &slides,
            &options,
        )
        .unwrap();
        assert!(
            calibration.training.accuracy.unwrap() >= 0.98,
            "{objective}: {:?}",
            calibration.training.accuracy
        );
        assert!(calibration.training.accuracy > calibration.before.accuracy);
        let staining_cut = calibration.config.paper.two_three.staining.unwrap();
        assert!(
            (staining_cut - 0.6).abs() < 0.03,
            "{objective}: 2+|3+ staining cut {staining_cut}"
        );
        assert!(
            calibration
                .cross_validation
                .unwrap()
                .pooled
                .kappa_quadratic
                .unwrap()
                > 0.95
        );
    }
}

#[test]
fn fitted_config_and_features_round_trip_through_files() {
    let truth = Guideline {
        three_plus_percent: 18.0,
        ..Guideline::default()
    };
    let slides = guideline_slides(&truth, 120, 3);
    let dir = tempfile::tempdir().unwrap();
    let features_path = dir.path().join("features.csv");
    let records: Vec<SlideRecord> = slides
        .iter()
        .map(|s| SlideRecord {
            slide: s.slide.clone(),
            features: s.features.clone(),
        })
        .collect();
    write_features_csv(&features_path, &records).unwrap();
    let labels: Vec<her2_score::SlideLabel> = slides
        .iter()
        .map(|s| her2_score::SlideLabel {
            slide: s.slide.clone(),
            score: s.label,
            category: None,
        })
        .collect();
    let joined = join_labels(
        &features_path,
        read_features_csv(&features_path).unwrap(),
        &labels,
    )
    .unwrap();
    assert_eq!(joined, slides);

    let calibration = calibrate(
        &ScoringConfig::default(),
        RuleKind::Guideline,
        &joined,
        &CalibrationOptions::default(),
    )
    .unwrap();
    let config_path = dir.path().join("lab.toml");
    calibration.config.save(&config_path).unwrap();
    let loaded = ScoringConfig::load(&config_path).unwrap();
    assert_eq!(loaded, calibration.config);
    let threes = joined
        .iter()
        .filter(|s| loaded.assess(&s.features, None).score == Her2Score::Three)
        .count();
    let labelled_threes = joined
        .iter()
        .filter(|s| s.label == Her2Score::Three)
        .count();
    assert_eq!(threes, labelled_threes);
}

/// A lab whose 2+|3+ boundary needs completeness as well as darkness: voter selection finds
/// the circumferential ratio there, and its cross-validation covers the selection too.
#[test]
fn voter_selection_finds_the_index_that_separates_two_three() {
    let mut truth = ScoringConfig::default().paper;
    truth.zero_one.staining = Some(0.05);
    truth.one_two.staining = Some(0.25);
    truth.two_three.staining = Some(0.45);
    truth.two_three.circumferential_ratio = Some(0.5);
    let mut mix = Mix(11);
    let slides: Vec<LabelledSlide> = (0..160)
        .map(|i| {
            let severity = mix.next();
            let features = SlideFeatures {
                staining_average: 0.8 * severity,
                positive_cell_ratio: 0.3 * severity,
                // completeness is independent of darkness among dark slides
                circumferential_ratio: if severity > 0.5 {
                    mix.next()
                } else {
                    0.9 * severity
                },
                ..SlideFeatures::default()
            };
            let label = truth.score(&features).score;
            LabelledSlide {
                slide: format!("v{i}"),
                features,
                label,
            }
        })
        .collect();
    let plain = CalibrationOptions {
        folds: 4,
        ..CalibrationOptions::default()
    };
    let fixed = calibrate(&ScoringConfig::default(), RuleKind::Paper, &slides, &plain).unwrap();
    let selecting = CalibrationOptions {
        select_voters: true,
        ..plain
    };
    let selected = calibrate(
        &ScoringConfig::default(),
        RuleKind::Paper,
        &slides,
        &selecting,
    )
    .unwrap();
    let two_three = &selected.config.paper.two_three;
    assert!(two_three.circumferential_ratio.is_some(), "{two_three:?}");
    let cv = |c: &her2_score::Calibration| {
        c.cross_validation
            .as_ref()
            .unwrap()
            .pooled
            .accuracy
            .unwrap()
    };
    assert!(
        cv(&selected) > cv(&fixed) + 0.05,
        "selected {} vs Table 4 voters {}",
        cv(&selected),
        cv(&fixed)
    );
    assert!(selected.voters.is_some() && fixed.voters.is_none());
    assert!(
        selected
            .thresholds
            .iter()
            .any(|t| t.name == "paper.two_three.circumferential_ratio" && t.before.is_none())
    );
    // the fitted config is valid and is what scores
    selected.config.validate().unwrap();
}
