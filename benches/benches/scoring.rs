//! Stage 3b (her2-score): aggregating patch features into slide features, scoring a slide with
//! all three rules (trace and flags included), calibrating a rule with 5-fold cross-validation,
//! and drawing the confusion-matrix PNG. No peer script covers this stage (the peers stop at
//! patch features); figures go to docs/benchmarks.md.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use her2_score::{
    CalibrationOptions, ConfusionMatrix, Guideline, Her2Score, LabelledSlide, RuleKind, Scorer,
    ScoringConfig, SlideFeatures, calibrate, render_confusion,
};
use stain_features::{ClassCounts, PatchFeatures, PatchTimings};

/// Deterministic pseudo-random patches of a 2+-looking slide.
fn patches(n: u64) -> Vec<PatchFeatures> {
    (0..n)
        .map(|i| {
            let k = |m: u64| (i * 2_654_435_761) % m;
            PatchFeatures {
                width: 512,
                height: 512,
                mpp: 0.5,
                staining_intensity: 0.2 + k(1000) as f64 * 3e-4,
                brown_pixels: 5_000 + k(20_000),
                stained_fraction: 0.05,
                mean_dab_od: 0.3,
                cell_count: 300,
                positive_cells: 120,
                complete_membrane_cells: 50,
                class_counts: ClassCounts {
                    complete: [0, 5, 35 + k(10), 10 - k(10)],
                    incomplete: [180, 60, 10, 0],
                },
                membrane_od: Default::default(),
                timings: PatchTimings::default(),
            }
        })
        .collect()
}

/// Labelled slides from a guideline rule with a 20% 3+ cut.
fn cohort(n: usize) -> Vec<LabelledSlide> {
    let truth = Guideline {
        three_plus_percent: 20.0,
        ..Guideline::default()
    };
    (0..n)
        .map(|i| {
            let t = (i as f64 * 0.618_033_988_75) % 1.0;
            let mut features = SlideFeatures {
                cells: 5_000,
                staining_average: 0.7 * t,
                positive_cell_ratio: 0.3 * t,
                circumferential_ratio: 0.9 * t,
                ..SlideFeatures::default()
            };
            features.percent_incomplete[1] = 40.0 * t;
            features.percent_complete[2] = (60.0 * t - 20.0).max(0.0);
            features.percent_complete[3] = (80.0 * t - 40.0).max(0.0);
            let label = truth.score(&features).score;
            LabelledSlide {
                slide: format!("s{i}"),
                features,
                label,
            }
        })
        .collect()
}

fn scoring(c: &mut Criterion) {
    let config = ScoringConfig::default();
    let input = patches(10_000);
    let mut group = c.benchmark_group("scoring");
    group.throughput(Throughput::Elements(input.len() as u64));
    group.bench_function("aggregate_10k_patches", |b| {
        b.iter(|| {
            let mut aggregator = config.aggregator();
            for patch in &input {
                aggregator.add(patch).unwrap();
            }
            aggregator.finish()
        })
    });
    let features = SlideFeatures::from_patches(&input).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function("assess_all_rules", |b| {
        b.iter(|| config.assess_all(&features, Some(&features)))
    });
    let slides = cohort(200);
    group.sample_size(10);
    group.bench_function("calibrate_guideline_200_slides_5fold", |b| {
        b.iter(|| {
            calibrate(
                &config,
                RuleKind::Guideline,
                &slides,
                &CalibrationOptions::default(),
            )
            .unwrap()
        })
    });
    group.bench_function("calibrate_paper_200_slides_5fold", |b| {
        b.iter(|| {
            calibrate(
                &config,
                RuleKind::Paper,
                &slides,
                &CalibrationOptions::default(),
            )
            .unwrap()
        })
    });
    let matrix = ConfusionMatrix::of_scores(slides.iter().map(|s| (s.label, Her2Score::Two)));
    group.bench_function("confusion_png_render", |b| {
        b.iter(|| render_confusion(&matrix, "GUIDELINE"))
    });
    group.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
