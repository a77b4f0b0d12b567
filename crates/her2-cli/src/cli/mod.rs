//! Subcommand modules of the `her2` binary.

pub mod batch;
pub mod calibrate;
pub mod cells;
pub mod config;
pub mod eval;
pub mod eval_nuclei;
pub mod import_model;
pub mod info;
pub mod model_args;
pub mod pipeline_args;
pub mod score;
pub mod synth;
pub mod tissue;
pub mod train;
pub mod tumor_map;
pub mod view;

/// Formats an error and its causes on one line (`outer: cause: root cause`).
pub fn one_line(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    parts.join(": ")
}
