//! The OpenSlide backend on real slides nobody here wrote (fetched by scripts/fetch-test-data).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::external;
use wsi_io::{AssociatedKind, Mpp, OpenOptions, OpenSlideSlide, Slide};

fn open(name: &str) -> OpenSlideSlide {
    OpenSlideSlide::open(external(name), &OpenOptions::default()).unwrap()
}

fn pixel(slide: &dyn Slide, x: i64, y: i64) -> [u8; 3] {
    slide.read_region(x, y, 0, 1, 1).unwrap().get_pixel(0, 0).0
}

#[test]
fn small_svs_is_a_20x_aperio_crop() {
    let s = open("small.svs");
    assert_eq!(s.vendor().as_deref(), Some("aperio"));
    assert_eq!(s.level_count(), 1);
    assert_eq!(s.dimensions(), (16, 16));
    assert_eq!(s.mpp(), Some(Mpp::square(0.499)));
    assert_eq!(s.objective_power(), Some(20.0));
    assert_eq!(s.properties()["aperio.AppMag"], "20");
    assert_eq!(s.associated_kinds(), vec![AssociatedKind::Thumbnail]);
    let thumb = s
        .associated_image(AssociatedKind::Thumbnail)
        .unwrap()
        .unwrap();
    assert_eq!(thumb.dimensions(), (16, 16));
    assert_eq!(s.associated_image(AssociatedKind::Label).unwrap(), None);
}

#[test]
fn small_svs_pixels_match_openslide_python() {
    // Reference values: openslide-python 1.4.7 read_region on the same file.
    let s = open("small.svs");
    let region = s.read_region(0, 0, 0, 4, 2).unwrap();
    let expected = [
        [
            [245, 243, 252],
            [244, 243, 234],
            [247, 247, 232],
            [252, 252, 247],
        ],
        [
            [249, 240, 251],
            [248, 241, 235],
            [248, 245, 233],
            [249, 249, 246],
        ],
    ];
    for (y, row) in expected.iter().enumerate() {
        for (x, px) in row.iter().enumerate() {
            assert_eq!(&region.get_pixel(x as u32, y as u32).0, px, "pixel {x},{y}");
        }
    }
    assert_eq!(pixel(&s, 15, 15), [234, 238, 248]);
}

#[test]
fn cmu_small_region_properties() {
    let s = open("cmu_small_region.svs");
    assert_eq!(s.vendor().as_deref(), Some("aperio"));
    assert_eq!(s.dimensions(), (2220, 2967));
    assert_eq!(s.level_count(), 1);
    assert_eq!(s.level_downsample(0), Some(1.0));
    assert_eq!(s.level_downsample(1), None);
    assert_eq!(s.mpp(), Some(Mpp::square(0.499)));
    assert_eq!(s.objective_power(), Some(20.0));
    assert_eq!(
        s.associated_kinds(),
        vec![
            AssociatedKind::Label,
            AssociatedKind::Macro,
            AssociatedKind::Thumbnail
        ]
    );
    let sizes: Vec<(u32, u32)> = AssociatedKind::ALL
        .iter()
        .map(|k| s.associated_image(*k).unwrap().unwrap().dimensions())
        .collect();
    assert_eq!(sizes, vec![(387, 463), (1280, 431), (574, 768)]);
}

#[test]
fn cmu_small_region_pixels_match_openslide_python() {
    let s = open("cmu_small_region.svs");
    let r = s.read_region(0, 0, 0, 4, 1).unwrap();
    let row: Vec<[u8; 3]> = r.pixels().map(|p| p.0).collect();
    assert_eq!(
        row,
        vec![
            [221, 182, 221],
            [255, 172, 196],
            [158, 141, 164],
            [23, 137, 147]
        ]
    );
    let r = s.read_region(1000, 1500, 0, 3, 1).unwrap();
    let row: Vec<[u8; 3]> = r.pixels().map(|p| p.0).collect();
    assert_eq!(row, vec![[245, 241, 255], [247, 255, 244], [246, 250, 241]]);
}

#[test]
fn transparent_pixels_past_the_edge_come_back_white() {
    // OpenSlide returns the 8 columns right of x = 2219 as fully transparent ARGB (0,0,0,0).
    let s = open("cmu_small_region.svs");
    let r = s.read_region(2212, 0, 0, 16, 2).unwrap();
    assert_eq!(r.get_pixel(0, 0).0, [243, 243, 243]);
    assert_eq!(r.get_pixel(7, 0).0, [246, 246, 246]);
    for x in 8..16 {
        assert_eq!(r.get_pixel(x, 0).0, [255, 255, 255], "column {x}");
        assert_eq!(r.get_pixel(x, 1).0, [255, 255, 255], "column {x}");
    }
}

#[test]
fn boxes_tiff_is_a_generic_four_level_pyramid() {
    let s = open("boxes.tiff");
    assert_eq!(s.vendor().as_deref(), Some("generic-tiff"));
    assert_eq!(s.level_count(), 4);
    let dims: Vec<(u64, u64)> = (0..4).map(|l| s.level_dimensions(l).unwrap()).collect();
    assert_eq!(dims, vec![(300, 250), (150, 125), (75, 62), (37, 31)]);
    let ds: Vec<f64> = (0..4).map(|l| s.level_downsample(l).unwrap()).collect();
    assert_eq!(ds[1], 2.0);
    assert!(
        (ds[2] - 4.016129).abs() < 1e-5 && (ds[3] - 8.086312).abs() < 1e-5,
        "{ds:?}"
    );
    // Its 72 dpi resolution tag is no microscope resolution: no MPP, whatever OpenSlide says.
    assert_eq!(s.mpp(), None);
    assert_eq!(s.objective_power(), None);
    assert!(s.associated_kinds().is_empty());
    assert_eq!(s.best_level_for_downsample(0.5), 0);
    assert_eq!(s.best_level_for_downsample(3.0), 1);
    assert_eq!(s.best_level_for_downsample(5.0), 2);
    assert_eq!(s.best_level_for_downsample(100.0), 3);
}

#[test]
fn boxes_tiff_pixels_at_several_levels() {
    let s = open("boxes.tiff");
    // Level 0: white background, a red, a blue and a green box (same pixels as boxes.png).
    assert_eq!(pixel(&s, 0, 0), [255, 255, 255]);
    assert_eq!(pixel(&s, 50, 60), [255, 0, 0]);
    assert_eq!(pixel(&s, 100, 150), [0, 0, 255]);
    assert_eq!(pixel(&s, 250, 150), [0, 255, 0]);
    // Level 1 (downsample 2): level-0 coordinates, level pixels.
    let l1 = s.read_region(200, 100, 1, 10, 10).unwrap();
    assert_eq!(l1.get_pixel(5, 5).0, pixel(&s, 210, 110));
    let whole = s.read_region(0, 0, 3, 37, 31).unwrap();
    assert_eq!(whole.get_pixel(0, 0).0, [255, 255, 255]);
}

#[test]
fn thumbnails_keep_the_aspect_ratio_and_the_colours() {
    let s = open("cmu_small_region.svs");
    let thumb = s.thumbnail(256).unwrap();
    assert_eq!(thumb.dimensions(), (192, 256));
    let mean = |img: &image::RgbImage| {
        let n = f64::from(img.width() * img.height());
        let sum = img.pixels().fold([0f64; 3], |mut acc, p| {
            (0..3).for_each(|c| acc[c] += f64::from(p.0[c]));
            acc
        });
        sum.map(|v| v / n)
    };
    let full = mean(&s.read_region(0, 0, 0, 2220, 2967).unwrap());
    let small = mean(&thumb);
    for c in 0..3 {
        assert!(
            (full[c] - small[c]).abs() < 2.0,
            "channel {c}: {full:?} vs {small:?}"
        );
    }
    // Boxes: the thumbnail comes from the coarsest level finer than asked (level 2 for 50 px).
    let boxes = open("boxes.tiff");
    let t = boxes.thumbnail(50).unwrap();
    assert_eq!(t.dimensions(), (50, 42));
    assert_eq!(t.get_pixel(0, 0).0, [255, 255, 255]);
    // Asking for more than level 0 never upscales.
    assert_eq!(boxes.thumbnail(10_000).unwrap().dimensions(), (300, 250));
}

#[test]
fn thumbnails_are_read_in_bands_under_a_small_budget() {
    let options = OpenOptions {
        max_read_pixels: 2220 * 64,
        ..OpenOptions::default()
    };
    let banded = OpenSlideSlide::open(external("cmu_small_region.svs"), &options).unwrap();
    let whole = open("cmu_small_region.svs");
    let (a, b) = (
        banded.thumbnail(300).unwrap(),
        whole.thumbnail(300).unwrap(),
    );
    assert_eq!(a.dimensions(), b.dimensions());
    // Bands blend only at their seams: nearly every pixel is the same.
    let diff: u32 = a
        .pixels()
        .zip(b.pixels())
        .map(|(p, q)| {
            (0..3)
                .map(|c| u32::from(p.0[c].abs_diff(q.0[c])))
                .sum::<u32>()
        })
        .sum();
    let mean_diff = f64::from(diff) / f64::from(a.width() * a.height() * 3);
    assert!(mean_diff < 1.0, "mean difference {mean_diff}");
}

#[test]
fn mpp_override_wins_over_the_file() {
    let s = OpenSlideSlide::open(
        external("boxes.tiff"),
        &OpenOptions::with_mpp(Mpp { x: 0.25, y: 0.26 }),
    )
    .unwrap();
    assert_eq!(s.mpp(), Some(Mpp { x: 0.25, y: 0.26 }));
}
