//! `her2 eval-nuclei IMAGE --truth T --out DIR`: scores the nucleus detector against annotated
//! nuclei. The annotation is a CSV of centroids (columns `x` and `y`, level-0 pixels, such as
//! `her2 synth`'s `.cells.csv`), a label image (each nucleus one non-zero value), or a
//! colour-coded mask (`--truth-colors`, e.g. DeepLIIF's red and blue nuclei). Detected and
//! annotated centroids are paired one to one within `--tolerance-um`; the command prints
//! precision, recall, F1 and the count error and writes `nuclei-eval.json` and
//! `nuclei-eval.png` (detected outlines yellow, matched annotations green, missed ones
//! magenta, unmatched detections cyan).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use her2::stain_features::{Segmentation, StainAnalyzer, match_centroids};
use image::{Rgb, RgbImage};
use wsi_io::Rect;

use super::cells::{load_config, parse_region, write_json};

/// Arguments of `her2 eval-nuclei`.
#[derive(Debug, clap::Args)]
pub struct EvalNucleiArgs {
    /// Slide or image file whose nuclei are detected.
    pub input: PathBuf,
    /// The annotation: a `.csv` of centroids (`x`, `y` columns, level-0 pixels), or an image:
    /// a label image (one non-zero value per nucleus) or, with `--truth-colors`, a colour mask.
    #[arg(long)]
    pub truth: PathBuf,
    /// Level-0 region `x,y,w,h` of the input to detect in (default: all of a small image).
    #[arg(long, value_parser = parse_region, value_name = "X,Y,W,H")]
    pub region: Option<Rect>,
    /// Region `x,y,w,h` of an annotation image that lies over `--region` (default: the whole
    /// annotation image, which must then have the region's size).
    #[arg(long, value_parser = parse_region, value_name = "X,Y,W,H")]
    pub truth_region: Option<Rect>,
    /// Colours `R,G,B` (separated by `;` or spaces) of annotated nuclei in a colour mask; each
    /// 4-connected piece of one colour is one nucleus.
    #[arg(long, value_parser = parse_colours, value_name = "R,G,B;R,G,B")]
    pub truth_colors: Option<Colours>,
    /// Level-0 microns per pixel, for files that do not state it or to override.
    #[arg(long)]
    pub mpp: Option<f64>,
    /// Largest centroid distance of a match, in micrometres.
    #[arg(long, default_value_t = 4.0)]
    pub tolerance_um: f64,
    /// Annotated pieces smaller than this many pixels are ignored (specks of a drawn mask).
    #[arg(long, default_value_t = 10)]
    pub min_truth_pixels: usize,
    /// Stain analysis configuration (JSON, fields of `StainConfig`; missing fields take defaults).
    #[arg(long, value_name = "F.json")]
    pub config: Option<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long)]
    pub out: PathBuf,
}

/// The colours of annotated nuclei in a colour mask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colours(pub Vec<[u8; 3]>);

/// Parses `R,G,B;R,G,B` (or space-separated triples).
fn parse_colours(text: &str) -> Result<Colours, String> {
    let colours: Result<Vec<[u8; 3]>, String> = text
        .split([';', ' '])
        .filter(|t| !t.trim().is_empty())
        .map(|triple| {
            let v: Vec<u8> = triple
                .split(',')
                .map(|c| c.trim().parse::<u8>())
                .collect::<Result<_, _>>()
                .map_err(|_| format!("colour {triple:?} must be R,G,B with values 0-255"))?;
            <[u8; 3]>::try_from(v)
                .map_err(|_| format!("colour {triple:?} must have three values R,G,B"))
        })
        .collect();
    match colours {
        Ok(c) if c.is_empty() => Err(format!("no colour in {text:?}")),
        other => other.map(Colours),
    }
}

/// Annotated centroids from a CSV with `x` and `y` columns, level-0 pixels, moved into the
/// region's coordinates; points outside the region are left out.
fn truth_from_csv(path: &Path, region: &Rect) -> anyhow::Result<Vec<[f64; 2]>> {
    let name = path.display();
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("{name}: cannot read"))?;
    let headers = reader
        .headers()
        .with_context(|| format!("{name}: no header row"))?
        .clone();
    let column = |c: &str| {
        headers
            .iter()
            .position(|h| h.trim() == c)
            .with_context(|| format!("{name}: no column {c:?} in the header {headers:?}"))
    };
    let (cx, cy) = (column("x")?, column("y")?);
    let mut points = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{name}: row {}", row + 2))?;
        let value = |i: usize| -> anyhow::Result<f64> {
            let text = record.get(i).unwrap_or("");
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .with_context(|| format!("{name}: row {}: {text:?} is not a number", row + 2))
        };
        let (x, y) = (value(cx)? - region.x as f64, value(cy)? - region.y as f64);
        if x >= 0.0 && y >= 0.0 && x < region.w as f64 && y < region.h as f64 {
            points.push([x, y]);
        }
    }
    Ok(points)
}

/// Centroids of the 4-connected pieces of equal, selected keys (`None`: not a nucleus) of a
/// `w x h` key image, pieces under `min_pixels` left out.
fn piece_centroids(keys: &[Option<u64>], w: usize, h: usize, min_pixels: usize) -> Vec<[f64; 2]> {
    let mut seen = vec![false; keys.len()];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    for start in 0..keys.len() {
        let Some(key) = keys[start] else { continue };
        if seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut n, mut sx, mut sy) = (0usize, 0f64, 0f64);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            n += 1;
            sx += x as f64;
            sy += y as f64;
            let neighbours = [
                (x > 0).then(|| i - 1),
                (x + 1 < w).then(|| i + 1),
                (y > 0).then(|| i - w),
                (y + 1 < h).then(|| i + w),
            ];
            for j in neighbours.into_iter().flatten() {
                if !seen[j] && keys[j] == Some(key) {
                    seen[j] = true;
                    stack.push(j);
                }
            }
        }
        if n >= min_pixels.max(1) {
            out.push([sx / n as f64 + 0.5, sy / n as f64 + 0.5]);
        }
    }
    out
}

/// Annotated centroids from a label or colour-mask image, in the region's coordinates.
fn truth_from_image(args: &EvalNucleiArgs, region: &Rect) -> anyhow::Result<Vec<[f64; 2]>> {
    let name = args.truth.display();
    let image = image::open(&args.truth).with_context(|| format!("{name}: cannot read"))?;
    let (iw, ih) = (u64::from(image.width()), u64::from(image.height()));
    let crop = args.truth_region.unwrap_or(Rect::full(iw, ih));
    if crop.right() > iw || crop.bottom() > ih {
        bail!("{name}: truth region {crop:?} reaches outside the {iw} x {ih} annotation");
    }
    if (crop.w, crop.h) != (region.w, region.h) {
        bail!(
            "{name}: the annotation covers {} x {} px but the analysed region is {} x {}; give --truth-region",
            crop.w,
            crop.h,
            region.w,
            region.h
        );
    }
    let (w, h) = (crop.w as usize, crop.h as usize);
    let rgba = image.to_rgba16();
    let keys: Vec<Option<u64>> = (0..w * h)
        .map(|i| {
            let p = rgba.get_pixel(
                (crop.x as usize + i % w) as u32,
                (crop.y as usize + i / w) as u32,
            );
            match &args.truth_colors {
                Some(Colours(colours)) => {
                    let rgb = [p[0], p[1], p[2]].map(|c| (c >> 8) as u8);
                    colours.iter().position(|c| *c == rgb).map(|k| k as u64)
                }
                None => {
                    let key = p.0[..3].iter().fold(0u64, |k, &c| (k << 16) | u64::from(c));
                    (key != 0).then_some(key)
                }
            }
        })
        .collect();
    Ok(piece_centroids(&keys, w, h, args.min_truth_pixels))
}

/// The region with detected nuclei outlined (yellow), matched annotations as green dots,
/// missed ones as magenta rings and unmatched detections as cyan squares.
fn overlay(
    region: &RgbImage,
    seg: &Segmentation,
    detected: &[[f64; 2]],
    truth: &[[f64; 2]],
    pairs: &[(usize, usize)],
    marker_px: f64,
) -> RgbImage {
    let mut image = region.clone();
    let (w, h) = (seg.width(), seg.height());
    for y in 0..h {
        for x in 0..w {
            let l = seg.labels()[y * w + x];
            let edge = l != 0
                && [
                    (x > 0, 0isize, -1isize),
                    (x + 1 < w, 0, 1),
                    (y > 0, -1, 0),
                    (y + 1 < h, 1, 0),
                ]
                .iter()
                .any(|&(inside, dy, dx)| {
                    !inside
                        || seg.labels()[(y as isize + dy) as usize * w + (x as isize + dx) as usize]
                            != l
                });
            if edge {
                image.put_pixel(x as u32, y as u32, Rgb([255, 230, 0]));
            }
        }
    }
    let mut matched_truth = vec![false; truth.len()];
    let mut matched_detected = vec![false; detected.len()];
    for &(d, t) in pairs {
        matched_detected[d] = true;
        matched_truth[t] = true;
    }
    let r = marker_px.max(2.0);
    let mut mark = |[cx, cy]: [f64; 2], colour: Rgb<u8>, inside: &dyn Fn(f64, f64) -> bool| {
        let reach = r.ceil() as i64 + 1;
        for dy in -reach..=reach {
            for dx in -reach..=reach {
                let (x, y) = (cx.floor() as i64 + dx, cy.floor() as i64 + dy);
                if x >= 0
                    && y >= 0
                    && (x as u32) < image.width()
                    && (y as u32) < image.height()
                    && inside(x as f64 + 0.5 - cx, y as f64 + 0.5 - cy)
                {
                    image.put_pixel(x as u32, y as u32, colour);
                }
            }
        }
    };
    let dot = |dx: f64, dy: f64| dx.hypot(dy) <= r * 0.45;
    let ring = |dx: f64, dy: f64| (dx.hypot(dy) - r).abs() <= 0.9;
    let square = |dx: f64, dy: f64| {
        let m = dx.abs().max(dy.abs());
        (m - r * 0.7).abs() <= 0.7
    };
    for (t, &p) in truth.iter().enumerate() {
        if matched_truth[t] {
            mark(p, Rgb([30, 220, 60]), &dot);
        } else {
            mark(p, Rgb([240, 0, 240]), &ring);
        }
    }
    for (d, &p) in detected.iter().enumerate() {
        if !matched_detected[d] {
            mark(p, Rgb([0, 230, 230]), &square);
        }
    }
    image
}

/// Runs `her2 eval-nuclei`.
pub fn run(args: EvalNucleiArgs) -> anyhow::Result<()> {
    let input = args.input.display().to_string();
    if !(args.tolerance_um.is_finite() && args.tolerance_um > 0.0) {
        bail!(
            "--tolerance-um {} must be a positive number",
            args.tolerance_um
        );
    }
    let analyzer = StainAnalyzer::new(load_config(args.config.as_deref(), false)?)
        .with_context(|| input.clone())?;
    let (slide, mpp) = her2::open_slide(&args.input, args.mpp)?;
    let (width, height) = slide.dimensions();
    let rect = args.region.unwrap_or(Rect::full(width, height));
    let image = super::cells::read_checked_region(slide.as_ref(), &input, rect)?;
    let is_csv = args
        .truth
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let truth = if is_csv {
        truth_from_csv(&args.truth, &rect)?
    } else {
        truth_from_image(&args, &rect)?
    };
    let seg = analyzer
        .segment(&image, mpp)
        .with_context(|| format!("{input}: region {rect:?}"))?;
    let detected = seg.centroids();
    let tolerance_px = args.tolerance_um / mpp;
    let matching = match_centroids(&detected, &truth, tolerance_px);
    let score = matching.score;

    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    her2::tissue_mask::write_png_atomic(
        &args.out.join("nuclei-eval.png"),
        &overlay(&image, &seg, &detected, &truth, &matching.pairs, 2.0 / mpp),
    )?;
    write_json(
        &args.out.join("nuclei-eval.json"),
        &serde_json::json!({
            "input": args.input,
            "region": rect,
            "truth": args.truth,
            "truth_region": args.truth_region,
            "mpp": mpp,
            "tolerance_um": args.tolerance_um,
            "score": score,
            "detected": detected,
            "annotated": truth,
            "pairs": matching.pairs,
            "config": analyzer.config().segmentation,
            "version": env!("CARGO_PKG_VERSION"),
        }),
    )?;
    println!(
        "{input}: {} nuclei detected, {} annotated, {} matched within {} um: precision {:.3}, recall {:.3}, F1 {:.3}, count error {:+.1}% -> {}",
        score.detected,
        score.annotated,
        score.matched,
        args.tolerance_um,
        score.precision,
        score.recall,
        score.f1,
        100.0 * score.count_error,
        args.out.display()
    );
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_or_say_why() {
        assert_eq!(
            parse_colours("255,0,0;0,0,255"),
            Ok(Colours(vec![[255, 0, 0], [0, 0, 255]]))
        );
        assert_eq!(
            parse_colours("1,2,3 4,5,6"),
            Ok(Colours(vec![[1, 2, 3], [4, 5, 6]]))
        );
        assert!(parse_colours("1,2").unwrap_err().contains("three values"));
        assert!(parse_colours("1,2,300").unwrap_err().contains("0-255"));
        assert!(parse_colours(";").unwrap_err().contains("no colour"));
    }

    #[test]
    fn pieces_of_equal_keys_are_nuclei() {
        // two touching pieces of different keys, one speck
        let (w, h) = (6, 3);
        let mut keys = vec![None; w * h];
        for y in 0..2 {
            keys[y * w] = Some(1);
            keys[y * w + 1] = Some(1);
            keys[y * w + 2] = Some(2);
        }
        keys[2 * w + 5] = Some(1);
        let c = piece_centroids(&keys, w, h, 2);
        assert_eq!(c, vec![[1.0, 1.0], [2.5, 1.0]]);
        assert_eq!(piece_centroids(&keys, w, h, 1).len(), 3);
    }
}
