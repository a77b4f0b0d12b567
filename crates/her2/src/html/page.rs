//! The frame every HTML page shares: escaping, one inline style sheet, images as data URIs.
//! Pages are single self-contained files: no external style sheet, script, font or image, so
//! they open from disk with no server and no network.

use std::fmt::Write as _;
use std::io::Cursor;

use base64::Engine as _;
use image::RgbImage;

/// `text` with `&`, `<`, `>`, `"` and `'` replaced by character references, safe inside
/// element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A `data:` URI holding `bytes` of type `mime`, base64-encoded.
pub fn data_uri(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// `image` scaled down to at most `max_side` pixels on its longer side (never up), as a JPEG
/// data URI: the embedded figures stay a few hundred kilobytes whatever the slide's size.
pub fn jpeg_data_uri(image: &RgbImage, max_side: u32) -> Result<String, String> {
    let (w, h) = image.dimensions();
    let longest = w.max(h).max(1);
    let scaled;
    let shown = if longest > max_side {
        let f = f64::from(max_side) / f64::from(longest);
        let (sw, sh) = (
            ((f64::from(w) * f).round() as u32).max(1),
            ((f64::from(h) * f).round() as u32).max(1),
        );
        scaled = image::imageops::thumbnail(image, sw, sh);
        &scaled
    } else {
        image
    };
    let mut bytes = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, 85)
        .encode_image(shown)
        .map_err(|e| format!("encoding an embedded image: {e}"))?;
    Ok(data_uri("image/jpeg", &bytes.into_inner()))
}

/// The page's inline style sheet.
const STYLE: &str = "\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;\
padding:1.5em;color:#1d2329;background:#fff}\
h1{font-size:1.4em;margin:0 0 .3em}h2{font-size:1.15em;margin:1.6em 0 .5em;border-bottom:1px solid #d5dbe1}\
.score{font-size:3.2em;font-weight:700;line-height:1.1}.category{font-size:1.6em;font-weight:600}\
.muted{color:#5f6b76}.mono{font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}\
table{border-collapse:collapse;margin:.4em 0}th,td{border:1px solid #d5dbe1;padding:.25em .6em;text-align:left}\
th{background:#f1f4f7}td.num{text-align:right;font-variant-numeric:tabular-nums}\
tr.fired td{background:#fff4d6;font-weight:600}\
.flag{background:#fdecea;border-left:4px solid #d93025;padding:.3em .6em;margin:.2em 0}\
.ok{background:#e8f5e9;border-left:4px solid #2e7d32;padding:.3em .6em}\
.figure{display:inline-block;vertical-align:top;margin:0 1em 1em 0;max-width:520px}\
.figure img,.figure svg.full{width:100%;height:auto;border:1px solid #d5dbe1}\
.legend span.sw{display:inline-block;width:1em;height:1em;vertical-align:-.15em;margin:0 .3em 0 .8em;border:1px solid #555}\
th.sortable{cursor:pointer}th.sortable:after{content:' \\2195';color:#9aa5b1}";

/// A whole HTML document: `title`, the shared style sheet, `body`, and an optional inline
/// `script` run at the end of the body.
pub fn document(title: &str, body: &str, script: Option<&str>) -> String {
    let mut out = String::with_capacity(body.len() + STYLE.len() + 512);
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}",
        escape(title)
    );
    if let Some(script) = script {
        let _ = writeln!(out, "<script>{script}</script>");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// An HTML table: a header row and body rows, each cell already HTML (escape text first).
/// Cells that parse as numbers are right-aligned.
pub fn table(header: &[&str], rows: &[Vec<String>], attributes: &str) -> String {
    table_with_classes(header, rows, &[], attributes)
}

/// [`table`] with a CSS class on each row (`classes[i]` on row `i`; empty or missing: none).
pub fn table_with_classes(
    header: &[&str],
    rows: &[Vec<String>],
    classes: &[&str],
    attributes: &str,
) -> String {
    let mut out = format!("<table {attributes}><thead><tr>");
    for h in header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>\n");
    for (i, row) in rows.iter().enumerate() {
        match classes.get(i) {
            Some(class) if !class.is_empty() => {
                let _ = write!(out, "<tr class=\"{class}\">");
            }
            _ => out.push_str("<tr>"),
        }
        for cell in row {
            let numeric = cell
                .trim_end_matches(['%', ' ', 's'])
                .parse::<f64>()
                .is_ok();
            let class = if numeric { " class=\"num\"" } else { "" };
            let _ = write!(out, "<td{class}>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_neutralises_markup() {
        assert_eq!(
            escape("<script>alert('x') & \"y\"</script>"),
            "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
        );
    }

    #[test]
    fn data_uris_are_base64() {
        assert_eq!(data_uri("text/plain", b"hi"), "data:text/plain;base64,aGk=");
    }

    #[test]
    fn embedded_images_are_bounded_jpegs() {
        let image = RgbImage::from_pixel(900, 300, image::Rgb([200, 10, 10]));
        let uri = jpeg_data_uri(&image, 300).expect("encodes");
        let b64 = uri
            .strip_prefix("data:image/jpeg;base64,")
            .expect("jpeg uri");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        let decoded = image::load_from_memory(&bytes).expect("decodes");
        assert_eq!((decoded.width(), decoded.height()), (300, 100));
    }

    #[test]
    fn documents_have_no_external_references() {
        let page = document("a <b>", "<p>x</p>", Some("var a=1;"));
        assert!(page.contains("<title>a &lt;b&gt;</title>"));
        assert!(!page.contains("http://") && !page.contains("https://"));
        assert!(page.contains("<script>var a=1;</script>"));
    }

    #[test]
    fn numeric_cells_align_right() {
        let t = table(&["a", "b"], &[vec!["x".into(), "12.5%".into()]], "");
        assert!(t.contains("<td>x</td><td class=\"num\">12.5%</td>"));
    }
}
