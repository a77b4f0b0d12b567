//! Stain features (stage 3), side by side with `/work/shared/peers/deconv.py` and
//! `/work/shared/peers/cells.py` (scikit-image and OpenCV).
//!
//! Input: the peers' mosaic (tiled `skimage.data.immunohistochemistry()`, random flips and
//! rotations) saved as a PNG and named by `STAIN_BENCH_IMAGE` (see docs/benchmarks.md for the
//! one-liner), or by default an `ihc-synth` 2+ region of 2048 x 2048.
//! Benchmarks:
//! - `deconvolution/{1,2}_threads`: 2048 x 2048 RGB -> three OD planes (scikit-image `rgb2hed`
//!   matrix and clipping), throughput in pixels;
//! - `edt_watershed_512`: exact EDT + peak markers + marker watershed on the H mask of one
//!   512 x 512 patch (the peers' "EDT + watershed" part);
//! - `segment_512`: the whole default segmenter (threshold, opening, holes, EDT, markers,
//!   watershed, components, size filter) on one patch's planes;
//! - `cells_16x512/{segment,deconvolve_segment}`: the same over all 16 patches of the image
//!   (as the peers' `cells.py --patches 16` averages its 16), from given planes and from RGB
//!   (deconvolution included, like the OpenCV pipeline), one thread, throughput in patches;
//! - `analyze_512/{1,2}_threads`: `StainAnalyzer::analyze` (deconvolution, brown, cells,
//!   membranes) on 16 patches of 512 x 512, throughput in patches;
//! - `analyze_in_context_576/{1,2}_threads`: what the slide pipeline does per patch since it
//!   reads 16 um of context: `analyze_in_context` of 16 windows of 576 x 576 (the 512 x 512
//!   patch in the middle), throughput in patches.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use her2::ihc_synth::{Her2Class, SynthConfig, SyntheticSlide};
use image::RgbImage;
use rayon::prelude::*;
use stain_features::internals::{open, otsu, split_touching};
use stain_features::{
    CellSegmenter, Deconvolver, PixelRect, SegmentationConfig, SegmentationMethod, Stain,
    StainAnalyzer, StainConfig, StainMatrix, StainPlanes, WatershedSegmenter,
};

const SIDE: u32 = 2048;
const PATCH: u32 = 512;
/// 16 um of context at 0.5 um/px on each side, as the slide pipeline reads it.
const CONTEXT: u32 = 32;
const MPP: f64 = 0.5;

fn input() -> RgbImage {
    if let Ok(path) = std::env::var("STAIN_BENCH_IMAGE") {
        let img = image::open(&path).expect("STAIN_BENCH_IMAGE").to_rgb8();
        assert!(
            img.width() >= SIDE && img.height() >= SIDE,
            "{path} < 2048^2"
        );
        return image::imageops::crop_imm(&img, 0, 0, SIDE, SIDE).to_image();
    }
    let mut cfg = SynthConfig::new(4096, 4096, Her2Class::Equivocal2WeakComplete, 11);
    cfg.control = false;
    let slide = SyntheticSlide::new(&cfg).unwrap();
    slide.render_region(1024, 1024, SIDE, SIDE)
}

fn patches(img: &RgbImage) -> Vec<RgbImage> {
    let mut out = Vec::new();
    for y in (0..img.height()).step_by(PATCH as usize) {
        for x in (0..img.width()).step_by(PATCH as usize) {
            out.push(image::imageops::crop_imm(img, x, y, PATCH, PATCH).to_image());
        }
    }
    out
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
}

/// The peers' EDT + watershed on a hematoxylin mask: EDT, peaks at least 5 px apart and 2 px
/// deep, watershed on the inverted distance inside the mask.
fn edt_watershed(mask: &[bool], w: usize, h: usize, config: &SegmentationConfig) -> usize {
    let labels = split_touching(mask, w, h, config, MPP).unwrap();
    labels.iter().filter(|&&l| l != 0).count()
}

fn bench(c: &mut Criterion) {
    let img = input();
    let deconvolver = Deconvolver::new(&StainMatrix::skimage_hed()).unwrap();
    let mut planes = StainPlanes::zeros(SIDE, SIDE, StainMatrix::skimage_hed().stains);

    let mut g = c.benchmark_group("deconvolution");
    g.throughput(Throughput::Elements(u64::from(SIDE) * u64::from(SIDE)));
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| p.install(|| deconvolver.deconvolve_into(&img, &mut planes)))
        });
    }
    g.finish();

    let tiles = patches(&img);
    let one = &tiles[5];
    let od10 = Deconvolver::od10(&StainMatrix::skimage_hed()).unwrap();
    let patch_planes = od10.deconvolve(one);
    let hem = patch_planes.plane(Stain::Hematoxylin).unwrap();
    let (w, h) = (PATCH as usize, PATCH as usize);
    let t = otsu(hem).unwrap_or(f32::INFINITY);
    let mask = open(&hem.iter().map(|&v| v > t).collect::<Vec<_>>(), w, h, 2).unwrap();
    let single = pool(1);
    // Defaults at 0.5 um/px: markers 5 px apart and 2 px deep, as the peers.
    let config = StainConfig::default().segmentation;
    c.bench_function("edt_watershed_512", |b| {
        b.iter(|| single.install(|| edt_watershed(&mask, w, h, &config)))
    });
    let global = WatershedSegmenter {
        config: SegmentationConfig {
            method: SegmentationMethod::GlobalThreshold,
            ..config.clone()
        },
    };
    c.bench_function("segment_512_global_threshold", |b| {
        b.iter(|| single.install(|| global.segment(one, &patch_planes, MPP).unwrap().count()))
    });
    // the default: the local-contrast detector for real hematoxylin
    let segmenter = WatershedSegmenter { config };
    c.bench_function("segment_512", |b| {
        b.iter(|| single.install(|| segmenter.segment(one, &patch_planes, MPP).unwrap().count()))
    });

    let all_planes: Vec<StainPlanes> = tiles.iter().map(|t| od10.deconvolve(t)).collect();
    let mut g = c.benchmark_group("cells_16x512");
    g.throughput(Throughput::Elements(tiles.len() as u64));
    g.bench_function("segment", |b| {
        b.iter(|| {
            single.install(|| {
                tiles
                    .iter()
                    .zip(&all_planes)
                    .map(|(t, p)| segmenter.segment(t, p, MPP).unwrap().count())
                    .sum::<u32>()
            })
        })
    });
    g.bench_function("deconvolve_segment", |b| {
        b.iter(|| {
            single.install(|| {
                tiles
                    .iter()
                    .map(|t| {
                        segmenter
                            .segment(t, &od10.deconvolve(t), MPP)
                            .unwrap()
                            .count()
                    })
                    .sum::<u32>()
            })
        })
    });
    g.finish();

    let analyzer = StainAnalyzer::new(StainConfig::default()).unwrap();
    per_patch_over_threads(c, "analyze_512", &tiles, |t| {
        analyzer.analyze(t, MPP).unwrap().cell_count
    });

    // 16 windows of 576^2 spread over the image (4 x 4, 488 px apart: all inside 2048^2)
    let side = PATCH + 2 * CONTEXT;
    let step = (SIDE - side) / 3;
    let windows: Vec<RgbImage> = (0..16)
        .map(|k| {
            let (x, y) = ((k % 4) * step, (k / 4) * step);
            image::imageops::crop_imm(&img, x, y, side, side).to_image()
        })
        .collect();
    let core = PixelRect::new(CONTEXT, CONTEXT, PATCH, PATCH);
    per_patch_over_threads(c, "analyze_in_context_576", &windows, |w| {
        analyzer
            .analyze_in_context(w, MPP, core)
            .unwrap()
            .cell_count
    });
}

/// `analyze` over all `patches` per iteration, in a pool of 1 and of 2 threads.
fn per_patch_over_threads(
    c: &mut Criterion,
    group: &str,
    patches: &[RgbImage],
    analyze: impl Fn(&RgbImage) -> u64 + Sync,
) {
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(patches.len() as u64));
    g.sample_size(10);
    for threads in [1, 2] {
        let p = pool(threads);
        g.bench_function(format!("{threads}_threads"), |b| {
            b.iter(|| p.install(|| patches.par_iter().map(&analyze).sum::<u64>()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
