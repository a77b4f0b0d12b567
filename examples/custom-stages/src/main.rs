//! Runs the custom-stage pipeline on a synthetic 3+ and a synthetic null slide held in memory
//! and prints what each stage found.

use custom_stages::{Error, run};
use her2::ihc_synth::Her2Class;

fn main() -> Result<(), Error> {
    for class in [Her2Class::Positive3, Her2Class::Null] {
        let analysis = run(class, 2048, 7)?;
        let report = &analysis.report;
        println!(
            "{class:?}: tissue {:.0}% of the thumbnail, {} of {} patches tumour ({}), {} cells; {}",
            100.0 * analysis.tissue.tissue_fraction(),
            report.tumor.tumor_patches,
            report.tumor.classified_patches,
            report.tumor.model_id,
            report.features.cells,
            report.assessment.summary()
        );
    }
    Ok(())
}
