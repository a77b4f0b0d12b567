//! Every HER2 class preset, in every look, lands inside its guideline range on a cohort of
//! 20 seeds, counted
//! from the per-cell truth (not from the slide summary), and the cohort spreads over the range,
//! with slides near the 10% cut-offs. Guideline definitions (ASCO/CAP 2018 + 2023 ultralow):
//!
//! | class | criterion on invasive tumour cells |
//! |---|---|
//! | 0 null | no membrane staining |
//! | 0 ultralow | faint, incomplete staining in > 0% and <= 10% |
//! | 1+ | faint, incomplete staining in > 10% |
//! | 2+ | weak-moderate complete staining in > 10%, or intense complete in > 0% and <= 10% |
//! | 3+ | intense complete staining in > 10% |
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ihc_synth::{
    CellKind, CellTruth, GuidelinePercentages, Her2Class, Intensity, Look, SynthConfig,
    SyntheticSlide, guideline_class,
};

/// Seeds per class.
const SEEDS: u64 = 20;
/// Slide side: small enough for CI, large enough for a few hundred tumour cells.
const SIDE: (u32, u32) = (2048, 1536);

/// Percentages of patient tumour cells per staining pattern, counted from cell records.
#[derive(Debug, Clone, Copy)]
struct Counted {
    tumour_cells: usize,
    /// Any membrane staining.
    positive: f64,
    /// Faint staining (always incomplete in the presets).
    faint: f64,
    /// Faint staining of the complete ring (never in a preset).
    faint_complete: f64,
    /// Weak-moderate or intense staining of the complete ring.
    complete_weak_or_stronger: f64,
    /// Intense staining of the complete ring.
    intense_complete: f64,
    /// Weak-moderate or intense staining, complete or not.
    weak_or_stronger: f64,
}

fn count(cells: &[CellTruth]) -> Counted {
    let tumour: Vec<&CellTruth> = cells
        .iter()
        .filter(|c| c.kind == CellKind::Tumour)
        .collect();
    let n = tumour.len();
    let pct = |keep: &dyn Fn(&CellTruth) -> bool| {
        100.0 * tumour.iter().filter(|c| keep(c)).count() as f64 / n.max(1) as f64
    };
    let stronger = |c: &CellTruth| c.intensity >= Intensity::WeakModerate;
    Counted {
        tumour_cells: n,
        positive: pct(&|c| c.positive),
        faint: pct(&|c| c.intensity == Intensity::Faint),
        faint_complete: pct(&|c| c.intensity == Intensity::Faint && c.complete),
        complete_weak_or_stronger: pct(&|c| c.complete && stronger(c)),
        intense_complete: pct(&|c| c.complete && c.intensity == Intensity::Intense),
        weak_or_stronger: pct(&|c| stronger(c)),
    }
}

/// Checks one slide's counted percentages against the guideline definition of `class`.
fn check_range(class: Her2Class, p: &Counted) -> Result<(), String> {
    let ok = match class {
        Her2Class::Null => p.positive == 0.0,
        Her2Class::Ultralow => p.positive > 0.0 && p.positive <= 10.0 && p.weak_or_stronger == 0.0,
        Her2Class::Low1 => {
            p.faint > 10.0 && p.complete_weak_or_stronger <= 10.0 && p.intense_complete == 0.0
        }
        Her2Class::Equivocal2WeakComplete => {
            p.complete_weak_or_stronger > 10.0 && p.intense_complete <= 10.0
        }
        Her2Class::Equivocal2IntenseFew => {
            p.intense_complete > 0.0
                && p.intense_complete <= 10.0
                && p.complete_weak_or_stronger <= 10.0
        }
        Her2Class::Positive3 => p.intense_complete > 10.0,
    };
    if ok && p.faint_complete == 0.0 {
        Ok(())
    } else {
        Err(format!("{class:?} outside its guideline range: {p:?}"))
    }
}

/// The percentage of the pattern a preset draws against the 10% cut-off (None for null). For
/// 1+ it is the faint cells; the guideline's "any staining" adds the weak confounders to it.
fn defining(class: Her2Class, p: &Counted) -> Option<f64> {
    match class {
        Her2Class::Null => None,
        Her2Class::Ultralow | Her2Class::Low1 => Some(p.faint),
        Her2Class::Equivocal2WeakComplete => Some(p.complete_weak_or_stronger),
        Her2Class::Equivocal2IntenseFew | Her2Class::Positive3 => Some(p.intense_complete),
    }
}

#[test]
fn presets_land_in_their_guideline_ranges_over_20_seeds() {
    let mut failures = Vec::new();
    for (look, class) in Look::ALL
        .into_iter()
        .flat_map(|look| Her2Class::ALL.map(|class| (look, class)))
    {
        let mut defining_values = Vec::new();
        for seed in 0..SEEDS {
            let cfg = look.config(SynthConfig {
                control: seed % 2 == 0,
                ..SynthConfig::new(SIDE.0, SIDE.1, class, 1000 + seed)
            });
            let slide = SyntheticSlide::new(&cfg).unwrap();
            let truth = slide.truth();
            let counted = count(&slide.cells_in(0, 0, SIDE.0, SIDE.1));

            // The cell records agree with the slide summary and the guideline rule.
            assert_eq!(counted.tumour_cells as u64, truth.cells.tumour_cells);
            let from_cells = GuidelinePercentages {
                positive: counted.positive,
                complete_weak_or_stronger: counted.complete_weak_or_stronger,
                intense_complete: counted.intense_complete,
            };
            let g = truth.cells.guideline;
            for (a, b) in [
                (from_cells.positive, g.positive),
                (
                    from_cells.complete_weak_or_stronger,
                    g.complete_weak_or_stronger,
                ),
                (from_cells.intense_complete, g.intense_complete),
            ] {
                assert!((a - b).abs() < 1e-9, "{class:?} seed {seed}: {a} vs {b}");
            }
            if guideline_class(&from_cells) != class {
                failures.push(format!(
                    "{} {class:?} seed {seed}: cells give {:?}",
                    look.name(),
                    guideline_class(&from_cells)
                ));
            }
            if let Err(e) = check_range(class, &counted) {
                failures.push(format!("{} seed {seed}: {e}", look.name()));
            }
            defining_values.extend(defining(class, &counted));
        }
        if defining_values.is_empty() {
            continue;
        }
        // Spread: the cohort covers a good part of the range and comes near the 10% cut-off.
        let lo = defining_values
            .iter()
            .copied()
            .fold(f64::INFINITY, f64::min);
        let hi = defining_values.iter().copied().fold(0.0, f64::max);
        let nearest_cut = defining_values
            .iter()
            .map(|v| (v - 10.0).abs())
            .fold(f64::INFINITY, f64::min);
        if hi - lo < 5.0 || nearest_cut > 2.0 {
            failures.push(format!(
                "{} {class:?}: defining percentage spans {lo:.1}..{hi:.1}%, nearest {nearest_cut:.1} points from 10%",
                look.name()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explicit_cell_mix_is_rendered_as_given() {
    // An explicit mix bypasses the class ranges: the truth reports what the cells show.
    let cfg = SynthConfig {
        cell_mix: Some(ihc_synth::CellMix {
            weak_complete: 0.5,
            ..ihc_synth::CellMix::default()
        }),
        ..SynthConfig::new(SIDE.0, SIDE.1, Her2Class::Null, 3)
    };
    let slide = SyntheticSlide::new(&cfg).unwrap();
    let counted = count(&slide.cells_in(0, 0, SIDE.0, SIDE.1));
    assert!((counted.complete_weak_or_stronger - 50.0).abs() < 100.0 / counted.tumour_cells as f64);
    assert_eq!(slide.truth().class, Her2Class::Null);
    assert_eq!(
        slide.truth().guideline_class,
        Her2Class::Equivocal2WeakComplete
    );
}
