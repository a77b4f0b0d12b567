//! The domain-shift matrix on a small cohort: a stain run that reads DAB at 0.6x is scored
//! right when its control anchors the cuts, and the table says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use her2::her2_score::{GuidelineCategory, IntensitySource};
use her2::ihc_synth::{DomainShift, Her2Class};
use her2::{PipelineConfig, ShiftMatrix};

#[test]
fn a_weak_dab_run_is_read_right_against_its_control() {
    let work = tempfile::tempdir().unwrap();
    let matrix = ShiftMatrix {
        shifts: vec![None, Some(DomainShift::DabConcentration(0.6))],
        classes: vec![
            Her2Class::Equivocal2WeakComplete,
            Her2Class::Equivocal2IntenseFew,
            Her2Class::Positive3,
        ],
        seeds: vec![1],
        side: 4096,
        folds: 0,
    };
    let mut seen = 0;
    let report = matrix
        .run(&PipelineConfig::default(), work.path(), |_| seen += 1)
        .unwrap();
    assert_eq!(seen, 6);
    // the slides are removed once scored
    assert_eq!(std::fs::read_dir(work.path()).unwrap().count(), 0);
    let [none, weak] = &report.rows[..] else {
        panic!("two rows: {report}")
    };
    assert_eq!(
        (none.label(), weak.label()),
        ("none".into(), "DAB x0.6".into())
    );
    for row in [none, weak] {
        assert_eq!(row.anchored_slides(), 3, "{report}");
        assert_eq!(row.anchored_accuracy(), Some(1.0), "{report}");
        assert_eq!(row.calibrated, None);
    }
    // the control reads the weaker stain
    for o in &weak.outcomes {
        assert_eq!(o.reference.source, IntensitySource::Control);
        assert!((o.reference.scale - 0.6).abs() < 0.1, "{:?}", o.reference);
    }
    // without the anchor the weak run reads the weak-complete 2+ as 1+ and the 3+ as 2+
    assert!(weak.plain_accuracy().unwrap() < 1.0, "{report}");
    let table = report.to_string();
    assert!(table.contains("| DAB x0.6 | 3 | 3 | 100% |"), "{table}");
}

#[test]
fn a_dim_scan_adds_no_stain() {
    // glass OD 0.07 instead of 0.022: against white every cell of a 0-null slide takes on
    // DAB and reads positive; against the slide's glass it stays null
    let work = tempfile::tempdir().unwrap();
    let matrix = ShiftMatrix {
        shifts: vec![Some(DomainShift::Glass([0.07, 0.07, 0.07]))],
        classes: vec![Her2Class::Null],
        seeds: vec![1],
        side: 4096,
        folds: 0,
    };
    let category = |config: &PipelineConfig| {
        let report = matrix.run(config, work.path(), |_| ()).unwrap();
        report.rows[0].outcomes[0].plain.category
    };
    let mut white = PipelineConfig::default();
    white.features.od_against_glass = false;
    assert_eq!(
        category(&PipelineConfig::default()),
        GuidelineCategory::Null
    );
    assert_ne!(category(&white), GuidelineCategory::Null);
}
