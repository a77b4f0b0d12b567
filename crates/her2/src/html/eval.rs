//! `eval.html`: the confusion matrix and agreement statistics of each rule against the labels.

use std::fmt::Write as _;

use her2_score::{ConfusionMatrix, Evaluation};

use super::page::{document, escape, table};

/// One rule's evaluation for the page: its name, its score matrix evaluation, and its
/// ASCO/CAP 2023 category evaluation when every label named a category.
pub struct RuleEvaluation<'a> {
    /// The rule's name.
    pub rule: &'a str,
    /// Over the scores 0, 1+, 2+, 3+.
    pub scores: &'a Evaluation,
    /// Over the categories (0 null, 0 ultralow, 1+, 2+, 3+), when known.
    pub categories: Option<&'a Evaluation>,
}

fn optional(value: Option<f64>, digits: usize) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.digits$}"))
}

/// The matrix as a table, each cell shaded by its share of its row (truth).
fn matrix_table(m: &ConfusionMatrix, id: &str) -> String {
    let mut out = format!(
        "<table id=\"{}\"><thead><tr><th>truth \\ predicted</th>",
        escape(id)
    );
    for c in &m.classes {
        let _ = write!(out, "<th>{}</th>", escape(c));
    }
    out.push_str("</tr></thead><tbody>");
    for (class, row) in m.classes.iter().zip(&m.counts) {
        let total: u64 = row.iter().sum();
        let _ = write!(out, "<tr><th>{}</th>", escape(class));
        for n in row {
            let share = if total > 0 {
                *n as f64 / total as f64
            } else {
                0.0
            };
            let _ = write!(
                out,
                "<td class=\"num\" style=\"background:rgba(59,110,165,{:.2})\">{n}</td>",
                share * 0.8
            );
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
    out
}

fn evaluation_block(e: &Evaluation, id: &str) -> String {
    let stats = table(
        &[
            "slides",
            "accuracy",
            "kappa",
            "kappa (linear)",
            "kappa (quadratic)",
        ],
        &[vec![
            format!("{}", e.slides),
            e.accuracy
                .map_or_else(|| "n/a".to_owned(), |a| format!("{:.1}%", 100.0 * a)),
            optional(e.kappa, 3),
            optional(e.kappa_linear, 3),
            optional(e.kappa_quadratic, 3),
        ]],
        "",
    );
    let per_class: Vec<Vec<String>> = e
        .per_class
        .iter()
        .map(|c| {
            vec![
                escape(&c.class),
                format!("{}", c.support),
                format!("{}", c.predicted),
                optional(c.precision, 3),
                optional(c.recall, 3),
                optional(c.f1, 3),
            ]
        })
        .collect();
    format!(
        "<div class=\"figure\">{}</div><div class=\"figure\">{stats}{}</div>\n",
        matrix_table(&e.confusion, id),
        table(
            &["class", "support", "predicted", "precision", "recall", "F1"],
            &per_class,
            ""
        )
    )
}

/// The evaluation page: one section per rule; `failed` lists slides that could not be scored.
pub fn eval_page(slides: usize, rules: &[RuleEvaluation<'_>], failed: &[String]) -> String {
    let mut body = format!(
        "<h1>HER2 evaluation against the labels</h1>\n<p>{slides} slide(s) in the manifest.</p>\n"
    );
    if !failed.is_empty() {
        let _ = writeln!(
            body,
            "<div class=\"flag\">{} slide(s) failed and are not counted: {}</div>",
            failed.len(),
            escape(&failed.join(", "))
        );
    }
    for r in rules {
        let _ = writeln!(body, "<h2>{} rule: scores</h2>", escape(r.rule));
        body.push_str(&evaluation_block(r.scores, &format!("scores-{}", r.rule)));
        if let Some(c) = r.categories {
            let _ = writeln!(
                body,
                "<h2>{} rule: ASCO/CAP 2023 categories</h2>",
                escape(r.rule)
            );
            body.push_str(&evaluation_block(c, &format!("categories-{}", r.rule)));
        }
    }
    document("HER2 evaluation", &body, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use her2_score::Her2Score;

    #[test]
    fn the_page_shows_the_matrix_and_kappa() {
        let m = ConfusionMatrix::of_scores([
            (Her2Score::Zero, Her2Score::Zero),
            (Her2Score::Three, Her2Score::Two),
            (Her2Score::Three, Her2Score::Three),
        ]);
        let e = m.evaluation();
        let page = eval_page(
            3,
            &[RuleEvaluation {
                rule: "paper",
                scores: &e,
                categories: None,
            }],
            &["bad".to_owned()],
        );
        assert!(page.contains("<h2>paper rule: scores</h2>"));
        assert!(page.contains("id=\"scores-paper\""));
        assert!(page.contains("66.7%"), "accuracy 2 of 3");
        assert!(page.contains("1 slide(s) failed and are not counted: bad"));
    }
}
