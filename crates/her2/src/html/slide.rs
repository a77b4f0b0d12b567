//! `report.html`: one slide's [`Her2Report`] as a page a pathologist reads, with the heatmap
//! and the patch overlay embedded.

use std::fmt::Write as _;

use her2_score::{
    Assessment, BoundaryVotes, Her2Score, IntensityReference, IntensitySource, SlideFeatures,
};
use image::RgbImage;
use tissue_mask::PieceRole;

use super::charts::{css_rgb, grouped_percent_bars, legend, turbo_colour_bar, value_against_cuts};
use super::page::{document, escape, jpeg_data_uri, table, table_with_classes};
use crate::outputs::score_colour;
use crate::report::Her2Report;

/// Longest side of the figures embedded in a report.
const FIGURE_SIDE: u32 = 1000;

/// Intensity names in the order of [`SlideFeatures::percent_complete`].
const INTENSITIES: [&str; 4] = ["none", "faint", "weak-moderate", "intense"];

/// Colours of the intensity bars: none, faint, weak-moderate, intense.
const INTENSITY_COLOURS: [[u8; 3]; 4] = [
    [220, 224, 228],
    [255, 235, 127],
    [245, 160, 60],
    [180, 40, 30],
];

/// Outline colour of a tissue piece by role.
fn role_colour(role: PieceRole) -> [u8; 3] {
    match role {
        PieceRole::Patient => [30, 110, 220],
        PieceRole::Control => [200, 30, 160],
        PieceRole::Excluded => [120, 120, 120],
    }
}

fn role_name(role: PieceRole) -> &'static str {
    match role {
        PieceRole::Patient => "patient (scored)",
        PieceRole::Control => "3+ control",
        PieceRole::Excluded => "excluded",
    }
}

/// The report page of one slide; `heatmap` and `overlay` are the thumbnails also written as
/// `heatmap.png` and `overlay.png`.
pub fn slide_report(
    report: &Her2Report,
    heatmap: &RgbImage,
    overlay: &RgbImage,
) -> Result<String, String> {
    let a = &report.assessment;
    let name = report
        .input
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| report.input.path.display().to_string());
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<h1>HER2 IHC report: {}</h1>\n<div class=\"score\" id=\"score\">HER2 {}</div>\n\
         <div class=\"category\" id=\"category\">ASCO/CAP 2023: {} &mdash; {}</div>\n\
         <p>Decided by the <b>{}</b> rule: {}</p>",
        escape(&name),
        escape(a.score.label()),
        escape(a.category.label()),
        escape(&a.clinical_group.to_string()),
        escape(&a.rule),
        escape(&a.fired)
    );
    body.push_str(&flags_section(a));
    body.push_str(&trace_section(report));
    body.push_str(&percentages_section(&report.features, report));
    body.push_str(&indexes_section(report));
    body.push_str(&tissue_section(report, overlay)?);
    body.push_str(&maps_section(heatmap, overlay)?);
    body.push_str(&timings_section(report));
    body.push_str(&input_section(report));
    Ok(document(
        &format!("HER2 {} - {name}", a.score.label()),
        &body,
        None,
    ))
}

fn flags_section(a: &Assessment) -> String {
    let mut out = String::from("<h2>Flags</h2>\n<div id=\"flags\">");
    if a.flags.is_empty() {
        out.push_str("<div class=\"ok\">No flags.</div>");
    }
    for flag in &a.flags {
        let _ = write!(
            out,
            "<div class=\"flag\">{}</div>",
            escape(&flag.to_string())
        );
    }
    out.push_str("</div>\n");
    out
}

/// Whether a check argued for the score the rule gave (a passed check for that score).
fn decisive(check: &her2_score::Check, score: Her2Score) -> bool {
    check.passed && check.for_score == score
}

fn trace_section(report: &Her2Report) -> String {
    let a = &report.assessment;
    let rows: Vec<Vec<String>> = a
        .checks
        .iter()
        .map(|c| {
            vec![
                escape(c.measure.describe()),
                escape(&c.measure.format_value(c.value)),
                escape(&c.measure.format_value(c.threshold)),
                if c.passed { "yes" } else { "no" }.to_owned(),
                escape(c.for_score.label()),
                if decisive(c, a.score) { "fired" } else { "" }.to_owned(),
            ]
        })
        .collect();
    let mut out = format!(
        "<h2>Rule trace ({} rule)</h2>\n<p class=\"muted\">Each check compares the slide's \
         value with a cut (passed when value &gt; cut); the rows that decided the score are \
         marked.</p>\n",
        escape(&a.rule)
    );
    let classes: Vec<&str> = a
        .checks
        .iter()
        .map(|c| if decisive(c, a.score) { "fired" } else { "" })
        .collect();
    out.push_str(&table_with_classes(
        &["check", "value", "cut", "passed", "argues for", "decided"],
        &rows,
        &classes,
        "id=\"trace\"",
    ));
    let others: Vec<Vec<String>> = report
        .all_rules
        .iter()
        .map(|(rule, r)| {
            vec![
                escape(rule.name()),
                escape(r.score.label()),
                escape(r.category.label()),
                escape(&r.fired),
            ]
        })
        .collect();
    out.push_str("<p>The same slide by every built-in rule:</p>\n");
    out.push_str(&table(
        &["rule", "score", "category", "reason"],
        &others,
        "id=\"all-rules\"",
    ));
    out
}

fn percentages_section(f: &SlideFeatures, report: &Her2Report) -> String {
    let g = &report.config.scoring.guideline;
    let series: Vec<(&str, [u8; 3])> = INTENSITIES.iter().copied().zip(INTENSITY_COLOURS).collect();
    let mut cuts = vec![g.three_plus_percent, g.two_plus_percent];
    cuts.dedup();
    let chart = grouped_percent_bars(
        &[
            ("complete membrane", &f.percent_complete),
            ("incomplete membrane", &f.percent_incomplete),
        ],
        &series,
        &cuts,
    );
    let rows: Vec<Vec<String>> = INTENSITIES
        .iter()
        .enumerate()
        .map(|(i, name)| {
            vec![
                (*name).to_owned(),
                format!("{}", f.cells_complete[i]),
                format!("{:.1}%", f.percent_complete[i]),
                format!("{}", f.cells_incomplete[i]),
                format!("{:.1}%", f.percent_incomplete[i]),
            ]
        })
        .collect();
    let legend_items: Vec<([u8; 3], String)> = INTENSITY_COLOURS
        .iter()
        .zip(INTENSITIES)
        .map(|(c, n)| (*c, n.to_owned()))
        .collect();
    format!(
        "<h2>Guideline percentages (intensity &times; completeness)</h2>\n<p>{} tumour cells in {} \
         analysed patches.</p>\n{}\n<div class=\"figure\">{chart}{}</div>\n<div class=\"figure\">{}</div>\n",
        f.cells,
        f.patches,
        intensity_cuts(&report.intensity_reference),
        legend(&legend_items),
        table(
            &[
                "intensity",
                "complete cells",
                "% complete",
                "incomplete cells",
                "% incomplete"
            ],
            &rows,
            "id=\"percentages\""
        )
    )
}

/// The membrane OD cuts the cells were classed by, and what set them.
fn intensity_cuts(r: &IntensityReference) -> String {
    let cuts = format!(
        "faint {:.3}, weak-moderate {:.3}, intense {:.3}",
        r.cuts.faint, r.cuts.weak_moderate, r.cuts.intense
    );
    let source = match (r.source, r.control_membrane_od) {
        (IntensitySource::Control, Some(od)) => format!(
            "the configured cuts scaled &times;{:.2} by the slide's 3+ control (median membrane \
             OD {od:.3} over its {} complete cells)",
            r.scale, r.control_complete_cells
        ),
        (IntensitySource::Lab, control) => format!(
            "the lab's calibrated cuts, &times;{:.2} the configured ones ({})",
            r.scale,
            not_anchored(r, control)
        ),
        (_, control) => format!("as configured ({})", not_anchored(r, control)),
    };
    format!("<p id=\"intensity-reference\">Membrane OD cuts: {cuts}, {source}.</p>")
}

/// Why the slide's control did not set the cuts.
fn not_anchored(r: &IntensityReference, control_od: Option<f64>) -> String {
    match control_od {
        Some(od) => format!(
            "the control, {} complete cells with median membrane OD {od:.3}, could not anchor \
             them",
            r.control_complete_cells
        ),
        None => "no control on the slide to anchor them".to_owned(),
    }
}

fn indexes_section(report: &Her2Report) -> String {
    let f = &report.features;
    let p = &report.config.scoring.paper;
    // The cuts of one index at the three boundaries, where the rule has one.
    let cuts = |pick: fn(&BoundaryVotes) -> Option<f64>| -> Vec<(f64, String)> {
        [
            (&p.zero_one, "0/1+"),
            (&p.one_two, "1+/2+"),
            (&p.two_three, "2+/3+"),
        ]
        .into_iter()
        .filter_map(|(votes, label)| pick(votes).map(|v| (v, label.to_owned())))
        .collect()
    };
    let indexes = [
        ("staining average", f.staining_average, cuts(|b| b.staining)),
        (
            "positive cell ratio",
            f.positive_cell_ratio,
            cuts(|b| b.positive_ratio),
        ),
        (
            "circumferential membrane cell ratio",
            f.circumferential_ratio,
            cuts(|b| b.circumferential_ratio),
        ),
    ];
    let mut out = String::from(
        "<h2>The paper's three indexes against their cuts</h2>\n<table id=\"indexes\">\
         <thead><tr><th>index</th><th>value and cuts (0 to 1)</th></tr></thead><tbody>\n",
    );
    for (name, value, cuts) in indexes {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td></tr>",
            escape(name),
            value_against_cuts(value, 1.0, &cuts, &format!("{value:.3}"))
        );
    }
    out.push_str("</tbody></table>\n");
    out
}

fn tissue_section(report: &Her2Report, overlay: &RgbImage) -> Result<String, String> {
    let t = &report.tissue;
    let (w, h) = (
        report.input.dimensions.0 as f64,
        report.input.dimensions.1 as f64,
    );
    let mut svg = format!(
        "<svg class=\"full\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"tissue pieces\">\
         <image href=\"{}\" x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\"/>",
        jpeg_data_uri(overlay, FIGURE_SIDE)?
    );
    let stroke = (w.max(h) / 300.0).max(1.0);
    for piece in &t.pieces {
        let [x0, y0, x1, y1] = piece.bbox;
        let colour = css_rgb(role_colour(piece.role));
        // Labels of pieces in the right half end at the box's right edge, to stay on the figure.
        let (label_x, anchor) = if x0 > w / 2.0 {
            (x1, "end")
        } else {
            (x0, "start")
        };
        let _ = write!(
            svg,
            "<rect x=\"{x0}\" y=\"{y0}\" width=\"{}\" height=\"{}\" fill=\"none\" stroke=\"{colour}\" \
             stroke-width=\"{stroke}\"/><text x=\"{label_x}\" y=\"{}\" font-size=\"{}\" \
             text-anchor=\"{anchor}\" fill=\"{colour}\">{} {}</text>",
            x1 - x0,
            y1 - y0,
            (y0 - stroke * 2.0).max(stroke * 12.0),
            stroke * 12.0,
            piece.id,
            escape(role_name(piece.role))
        );
    }
    svg.push_str("</svg>");
    let rows: Vec<Vec<String>> = t
        .pieces
        .iter()
        .map(|p| {
            vec![
                format!("{}", p.id),
                escape(role_name(p.role)),
                format!("{:.3}", p.area_mm2),
                p.mean_dab
                    .map_or_else(|| "n/a".to_owned(), |d| format!("{d:.3}")),
                p.dab_positive_fraction
                    .map_or_else(|| "n/a".to_owned(), |f| format!("{:.1}%", 100.0 * f)),
            ]
        })
        .collect();
    let legend_items: Vec<([u8; 3], String)> =
        [PieceRole::Patient, PieceRole::Control, PieceRole::Excluded]
            .into_iter()
            .map(|r| (role_colour(r), role_name(r).to_owned()))
            .collect();
    let control = match &report.control {
        Some(c) => format!(
            "<p id=\"control\">Control pieces {:?}: {} cells, staining average {:.3}, {:.1}% of cells \
             with complete intense staining.</p>",
            c.pieces,
            c.features.cells,
            c.features.staining_average,
            c.features.intense_complete_percent()
        ),
        None => "<p id=\"control\">No control tissue found on the slide.</p>".to_owned(),
    };
    Ok(format!(
        "<h2>Tissue pieces</h2>\n<p>{:.3} mm&sup2; of tissue, {:.3} mm&sup2; scored.</p>\n\
         <div class=\"figure\">{svg}{}</div>\n<div class=\"figure\">{}{control}</div>\n",
        t.tissue_area_mm2,
        t.scored_area_mm2,
        legend(&legend_items),
        table(
            &[
                "piece",
                "role",
                "area mm²",
                "mean DAB OD",
                "DAB-positive area"
            ],
            &rows,
            "id=\"pieces\""
        )
    ))
}

fn maps_section(heatmap: &RgbImage, overlay: &RgbImage) -> Result<String, String> {
    let scores: Vec<([u8; 3], String)> = [
        Her2Score::Zero,
        Her2Score::One,
        Her2Score::Two,
        Her2Score::Three,
    ]
    .into_iter()
    .map(|s| (score_colour(s).0, format!("patch {}", s.label())))
    .collect();
    Ok(format!(
        "<h2>Tumour heatmap and analysed patches</h2>\n\
         <div class=\"figure\"><img id=\"heatmap\" alt=\"tumour probability heatmap\" src=\"{}\">\
         <div>Tumour probability of each classified patch, over the thumbnail:</div>{}</div>\n\
         <div class=\"figure\"><img id=\"overlay\" alt=\"analysed patches tinted by score\" src=\"{}\">\
         <div>Analysed patches, tinted by their own score:</div>{}</div>\n",
        jpeg_data_uri(heatmap, FIGURE_SIDE)?,
        turbo_colour_bar("tumour probability"),
        jpeg_data_uri(overlay, FIGURE_SIDE)?,
        legend(&scores)
    ))
}

fn timings_section(report: &Her2Report) -> String {
    let t = &report.timings_ms;
    let stages = [
        ("open and hash", t.open),
        ("tissue mask", t.tissue),
        ("tumour classification", t.tumor),
        ("stain features", t.features),
        ("scoring", t.scoring),
        ("total", t.total),
    ];
    let rows: Vec<Vec<String>> = stages
        .iter()
        .map(|(name, ms)| {
            vec![
                (*name).to_owned(),
                format!("{:.2} s", ms / 1e3),
                value_against_cuts(*ms, t.total, &[], &format!("{:.0} ms", ms)),
            ]
        })
        .collect();
    format!(
        "<h2>Per-stage timings</h2>\n{}",
        table(&["stage", "time", ""], &rows, "id=\"timings\"")
    )
}

fn input_section(report: &Her2Report) -> String {
    let i = &report.input;
    let rows = vec![
        vec![
            "file".to_owned(),
            format!(
                "<span class=\"mono\">{}</span>",
                escape(&i.path.display().to_string())
            ),
        ],
        vec![
            "SHA-256".to_owned(),
            format!(
                "<span class=\"mono\" id=\"sha256\">{}</span>",
                escape(i.sha256.as_deref().unwrap_or("none (held in memory)"))
            ),
        ],
        vec![
            "size".to_owned(),
            match i.bytes {
                Some(bytes) => format!("{bytes} bytes"),
                None => "none (held in memory)".to_owned(),
            },
        ],
        vec![
            "vendor".to_owned(),
            escape(i.vendor.as_deref().unwrap_or("unknown")),
        ],
        vec![
            "level-0 size".to_owned(),
            format!("{} x {} px", i.dimensions.0, i.dimensions.1),
        ],
        vec![
            "resolution".to_owned(),
            format!("{:.4} &micro;m/px ({:?})", i.mpp, i.mpp_source),
        ],
        vec!["tumour model".to_owned(), escape(&report.tumor.model_id)],
        vec![
            "her2 version".to_owned(),
            format!(
                "<span id=\"version\">{}</span> (report schema {})",
                escape(&report.her2_version),
                report.schema_version
            ),
        ],
    ];
    format!(
        "<h2>Input and version</h2>\n{}<p class=\"muted\">The full configuration and every value \
         are in report.json beside this page.</p>\n",
        table(&["", ""], &rows, "id=\"input\"")
    )
}
