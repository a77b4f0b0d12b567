//! `index.html` of a cohort run: one sortable row per slide, linking the slide's report.

use crate::cohort::{CohortRow, SlideStatus};

use super::page::{document, escape, table};

/// Sorts a table by the clicked header: numbers as numbers, text as text; a second click
/// reverses. Inline so that the page stays one file.
const SORT_SCRIPT: &str = "document.querySelectorAll('table.sortable').forEach(function(t){\
t.querySelectorAll('th').forEach(function(th,i){th.classList.add('sortable');\
th.addEventListener('click',function(){var b=t.tBodies[0],rows=Array.from(b.rows),\
asc=th.dataset.dir!=='asc';th.dataset.dir=asc?'asc':'desc';\
rows.sort(function(x,y){var a=x.cells[i].innerText,c=y.cells[i].innerText,\
p=parseFloat(a),q=parseFloat(c),r=(isNaN(p)||isNaN(q))?a.localeCompare(c):p-q;\
return asc?r:-r;});rows.forEach(function(r){b.appendChild(r);});});});});";

/// The cohort's index page; each slide links `<slide id>/report.html`.
pub fn cohort_index(rows: &[CohortRow]) -> String {
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|row| {
            let id = escape(&row.entry.id);
            let link = match row.status {
                SlideStatus::Failed => id,
                _ => format!(
                    "<a href=\"{}/report.html\">{id}</a>",
                    escape(&percent_encode(&row.entry.id))
                ),
            };
            let status = match row.status {
                SlideStatus::Scored => "scored",
                SlideStatus::Resumed => "resumed",
                SlideStatus::Failed => "failed",
            };
            let mut cells = vec![
                link,
                status.to_owned(),
                escape(row.entry.label.as_deref().unwrap_or("")),
            ];
            match &row.report {
                Some(r) => {
                    let a = &r.assessment;
                    let f = &r.features;
                    let flags: Vec<String> = a.flags.iter().map(ToString::to_string).collect();
                    cells.extend([
                        escape(a.score.label()),
                        escape(a.category.label()),
                        escape(&a.clinical_group.to_string()),
                        format!("{:.3}", f.staining_average),
                        format!("{:.3}", f.positive_cell_ratio),
                        format!("{:.3}", f.circumferential_ratio),
                        format!("{}", f.cells),
                        escape(&flags.join("; ")),
                    ]);
                }
                None => cells.extend(std::iter::repeat_n(String::new(), 8)),
            }
            cells.push(format!("{:.1}", row.seconds));
            cells.push(escape(row.error.as_deref().unwrap_or("")));
            cells
        })
        .collect();
    let scored = rows.iter().filter(|r| r.report.is_some()).count();
    let body = format!(
        "<h1>HER2 cohort</h1>\n<p>{} slide(s), {scored} with a report. Click a column to sort; \
         click a slide to open its report.</p>\n{}",
        rows.len(),
        table(
            &[
                "slide",
                "status",
                "label",
                "score",
                "ASCO/CAP 2023",
                "group",
                "staining average",
                "positive cell ratio",
                "circumferential ratio",
                "cells",
                "flags",
                "seconds",
                "error",
            ],
            &cells,
            "id=\"cohort\" class=\"sortable\"",
        )
    );
    document("HER2 cohort", &body, Some(SORT_SCRIPT))
}

/// `text` with every byte outside the URL-safe set written as `%XX`, for a relative link.
fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_percent_encoded_in_links() {
        assert_eq!(percent_encode("a b/<c>.svs"), "a%20b%2F%3Cc%3E.svs");
    }
}
