//! Small inline SVG charts: a value against its cuts, grouped percentage bars, a colour bar,
//! and colour legends.

use std::fmt::Write as _;

use super::page::escape;

/// A colour as CSS `rgb(r,g,b)`.
pub fn css_rgb(c: [u8; 3]) -> String {
    format!("rgb({},{},{})", c[0], c[1], c[2])
}

/// A horizontal bar of `value` on a scale from 0 to `max`, with a labelled vertical line at each
/// cut (`(position, label)`), and the value written at the bar's end.
pub fn value_against_cuts(value: f64, max: f64, cuts: &[(f64, String)], shown: &str) -> String {
    const W: f64 = 360.0;
    const LEFT: f64 = 14.0;
    let max = if max > 0.0 { max } else { 1.0 };
    let x = |v: f64| LEFT + (v.clamp(0.0, max) / max) * (W - 2.0 * LEFT);
    let mut svg = format!(
        "<svg class=\"chart\" width=\"{W}\" height=\"46\" viewBox=\"0 0 {W} 46\" role=\"img\" \
         aria-label=\"{} against its cuts\">\
         <rect x=\"{LEFT}\" y=\"16\" width=\"{}\" height=\"14\" fill=\"#eef1f4\"/>\
         <rect x=\"{LEFT}\" y=\"16\" width=\"{:.1}\" height=\"14\" fill=\"#3b6ea5\"/>",
        escape(shown),
        W - 2.0 * LEFT,
        x(value) - LEFT
    );
    for (cut, label) in cuts {
        let cx = x(*cut);
        let _ = write!(
            svg,
            "<line x1=\"{cx:.1}\" x2=\"{cx:.1}\" y1=\"12\" y2=\"34\" stroke=\"#d93025\" stroke-width=\"2\"/>\
             <text x=\"{cx:.1}\" y=\"45\" font-size=\"10\" text-anchor=\"middle\" fill=\"#d93025\">{}</text>",
            escape(label)
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{:.1}\" y=\"11\" font-size=\"11\" text-anchor=\"middle\">{}</text></svg>",
        x(value).clamp(30.0, W - 30.0),
        escape(shown)
    );
    svg
}

/// Grouped vertical bars: one group per entry of `groups` (`(label, values)`), one bar per
/// series (`series`: `(label, colour)`), values in percent on a 0-100 axis, with a dashed line
/// at each of `cuts` percent.
pub fn grouped_percent_bars(
    groups: &[(&str, &[f64])],
    series: &[(&str, [u8; 3])],
    cuts: &[f64],
) -> String {
    const H: f64 = 150.0;
    const TOP: f64 = 14.0;
    const BAR: f64 = 26.0;
    let group_w = BAR * series.len() as f64 + 56.0;
    let w = 36.0 + group_w * groups.len() as f64;
    let y = |p: f64| TOP + H - p.clamp(0.0, 100.0) / 100.0 * H;
    let mut svg = format!(
        "<svg class=\"chart\" width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\" role=\"img\" \
         aria-label=\"percentages of tumour cells\">",
        TOP + H + 34.0,
        TOP + H + 34.0
    );
    for tick in [0.0, 25.0, 50.0, 75.0, 100.0] {
        let _ = write!(
            svg,
            "<line x1=\"30\" x2=\"{w}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"#e3e7eb\"/>\
             <text x=\"26\" y=\"{1:.1}\" font-size=\"10\" text-anchor=\"end\">{tick}%</text>",
            y(tick),
            y(tick) + 3.0
        );
    }
    for cut in cuts {
        let _ = write!(
            svg,
            "<line x1=\"30\" x2=\"{w}\" y1=\"{0:.1}\" y2=\"{0:.1}\" stroke=\"#d93025\" \
             stroke-dasharray=\"4 3\"/><text x=\"{w}\" y=\"{1:.1}\" font-size=\"10\" \
             text-anchor=\"end\" fill=\"#d93025\">cut {cut}%</text>",
            y(*cut),
            y(*cut) - 2.0
        );
    }
    for (g, (label, values)) in groups.iter().enumerate() {
        let x0 = 36.0 + g as f64 * group_w;
        for (s, (name, colour)) in series.iter().enumerate() {
            let v = values.get(s).copied().unwrap_or(0.0);
            let x = x0 + s as f64 * BAR;
            let _ = write!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\" \
                 stroke=\"#555\" stroke-width=\"0.5\"><title>{} {}: {v:.1}%</title></rect>\
                 <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"9\" text-anchor=\"middle\">{v:.1}</text>",
                y(v),
                BAR - 3.0,
                TOP + H - y(v),
                css_rgb(*colour),
                escape(label),
                escape(name),
                x + (BAR - 3.0) / 2.0,
                y(v) - 2.0
            );
        }
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"middle\">{}</text>",
            x0 + BAR * series.len() as f64 / 2.0,
            TOP + H + 16.0,
            escape(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A horizontal colour bar of the turbo colour map (as the heatmap uses) from 0 to 1, labelled
/// `label`.
pub fn turbo_colour_bar(label: &str) -> String {
    let mut stops = String::new();
    for i in 0..=10 {
        let t = f64::from(i) / 10.0;
        let c = colorous::TURBO.eval_continuous(t);
        let _ = write!(
            stops,
            "<stop offset=\"{t}\" stop-color=\"{}\"/>",
            css_rgb([c.r, c.g, c.b])
        );
    }
    format!(
        "<svg class=\"colourbar\" width=\"320\" height=\"40\" viewBox=\"0 0 320 40\" role=\"img\" \
         aria-label=\"colour bar: {0}\"><defs><linearGradient id=\"turbo\">{stops}</linearGradient>\
         </defs><rect x=\"10\" y=\"4\" width=\"300\" height=\"14\" fill=\"url(#turbo)\" stroke=\"#555\"/>\
         <text x=\"10\" y=\"32\" font-size=\"11\">0</text><text x=\"160\" y=\"32\" font-size=\"11\" \
         text-anchor=\"middle\">{0}</text><text x=\"310\" y=\"32\" font-size=\"11\" \
         text-anchor=\"end\">1</text></svg>",
        escape(label)
    )
}

/// A legend: one colour swatch and label per entry.
pub fn legend(items: &[([u8; 3], String)]) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for (colour, label) in items {
        let _ = write!(
            out,
            "<span class=\"sw\" style=\"background:{}\"></span>{}",
            css_rgb(*colour),
            escape(label)
        );
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_and_value_are_drawn_where_they_belong() {
        let svg = value_against_cuts(0.5, 1.0, &[(0.25, "1+/2+".to_owned())], "0.500");
        // The value bar spans half the track (332 px wide), the cut line sits at a quarter.
        assert!(svg.contains("width=\"166.0\""), "{svg}");
        assert!(svg.contains("x1=\"97.0\""), "{svg}");
        assert!(svg.contains(">1+/2+</text>"));
    }

    #[test]
    fn values_beyond_the_scale_are_clamped() {
        let svg = value_against_cuts(7.0, 1.0, &[], "7");
        assert!(svg.contains("width=\"332.0\""), "{svg}");
    }

    #[test]
    fn grouped_bars_have_one_rect_per_value_and_the_cut() {
        let svg = grouped_percent_bars(
            &[("complete", &[1.0, 2.0]), ("incomplete", &[3.0, 4.0])],
            &[("a", [0, 0, 0]), ("b", [255, 255, 255])],
            &[10.0],
        );
        assert_eq!(svg.matches("<rect").count(), 4);
        assert!(svg.contains("cut 10%"));
        assert!(svg.contains("<title>incomplete b: 4.0%</title>"));
    }

    #[test]
    fn colour_bar_runs_from_blue_to_red() {
        let bar = turbo_colour_bar("tumour probability");
        assert_eq!(bar.matches("<stop").count(), 11);
        assert!(bar.contains("tumour probability"));
    }
}
