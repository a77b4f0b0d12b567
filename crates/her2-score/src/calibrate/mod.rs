//! Calibration: fit a rule's thresholds to a lab's labelled slides, and say honestly how well
//! the fitted rule does on slides it was not fitted on (stratified k-fold cross-validation).
//!
//! The search is coordinate ascent: one threshold at a time is set to the best of the
//! midpoints between neighbouring slide values of its measure (kept between its neighbouring
//! cuts), round after round until nothing improves. It starts twice, from the given config and
//! from a data-driven guess (midpoints between class medians), and keeps the better fit. Among
//! equally good cuts it keeps the current one, or else takes the middle of the best run, so
//! cuts sit in the middle of gaps between classes.
//!
//! For the paper rule, calibration can also choose which indexes vote at each boundary
//! ([`CalibrationOptions::select_voters`], module `voters`), since Table 4's choice
//! need not suit another lab's stain and scanner.
//!
//! It can also fit the membrane OD intensity cuts ([`CalibrationTarget`], module
//! `intensity`): the cuts that a lab's stain and scanner need when its slides carry no
//! control to anchor them; or take those cuts from the lab's 3+ controls alone, without
//! labels ([`calibrate_from_controls`]).

mod controls;
mod intensity;
mod voters;

pub use controls::{ControlCalibration, ControlReading, calibrate_from_controls};
pub use intensity::{CalibrationTarget, IntensityFit};
pub use voters::{BoundaryVoters, VoterSelection, VoterTrial};

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::config::ScoringConfig;
use crate::error::{Result, ScoreError};
use crate::features::SlideFeatures;
use crate::labels::LabelledSlide;
use crate::metrics::{ConfusionMatrix, Evaluation, KappaWeights};
use crate::rules::{Level, RuleKind, Tunable, TunableRule, decide};
use crate::score::Her2Score;
use stain_features::IntensityThresholds;

/// What the search maximises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Share of slides scored as labelled.
    #[default]
    Accuracy,
    /// Cohen's kappa with quadratic weights (a 0 called 3+ costs more than a 2+ called 3+);
    /// accuracy breaks ties.
    QuadraticKappa,
}

impl fmt::Display for Objective {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Objective::Accuracy => "accuracy",
            Objective::QuadraticKappa => "kappa",
        })
    }
}

impl FromStr for Objective {
    type Err = ScoreError;

    fn from_str(text: &str) -> Result<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "accuracy" => Ok(Objective::Accuracy),
            "kappa" | "quadratic_kappa" | "qwk" => Ok(Objective::QuadraticKappa),
            _ => Err(ScoreError::Parse {
                text: text.to_string(),
                what: "an objective (accuracy, kappa)",
            }),
        }
    }
}

/// Search and cross-validation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalibrationOptions {
    /// What to maximise.
    pub objective: Objective,
    /// Folds of cross-validation; 0 or 1 skips it.
    pub folds: usize,
    /// Seed of the fold assignment (slides are shuffled by a hash of their id and the seed).
    pub seed: u64,
    /// Rounds of coordinate ascent at most.
    pub max_rounds: usize,
    /// Candidate cuts per threshold at most (quantiles when slides have more distinct values).
    pub max_candidates: usize,
    /// Paper rule only: also choose which indexes vote at each boundary, by cross-validated
    /// agreement on the slides (needs `folds` > 1 to be more than a training fit).
    pub select_voters: bool,
    /// What is fitted: the rule's thresholds, the intensity cuts, or both.
    pub target: CalibrationTarget,
    /// The membrane OD cuts the slides' cells were classed at when measured (the pipeline's
    /// `features.stain.classes`): the intensity fit scales these.
    pub measured_cuts: IntensityThresholds,
}

impl Default for CalibrationOptions {
    fn default() -> Self {
        CalibrationOptions {
            objective: Objective::Accuracy,
            folds: 5,
            seed: 0,
            max_rounds: 20,
            max_candidates: 256,
            select_voters: false,
            target: CalibrationTarget::Thresholds,
            measured_cuts: IntensityThresholds::default(),
        }
    }
}

/// A threshold before and after fitting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedThreshold {
    /// Its config path (for example `guideline.three_plus_percent`).
    pub name: String,
    /// The value in the starting config; `None` for an index that voter selection added.
    pub before: Option<f64>,
    /// The fitted value; `None` for an index that voter selection removed.
    pub after: Option<f64>,
}

impl fmt::Display for FittedThreshold {
    /// `name  before -> after`, with `-` where the index does not vote.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
        write!(
            f,
            "{:<40} {:>10} -> {}",
            self.name,
            cut(self.before),
            cut(self.after)
        )
    }
}

/// One fold of cross-validation: fitted on the other folds, tested on this one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Slides fitted on.
    pub train_slides: usize,
    /// Slides tested on.
    pub test_slides: usize,
    /// Accuracy on the training slides (optimistic).
    pub train_accuracy: Option<f64>,
    /// Accuracy on the held-out slides.
    pub test_accuracy: Option<f64>,
    /// Quadratic kappa on the held-out slides.
    pub test_kappa_quadratic: Option<f64>,
}

/// Cross-validation results: per fold, and all held-out predictions pooled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossValidation {
    /// Number of folds.
    pub folds: usize,
    /// Each fold's figures.
    pub per_fold: Vec<FoldResult>,
    /// Mean held-out accuracy over folds.
    pub mean_test_accuracy: Option<f64>,
    /// Standard deviation of held-out accuracy over folds.
    pub std_test_accuracy: Option<f64>,
    /// Every slide's held-out prediction against its label: the honest estimate.
    pub pooled: Evaluation,
}

/// What `calibrate` found: the fitted config and the evidence for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Calibration {
    /// The rule fitted.
    pub rule: RuleKind,
    /// The objective maximised.
    pub objective: Objective,
    /// Labelled slides used.
    pub slides: usize,
    /// Every threshold of the rule, before and after.
    pub thresholds: Vec<FittedThreshold>,
    /// The starting config's agreement on all slides.
    pub before: Evaluation,
    /// The fitted config's agreement on the slides it was fitted on (optimistic).
    pub training: Evaluation,
    /// Held-out agreement, when folds > 1. With voter selection, each fold chooses its own
    /// voters too, so this is the honest figure for the whole procedure.
    pub cross_validation: Option<CrossValidation>,
    /// Which indexes vote where, before and after, when voters were selected.
    pub voters: Option<VoterSelection>,
    /// What was fitted.
    pub target: CalibrationTarget,
    /// The fitted intensity cuts, when they were fitted.
    pub intensity: Option<IntensityFit>,
    /// The starting config with the fitted thresholds and `rule` set to the fitted rule.
    pub config: ScoringConfig,
}

/// Fits `rule`'s thresholds in `base` to `slides`.
///
/// Fails when there are fewer than two slides, fewer slides than folds, only one class, or
/// voter selection is asked for a rule other than the paper's.
pub fn calibrate(
    base: &ScoringConfig,
    rule: RuleKind,
    slides: &[LabelledSlide],
    options: &CalibrationOptions,
) -> Result<Calibration> {
    base.validate()?;
    let classes = Her2Score::ALL
        .iter()
        .filter(|&&score| slides.iter().any(|slide| slide.label == score))
        .count();
    if slides.len() < 2 || classes < 2 {
        return Err(ScoreError::NotEnoughSlides(format!(
            "{} slides in {classes} classes; calibration needs at least two of each",
            slides.len()
        )));
    }
    if options.folds > 1 && slides.len() < options.folds {
        return Err(ScoreError::NotEnoughSlides(format!(
            "{} slides for {} folds",
            slides.len(),
            options.folds
        )));
    }
    if options.select_voters && rule != RuleKind::Paper {
        return Err(ScoreError::invalid_config(
            "select_voters",
            format!("voter selection applies to the paper rule, not the {rule} rule"),
        ));
    }
    if options.select_voters && options.target != CalibrationTarget::Thresholds {
        return Err(ScoreError::invalid_config(
            "select_voters",
            "voter selection fits thresholds only; it cannot be combined with fitting the \
             intensity cuts",
        ));
    }
    let all: Vec<&LabelledSlide> = slides.iter().collect();
    if options.target.intensity() {
        intensity::check_histograms(&all)?;
    }
    let mut config = base.clone();
    config.rule = rule;
    let mut voters = None;
    let limits = base.intensity.scale_limits;
    let (thresholds, cross_validation, intensity) = match rule {
        RuleKind::Guideline => fit_and_validate(&mut config.guideline, &all, options, limits),
        RuleKind::Paper if options.select_voters => {
            let start = config.paper.clone();
            let cross_validation = (options.folds > 1).then(|| {
                cross_validate(&all, options, |train| Fitted {
                    cuts: None,
                    levels: voters::select_and_fit(&start, train, options).0.levels(),
                })
            });
            let (fitted, selection) = voters::select_and_fit(&start, &all, options);
            config.paper = fitted;
            voters = Some(selection);
            (
                compare_thresholds(&start.tunables(), &config.paper.tunables()),
                cross_validation,
                None,
            )
        }
        RuleKind::Paper => fit_and_validate(&mut config.paper, &all, options, limits),
        RuleKind::Staining => fit_and_validate(&mut config.staining, &all, options, limits),
    };
    if let Some(fit) = &intensity {
        config.intensity.lab_cuts = Some(fit.cuts.clone());
    }
    Ok(Calibration {
        rule,
        objective: options.objective,
        slides: slides.len(),
        thresholds,
        before: evaluate(base, rule, slides),
        training: evaluate(&config, rule, slides),
        cross_validation,
        voters,
        target: options.target,
        intensity,
        config,
    })
}

/// How well a config's rule agrees with labelled slides; with the lab's intensity cuts
/// (`intensity.lab_cuts`), the slides' cells are recounted at them first.
pub fn evaluate(config: &ScoringConfig, rule: RuleKind, slides: &[LabelledSlide]) -> Evaluation {
    let scorer = config.scorer(rule);
    let score = |features: &SlideFeatures| match &config.intensity.lab_cuts {
        Some(cuts) => scorer.score(&features.recounted(cuts)).score,
        None => scorer.score(features).score,
    };
    ConfusionMatrix::of_scores(
        slides
            .iter()
            .map(|slide| (slide.label, score(&slide.features))),
    )
    .evaluation()
}

/// A fitted decision: the cuts the cells are recounted at (`None`: as measured) and the
/// rule's decision list.
struct Fitted {
    cuts: Option<IntensityThresholds>,
    levels: Vec<Level>,
}

impl Fitted {
    /// The score of a slide.
    fn score(&self, features: &SlideFeatures) -> Her2Score {
        match &self.cuts {
            Some(cuts) => decide(&self.levels, &features.recounted(cuts)),
            None => decide(&self.levels, features),
        }
    }
}

/// Fits what `options.target` names, from `start`, on `slides`: the intensity cuts (factors
/// within `limits`) with the starting thresholds, then the thresholds on the recounted cells.
fn fit_target<R: TunableRule>(
    start: &R,
    slides: &[&LabelledSlide],
    options: &CalibrationOptions,
    limits: [f64; 2],
) -> (R, Option<IntensityFit>) {
    if !options.target.intensity() {
        return (fit(start, slides, options), None);
    }
    let intensity = intensity::fit_intensity(
        &start.levels(),
        slides,
        &options.measured_cuts,
        limits,
        options.objective,
    );
    let rule = if options.target.thresholds() {
        let recounted = intensity::recounted(slides, &intensity.cuts);
        let refs: Vec<&LabelledSlide> = recounted.iter().collect();
        fit(start, &refs, options)
    } else {
        start.clone()
    };
    (rule, Some(intensity))
}

/// Fits `rule` (and the intensity cuts, when asked) on all slides, `rule` in place, and
/// cross-validates the fitting procedure.
fn fit_and_validate<R: TunableRule>(
    rule: &mut R,
    slides: &[&LabelledSlide],
    options: &CalibrationOptions,
    limits: [f64; 2],
) -> (
    Vec<FittedThreshold>,
    Option<CrossValidation>,
    Option<IntensityFit>,
) {
    let start = rule.clone();
    let cross_validation = (options.folds > 1).then(|| {
        cross_validate(slides, options, |train| {
            let (fitted, intensity) = fit_target(&start, train, options, limits);
            Fitted {
                cuts: intensity.map(|fit| fit.cuts),
                levels: fitted.levels(),
            }
        })
    });
    let (fitted, intensity) = fit_target(&start, slides, options, limits);
    *rule = fitted;
    (
        compare_thresholds(&start.tunables(), &rule.tunables()),
        cross_validation,
        intensity,
    )
}

/// Every threshold of `after` with its value in `before` (matched by name), then the ones
/// only `before` has.
fn compare_thresholds(before: &[Tunable], after: &[Tunable]) -> Vec<FittedThreshold> {
    let value_in = |set: &[Tunable], name: &str| {
        set.iter()
            .find(|tunable| tunable.name == name)
            .map(|tunable| tunable.value)
    };
    let kept = after.iter().map(|tunable| FittedThreshold {
        name: tunable.name.clone(),
        before: value_in(before, &tunable.name),
        after: Some(tunable.value),
    });
    let removed = before
        .iter()
        .filter(|tunable| value_in(after, &tunable.name).is_none())
        .map(|tunable| FittedThreshold {
            name: tunable.name.clone(),
            before: Some(tunable.value),
            after: None,
        });
    kept.chain(removed).collect()
}

/// The objective of `levels` on `slides`, with accuracy as tie-break.
fn objective(levels: &[Level], slides: &[&LabelledSlide], objective: Objective) -> (f64, f64) {
    let matrix = ConfusionMatrix::of_scores(
        slides
            .iter()
            .map(|slide| (slide.label, decide(levels, &slide.features))),
    );
    objective_of(&matrix, objective)
}

/// The objective of a confusion matrix, with accuracy as tie-break.
fn objective_of(matrix: &ConfusionMatrix, objective: Objective) -> (f64, f64) {
    let accuracy = matrix.accuracy().unwrap_or(0.0);
    match objective {
        Objective::Accuracy => (accuracy, accuracy),
        Objective::QuadraticKappa => (
            matrix.kappa(KappaWeights::Quadratic).unwrap_or(0.0),
            accuracy,
        ),
    }
}

/// Whether `a` beats `b` by more than rounding noise.
fn better(a: (f64, f64), b: (f64, f64)) -> bool {
    const EPS: f64 = 1e-12;
    a.0 > b.0 + EPS || (a.0 > b.0 - EPS && a.1 > b.1 + EPS)
}

/// Fits from `start` and from a data-driven guess; keeps the better.
fn fit<R: TunableRule>(start: &R, slides: &[&LabelledSlide], options: &CalibrationOptions) -> R {
    let from_start = ascend(start.clone(), slides, options);
    let from_guess = ascend(median_guess(start, slides), slides, options);
    let score = |rule: &R| objective(&rule.levels(), slides, options.objective);
    if better(score(&from_guess), score(&from_start)) {
        from_guess
    } else {
        from_start
    }
}

/// The median of `values` (0 when empty).
fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    match values.len() {
        0 => 0.0,
        n if n % 2 == 1 => values[n / 2],
        n => 0.5 * (values[n / 2 - 1] + values[n / 2]),
    }
}

/// `start` with each cut at the midpoint between the medians of the classes it separates
/// (classes with no slides leave the cut as it was); cuts stay in order.
fn median_guess<R: TunableRule>(start: &R, slides: &[&LabelledSlide]) -> R {
    let mut rule = start.clone();
    for index in 0..rule.tunables().len() {
        let tunable = &rule.tunables()[index];
        let below = Her2Score::ALL[tunable.above.index() - 1];
        let values_of = |score: Her2Score| -> Vec<f64> {
            slides
                .iter()
                .filter(|slide| slide.label == score)
                .map(|slide| tunable.measure.value(&slide.features))
                .collect()
        };
        let (low, high) = (values_of(below), values_of(tunable.above));
        if !low.is_empty() && !high.is_empty() {
            let guess = 0.5 * (median(low) + median(high));
            let value = guess.clamp(tunable.lower, tunable.upper.max(tunable.lower));
            rule.set_tunable(index, value);
        }
    }
    rule
}

/// Candidate cuts for a measure: the midpoints between its sorted distinct slide values, at
/// most `max` of them (evenly spaced quantiles beyond that).
fn candidates(values: &mut Vec<f64>, max: usize) -> Vec<f64> {
    values.sort_by(f64::total_cmp);
    values.dedup();
    let midpoints: Vec<f64> = values
        .windows(2)
        .map(|pair| 0.5 * (pair[0] + pair[1]))
        .collect();
    if midpoints.len() <= max || max < 2 {
        return midpoints;
    }
    (0..max)
        .map(|i| midpoints[i * (midpoints.len() - 1) / (max - 1)])
        .collect()
}

/// Coordinate ascent from `rule`.
fn ascend<R: TunableRule>(
    mut rule: R,
    slides: &[&LabelledSlide],
    options: &CalibrationOptions,
) -> R {
    let grids: Vec<Vec<f64>> = rule
        .tunables()
        .iter()
        .map(|tunable| {
            let mut values: Vec<f64> = slides
                .iter()
                .map(|slide| tunable.measure.value(&slide.features))
                .collect();
            candidates(&mut values, options.max_candidates)
        })
        .collect();
    for _ in 0..options.max_rounds {
        let mut improved = false;
        for (index, grid) in grids.iter().enumerate() {
            let tunable = rule.tunables()[index].clone();
            let current = objective(&rule.levels(), slides, options.objective);
            let mut trial = rule.clone();
            let scored: Vec<(f64, (f64, f64))> = std::iter::once(tunable.lower)
                .chain(
                    grid.iter()
                        .copied()
                        .filter(|&cut| cut > tunable.lower && cut < tunable.upper),
                )
                .chain(std::iter::once(tunable.upper))
                .map(|cut| {
                    trial.set_tunable(index, cut);
                    (cut, objective(&trial.levels(), slides, options.objective))
                })
                .collect();
            let best = scored
                .iter()
                .map(|&(_, score)| score)
                .fold(current, |a, b| if better(b, a) { b } else { a });
            if !better(best, current) {
                continue;
            }
            // the middle of the first run of best cuts
            let first = scored
                .iter()
                .position(|&(_, score)| !better(best, score))
                .unwrap_or(0);
            let run = scored[first..]
                .iter()
                .take_while(|&&(_, score)| !better(best, score))
                .count();
            rule.set_tunable(index, scored[first + run / 2].0);
            improved = true;
        }
        if !improved {
            break;
        }
    }
    rule
}

/// A 64-bit FNV-1a hash of a slide id and seed (stable across runs and platforms).
fn hash(slide: &str, seed: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ seed;
    for byte in slide.bytes() {
        h ^= u64::from(byte);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Fold of every slide: within each class, slides ordered by hash are dealt round-robin, so
/// every fold gets its share of every class.
fn assign_folds(slides: &[&LabelledSlide], folds: usize, seed: u64) -> Vec<usize> {
    let mut fold_of = vec![0; slides.len()];
    let mut dealt = 0;
    for score in Her2Score::ALL {
        let mut members: Vec<usize> = (0..slides.len())
            .filter(|&i| slides[i].label == score)
            .collect();
        members.sort_by_key(|&i| (hash(&slides[i].slide, seed), i));
        for i in members {
            fold_of[i] = dealt % folds;
            dealt += 1;
        }
    }
    fold_of
}

/// Stratified k-fold cross-validation of a fitting procedure (`fit_on` fits on the training
/// slides).
fn cross_validate(
    slides: &[&LabelledSlide],
    options: &CalibrationOptions,
    fit_on: impl Fn(&[&LabelledSlide]) -> Fitted,
) -> CrossValidation {
    let fold_of = assign_folds(slides, options.folds, options.seed);
    let mut pooled = Vec::with_capacity(slides.len());
    let mut per_fold = Vec::with_capacity(options.folds);
    for fold in 0..options.folds {
        let (test, train): (Vec<_>, Vec<_>) =
            slides.iter().zip(&fold_of).partition(|&(_, &f)| f == fold);
        let test: Vec<&LabelledSlide> = test.into_iter().map(|(slide, _)| *slide).collect();
        let train: Vec<&LabelledSlide> = train.into_iter().map(|(slide, _)| *slide).collect();
        let fitted = fit_on(&train);
        let matrix = |set: &[&LabelledSlide]| {
            ConfusionMatrix::of_scores(
                set.iter()
                    .map(|slide| (slide.label, fitted.score(&slide.features))),
            )
        };
        let held_out = matrix(&test);
        pooled.extend(
            test.iter()
                .map(|slide| (slide.label, fitted.score(&slide.features))),
        );
        per_fold.push(FoldResult {
            train_slides: train.len(),
            test_slides: test.len(),
            train_accuracy: matrix(&train).accuracy(),
            test_accuracy: held_out.accuracy(),
            test_kappa_quadratic: held_out.kappa(KappaWeights::Quadratic),
        });
    }
    let accuracies: Vec<f64> = per_fold
        .iter()
        .filter_map(|fold| fold.test_accuracy)
        .collect();
    let mean =
        (!accuracies.is_empty()).then(|| accuracies.iter().sum::<f64>() / accuracies.len() as f64);
    let std = mean.map(|m| {
        (accuracies.iter().map(|a| (a - m).powi(2)).sum::<f64>() / accuracies.len() as f64).sqrt()
    });
    CrossValidation {
        folds: options.folds,
        per_fold,
        mean_test_accuracy: mean,
        std_test_accuracy: std,
        pooled: ConfusionMatrix::of_scores(pooled).evaluation(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::SlideFeatures;
    use crate::rules::{Scorer, StainingOnly};

    /// Slides with evenly spread staining averages labelled by known cuts.
    fn staining_slides(cuts: [f64; 3], n: usize) -> Vec<LabelledSlide> {
        let truth = StainingOnly {
            unweighted: false,
            zero_one: cuts[0],
            one_two: cuts[1],
            two_three: cuts[2],
        };
        (0..n)
            .map(|i| {
                let features = SlideFeatures {
                    staining_average: (i as f64 + 0.5) / n as f64,
                    ..SlideFeatures::default()
                };
                LabelledSlide {
                    slide: format!("s{i}"),
                    label: truth.score(&features).score,
                    features,
                }
            })
            .collect()
    }

    #[test]
    fn staining_cuts_are_recovered_within_the_sample_spacing() {
        let cuts = [0.1, 0.3, 0.7];
        let slides = staining_slides(cuts, 200);
        let calibration = calibrate(
            &ScoringConfig::default(),
            RuleKind::Staining,
            &slides,
            &CalibrationOptions::default(),
        )
        .unwrap();
        assert_eq!(calibration.training.accuracy, Some(1.0));
        let fitted = &calibration.config.staining;
        for (got, want) in [fitted.zero_one, fitted.one_two, fitted.two_three]
            .into_iter()
            .zip(cuts)
        {
            assert!((got - want).abs() <= 0.005 + 1e-12, "{got} vs {want}");
        }
        assert!(
            calibration.before.accuracy.unwrap() < 0.8,
            "defaults do not fit these slides"
        );
        let cv = calibration.cross_validation.unwrap();
        assert_eq!(cv.per_fold.len(), 5);
        assert_eq!(cv.pooled.slides, 200);
        assert!(cv.mean_test_accuracy.unwrap() > 0.95);
        assert_eq!(calibration.config.rule, RuleKind::Staining);
    }

    #[test]
    fn folds_are_stratified_and_deterministic() {
        let slides = staining_slides([0.25, 0.5, 0.75], 40);
        let refs: Vec<&LabelledSlide> = slides.iter().collect();
        let folds = assign_folds(&refs, 5, 7);
        assert_eq!(folds, assign_folds(&refs, 5, 7));
        for fold in 0..5 {
            for score in Her2Score::ALL {
                let n = (0..40)
                    .filter(|&i| folds[i] == fold && slides[i].label == score)
                    .count();
                assert_eq!(n, 2, "fold {fold} class {score}");
            }
        }
        assert_ne!(folds, assign_folds(&refs, 5, 8), "the seed reshuffles");
    }

    #[test]
    fn refuses_too_few_slides_or_one_class() {
        let slides = staining_slides([0.5, 0.6, 0.7], 4);
        let options = CalibrationOptions::default();
        let err = calibrate(
            &ScoringConfig::default(),
            RuleKind::Staining,
            &slides,
            &options,
        )
        .unwrap_err();
        assert!(err.to_string().contains("4 slides for 5 folds"), "{err}");
        let one_class: Vec<LabelledSlide> = slides
            .into_iter()
            .filter(|s| s.label == Her2Score::Zero)
            .collect();
        assert!(
            calibrate(
                &ScoringConfig::default(),
                RuleKind::Staining,
                &one_class,
                &options
            )
            .is_err()
        );
    }

    #[test]
    fn candidates_are_midpoints_capped_by_quantiles() {
        assert_eq!(
            candidates(&mut vec![0.3, 0.1, 0.1, 0.2], 10),
            vec![0.15000000000000002, 0.25]
        );
        let mut many: Vec<f64> = (0..1000).map(f64::from).collect();
        let grid = candidates(&mut many, 11);
        assert_eq!(grid.len(), 11);
        assert_eq!((grid[0], grid[10]), (0.5, 998.5));
        assert_eq!(
            "kappa".parse::<Objective>().unwrap(),
            Objective::QuadraticKappa
        );
        assert!("f1".parse::<Objective>().is_err());
    }
}
