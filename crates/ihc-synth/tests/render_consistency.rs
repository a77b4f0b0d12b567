//! Rendering is a pure function of coordinates and seed, and the truth matches the pixels:
//! tiling independence, seed determinism, masks on the rendered tissue, DAB optical density
//! ordered by intensity class, one rendered nucleus per listed cell.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ihc_synth::{CellMix, Her2Class, Intensity, SynthConfig, SyntheticSlide};
use image::RgbImage;

mod common;
use common::deconvolver;

fn slide(class: Her2Class, seed: u64) -> SyntheticSlide {
    SyntheticSlide::new(&SynthConfig::new(2048, 1536, class, seed)).unwrap()
}

#[test]
fn regions_do_not_depend_on_tiling() {
    let s = slide(Her2Class::Positive3, 4);
    let whole = s.render_region(300, 400, 300, 200);
    let mut stitched = RgbImage::new(300, 200);
    for (x, y, w, h) in [
        (300, 400, 170, 90),
        (470, 400, 130, 90),
        (300, 490, 300, 110),
    ] {
        let part = s.render_region(x, y, w, h);
        image::imageops::replace(&mut stitched, &part, i64::from(x - 300), i64::from(y - 400));
    }
    assert!(
        whole == stitched,
        "a region differs from the same region stitched from parts"
    );
    // A large region (rendered in parallel bands) equals its rows rendered one at a time.
    let big = s.render_region(0, 0, 2048, 600);
    let rows = s.render_region(0, 333, 2048, 1);
    assert!(image::imageops::crop_imm(&big, 0, 333, 2048, 1).to_image() == rows);
}

#[test]
fn same_seed_same_pixels_other_seed_other_pixels() {
    let a = slide(Her2Class::Low1, 9).render_thumbnail(256);
    let b = slide(Her2Class::Low1, 9).render_thumbnail(256);
    let c = slide(Her2Class::Low1, 10).render_thumbnail(256);
    assert!(a == b);
    assert!(a != c);
}

#[test]
fn tissue_mask_matches_rendered_tissue() {
    let s = slide(Her2Class::Ultralow, 3);
    let thumb = s.render_thumbnail(512);
    let mask = s.tissue_mask(4.0);
    assert_eq!(thumb.dimensions(), mask.dimensions());
    let agree = thumb
        .pixels()
        .zip(mask.pixels())
        .filter(|(p, m)| {
            let mean = (p.0[0] as u32 + p.0[1] as u32 + p.0[2] as u32) / 3;
            (mean < 236) == (m.0[0] == 255)
        })
        .count();
    let frac = agree as f64 / mask.len() as f64;
    assert!(
        frac > 0.995,
        "thumbnail and tissue mask agree on only {frac:.4} of pixels"
    );
    // Level 0: glass pixels are near-white, tissue pixels are not.
    let full = s.tissue_mask(1.0);
    let region = s.render_region(0, 0, 2048, 1536);
    let (mut glass, mut n_glass) = (0.0, 0.0);
    for (p, m) in region.pixels().zip(full.pixels()) {
        if m.0[0] == 0 {
            glass += p.0.iter().map(|&v| v as f64).sum::<f64>() / 3.0;
            n_glass += 1.0;
        }
    }
    assert!(glass / n_glass > 238.0, "glass mean {}", glass / n_glass);
}

#[test]
fn tumour_cells_lie_in_the_tumour_mask() {
    let s = slide(Her2Class::Equivocal2IntenseFew, 8);
    let mask = s.tumor_mask(1.0);
    let cells = s.cells_in(0, 0, 2048, 1536);
    let tumour: Vec<_> = cells
        .iter()
        .filter(|c| c.kind == ihc_synth::CellKind::Tumour)
        .collect();
    assert_eq!(tumour.len() as u64, s.truth().cells.tumour_cells);
    assert!(
        tumour
            .iter()
            .all(|c| mask.get_pixel(c.x as u32, c.y as u32).0[0] == 255)
    );
}

#[test]
fn membrane_dab_is_ordered_by_intensity_class() {
    let cfg = SynthConfig {
        cell_mix: Some(CellMix {
            intense_complete: 0.2,
            weak_complete: 0.2,
            faint_incomplete: 0.2,
            ..CellMix::default()
        }),
        ..SynthConfig::new(2048, 1536, Her2Class::Positive3, 21)
    };
    let s = SyntheticSlide::new(&cfg).unwrap();
    let deconv = deconvolver(&s);
    let image = s.render_region(0, 0, 2048, 1536);
    let spacing = 18.0 / cfg.mpp;
    let mut sums = [0.0f64; 4];
    let mut counts = [0usize; 4];
    for c in s
        .cells_in(0, 0, 2048, 1536)
        .iter()
        .filter(|c| c.kind == ihc_synth::CellKind::Tumour)
    {
        // Membrane pixels: the most DAB-rich fifth of the ring 0.38..0.62 spacings out.
        let mut ring = Vec::new();
        let r = (0.62 * spacing).ceil() as i64;
        for dy in -r..=r {
            for dx in -r..=r {
                let dist = ((dx * dx + dy * dy) as f64).sqrt();
                let (x, y) = (c.x as i64 + dx, c.y as i64 + dy);
                if dist >= 0.38 * spacing
                    && dist <= 0.62 * spacing
                    && x >= 0
                    && y >= 0
                    && x < 2048
                    && y < 1536
                {
                    ring.push(deconv(image.get_pixel(x as u32, y as u32).0).1);
                }
            }
        }
        ring.sort_by(f64::total_cmp);
        let top = &ring[ring.len() * 4 / 5..];
        let k = c.intensity as usize;
        sums[k] += top.iter().sum::<f64>() / top.len() as f64;
        counts[k] += 1;
    }
    let means: Vec<f64> = (0..4).map(|k| sums[k] / counts[k].max(1) as f64).collect();
    assert!(counts.iter().all(|&n| n > 10), "{counts:?}");
    assert_eq!(Intensity::Intense as usize, 3);
    assert!(
        means[0] < means[1] && means[1] < means[2] && means[2] < means[3],
        "mean membrane DAB OD by class (none, faint, weak-moderate, intense): {means:?}"
    );
    assert!(
        means[3] > 1.3 * means[2] && means[2] > 1.3 * means[1],
        "{means:?}"
    );
}

#[test]
fn one_rendered_nucleus_per_listed_cell() {
    let s = slide(Her2Class::Equivocal2WeakComplete, 5);
    let deconv = deconvolver(&s);
    let image = s.render_region(0, 0, 2048, 1536);
    let (w, h) = (2048usize, 1536usize);
    let dark: Vec<bool> = image.pixels().map(|p| deconv(p.0).0 > 0.3).collect();
    // Connected components (4-neighbour) of nucleus pixels, ignoring specks under 6 px.
    let mut seen = vec![false; w * h];
    let mut blobs = 0;
    for start in 0..w * h {
        if !dark[start] || seen[start] {
            continue;
        }
        let (mut stack, mut size) = (vec![start], 0);
        seen[start] = true;
        while let Some(k) = stack.pop() {
            size += 1;
            let (x, y) = (k % w, k / w);
            let mut push = |n: usize| {
                if dark[n] && !seen[n] {
                    seen[n] = true;
                    stack.push(n);
                }
            };
            if x > 0 {
                push(k - 1);
            }
            if x + 1 < w {
                push(k + 1);
            }
            if y > 0 {
                push(k - w);
            }
            if y + 1 < h {
                push(k + w);
            }
        }
        blobs += usize::from(size >= 6);
    }
    let listed = s.cells_in(0, 0, 2048, 1536).len();
    let diff = (blobs as f64 - listed as f64).abs() / listed as f64;
    assert!(
        diff < 0.02,
        "{blobs} nuclei rendered, {listed} cells listed"
    );
}
