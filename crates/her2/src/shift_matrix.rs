//! The domain-shift test matrix: how well the guideline score holds when the stain run or the
//! scanner departs from what the defaults were set on ([`DomainShift`]: DAB and hematoxylin
//! strength, chromogen colour, glass, focus, compression), with and without the slide's 3+
//! control anchoring the intensity cuts, and with a lab's cuts fitted by cross-validated
//! calibration on the other slides of the same shift.
//!
//! Each slide is an `ihc-synth` slide with a control piece, scored through the whole pipeline
//! with its true tumour outline as the tumour (the shift matrix tests the stain and intensity
//! stages, not the tumour classifier). `her2-cli`'s `examples/shift_matrix.rs` prints the table.

use std::fmt;
use std::path::Path;

use her2_score::{
    Assessment, CalibrationOptions, CalibrationTarget, GuidelineCategory, IntensityReference,
    IntensitySource, LabelledSlide, RuleKind, SlideFeatures, calibrate,
};
use ihc_synth::{DomainShift, Her2Class, MASK_DOWNSAMPLE, SlideFiles, SynthConfig};
use tumor_classifier::AnnotatedTumor;

use crate::config::PipelineConfig;
use crate::error::{Her2Error, Result};
use crate::pipeline::{PipelineBuilder, SlideRequest};

/// Which slides the matrix scores.
#[derive(Debug, Clone, PartialEq)]
pub struct ShiftMatrix {
    /// The shifts, one row each; `None` is the default rendering.
    pub shifts: Vec<Option<DomainShift>>,
    /// The classes of every row's cohort.
    pub classes: Vec<Her2Class>,
    /// Slide seeds per class.
    pub seeds: Vec<u64>,
    /// Slide side, pixels at 0.5 um/px.
    pub side: u32,
    /// Cross-validation folds of the lab calibration (0 or 1: no calibrated column).
    pub folds: usize,
}

impl ShiftMatrix {
    /// The standard matrix: the default rendering and every shift of
    /// [`DomainShift::matrix`], all six classes, four seeds each (24 slides a row, so the lab
    /// calibration fits on 18), 3072 px square slides (2.4 mm² of tissue and a control).
    pub fn standard() -> Self {
        ShiftMatrix {
            shifts: std::iter::once(None)
                .chain(DomainShift::matrix().into_iter().map(Some))
                .collect(),
            classes: Her2Class::ALL.to_vec(),
            seeds: vec![1, 2, 3, 4],
            side: 3072,
            folds: 4,
        }
    }

    /// Scores every slide of the matrix with `config` (its intensity anchor on), generating
    /// each into `work` and removing it after; `on_slide` hears of each as it is scored.
    pub fn run(
        &self,
        config: &PipelineConfig,
        work: &Path,
        mut on_slide: impl FnMut(&ShiftOutcome),
    ) -> Result<ShiftReport> {
        let mut config = config.clone();
        config.scoring.intensity.use_control = true;
        config.scoring.rule = RuleKind::Guideline;
        let mut rows = Vec::with_capacity(self.shifts.len());
        for &shift in &self.shifts {
            let mut outcomes = Vec::new();
            for &class in &self.classes {
                for &seed in &self.seeds {
                    let outcome = score_one(&config, work, shift, class, seed, self.side)?;
                    on_slide(&outcome);
                    outcomes.push(outcome);
                }
            }
            let calibrated = self.calibrated(&config, &outcomes)?;
            rows.push(ShiftRow {
                shift,
                outcomes,
                calibrated,
            });
        }
        Ok(ShiftReport { rows })
    }

    /// Cross-validated accuracy of the guideline rule without a control, with the lab's
    /// cuts fitted on the other folds' slides of the row (`None` without folds).
    fn calibrated(
        &self,
        config: &PipelineConfig,
        outcomes: &[ShiftOutcome],
    ) -> Result<Option<f64>> {
        if self.folds < 2 {
            return Ok(None);
        }
        let slides: Vec<LabelledSlide> = outcomes
            .iter()
            .map(|o| LabelledSlide {
                slide: o.id(),
                features: o.measured.clone(),
                label: o.truth.score(),
            })
            .collect();
        let options = CalibrationOptions {
            target: CalibrationTarget::Intensity,
            folds: self.folds,
            measured_cuts: config.features.stain.classes.clone(),
            ..CalibrationOptions::default()
        };
        let calibration = calibrate(&config.scoring, RuleKind::Guideline, &slides, &options)?;
        Ok(calibration
            .cross_validation
            .and_then(|cv| cv.pooled.accuracy))
    }
}

/// A shift's label for tables and names: the shift, or `none` for the default rendering.
pub fn shift_label(shift: Option<DomainShift>) -> String {
    shift.map_or_else(|| "none".to_owned(), |s| s.to_string())
}

/// One scored slide of the matrix.
#[derive(Debug, Clone)]
pub struct ShiftOutcome {
    /// The shift (`None`: default rendering).
    pub shift: Option<DomainShift>,
    /// The class the slide was drawn for.
    pub class: Her2Class,
    /// Its seed.
    pub seed: u64,
    /// The guideline category of its true cell percentages.
    pub truth: GuidelineCategory,
    /// The score with the intensity cuts anchored to the slide's control.
    pub anchored: Assessment,
    /// The score at the configured cuts, as if the slide had no control (a second run).
    pub plain: Assessment,
    /// What set the anchored cuts.
    pub reference: IntensityReference,
    /// The tumour features of the plain run (with the membrane OD histogram).
    pub measured: SlideFeatures,
}

impl ShiftOutcome {
    /// `class-sSEED`.
    pub fn id(&self) -> String {
        format!("{}-s{}", self.class.slug(), self.seed)
    }
}

/// The guideline category of a drawn class.
fn category_of(class: Her2Class) -> GuidelineCategory {
    match class {
        Her2Class::Null => GuidelineCategory::Null,
        Her2Class::Ultralow => GuidelineCategory::Ultralow,
        Her2Class::Low1 => GuidelineCategory::One,
        Her2Class::Positive3 => GuidelineCategory::Three,
        _ => GuidelineCategory::Two,
    }
}

/// Generates one slide of the matrix, scores it, removes it.
fn score_one(
    config: &PipelineConfig,
    work: &Path,
    shift: Option<DomainShift>,
    class: Her2Class,
    seed: u64,
    side: u32,
) -> Result<ShiftOutcome> {
    let mut synth = SynthConfig::new(side, side, class, seed);
    synth.control = true;
    if let Some(shift) = shift {
        shift.apply(&mut synth);
    }
    let dir = work.join(format!(
        "{}-{}-s{seed}",
        shift_label(shift).replace(' ', "_"),
        class.slug()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| Her2Error::io(&dir, e))?;
    let files = SlideFiles::new(&dir, "slide");
    let truth = ihc_synth::generate_slide_files(&synth, &files)?;
    let run = |use_control: bool| -> Result<crate::report::Her2Report> {
        let mut config = config.clone();
        config.scoring.intensity.use_control = use_control;
        if !use_control {
            config.scoring.intensity.lab_cuts = None;
        }
        let tumour = AnnotatedTumor::from_mask_image(&files.tumor_mask, MASK_DOWNSAMPLE)?;
        let pipeline = PipelineBuilder::new(config)
            .tumor_model(std::sync::Arc::new(tumour))
            .build()?;
        Ok(pipeline.run(&files.svs, &SlideRequest::default())?.report)
    };
    let (anchored, plain) = (run(true)?, run(false)?);
    std::fs::remove_dir_all(&dir).map_err(|e| Her2Error::io(&dir, e))?;
    Ok(ShiftOutcome {
        shift,
        class,
        seed,
        truth: category_of(truth.guideline_class),
        anchored: anchored.assessment,
        plain: plain.assessment,
        reference: anchored.intensity_reference,
        measured: plain.features,
    })
}

/// One row of the matrix: a shift's slides and how each reading did.
#[derive(Debug, Clone)]
pub struct ShiftRow {
    /// The shift (`None`: default rendering).
    pub shift: Option<DomainShift>,
    /// Its slides.
    pub outcomes: Vec<ShiftOutcome>,
    /// Cross-validated accuracy without a control, the lab's cuts fitted on the other folds.
    pub calibrated: Option<f64>,
}

/// Share of `outcomes` (those `keep` selects) that `right` says were read right; `None` when
/// none is selected.
fn share(
    outcomes: &[ShiftOutcome],
    keep: impl Fn(&ShiftOutcome) -> bool,
    right: impl Fn(&ShiftOutcome) -> bool,
) -> Option<f64> {
    let kept: Vec<&ShiftOutcome> = outcomes.iter().filter(|o| keep(o)).collect();
    (!kept.is_empty()).then(|| kept.iter().filter(|o| right(o)).count() as f64 / kept.len() as f64)
}

/// True for the categories the 0-null / 0-ultralow / 1+ split is about.
fn low(category: GuidelineCategory) -> bool {
    matches!(
        category,
        GuidelineCategory::Null | GuidelineCategory::Ultralow | GuidelineCategory::One
    )
}

impl ShiftRow {
    /// The row's label: the shift, or `none`.
    pub fn label(&self) -> String {
        shift_label(self.shift)
    }

    /// Share of slides whose score (0 / 1+ / 2+ / 3+) the anchored reading got right.
    pub fn anchored_accuracy(&self) -> Option<f64> {
        share(
            &self.outcomes,
            |_| true,
            |o| o.anchored.score == o.truth.score(),
        )
    }

    /// Share of slides whose score the configured cuts got right.
    pub fn plain_accuracy(&self) -> Option<f64> {
        share(
            &self.outcomes,
            |_| true,
            |o| o.plain.score == o.truth.score(),
        )
    }

    /// Share of the null, ultralow and 1+ slides whose category the anchored reading got
    /// right (the 2023 split below 2+).
    pub fn anchored_low_split(&self) -> Option<f64> {
        share(
            &self.outcomes,
            |o| low(o.truth),
            |o| o.anchored.category == o.truth,
        )
    }

    /// The same at the configured cuts.
    pub fn plain_low_split(&self) -> Option<f64> {
        share(
            &self.outcomes,
            |o| low(o.truth),
            |o| o.plain.category == o.truth,
        )
    }

    /// Slides whose cuts the control set.
    pub fn anchored_slides(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.reference.source == IntensitySource::Control)
            .count()
    }
}

/// The whole matrix.
#[derive(Debug, Clone)]
pub struct ShiftReport {
    /// One row per shift.
    pub rows: Vec<ShiftRow>,
}

impl ShiftReport {
    /// The slides any reading got wrong, as `shift class-sSEED truth -> anchored / plain`.
    pub fn misses(&self) -> Vec<String> {
        let mut misses = Vec::new();
        for row in &self.rows {
            for o in &row.outcomes {
                if o.anchored.category != o.truth || o.plain.category != o.truth {
                    misses.push(format!(
                        "{}: {} truth {} -> anchored {} (x{:.2}) / plain {}",
                        row.label(),
                        o.id(),
                        o.truth.label(),
                        o.anchored.category.label(),
                        o.reference.scale,
                        o.plain.category.label()
                    ));
                }
            }
        }
        misses
    }
}

impl fmt::Display for ShiftReport {
    /// The matrix as a Markdown table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let pct =
            |v: Option<f64>| v.map_or_else(|| "n/a".to_owned(), |v| format!("{:.0}%", 100.0 * v));
        writeln!(
            f,
            "| shift | slides | anchored by control | score right, anchored | score right, plain | score right, lab-calibrated (CV) | 0-null/0-ultralow/1+ right, anchored | same, plain |"
        )?;
        writeln!(f, "|---|---|---|---|---|---|---|---|")?;
        for row in &self.rows {
            writeln!(
                f,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                row.label(),
                row.outcomes.len(),
                row.anchored_slides(),
                pct(row.anchored_accuracy()),
                pct(row.plain_accuracy()),
                pct(row.calibrated),
                pct(row.anchored_low_split()),
                pct(row.plain_low_split()),
            )?;
        }
        Ok(())
    }
}
