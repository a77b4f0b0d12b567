//! Round trips: files from the pyramid writer, read back by the system libopenslide.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod writer_support;

use openslide_rs::OpenSlide;
use writer_support::{abs_error, box_halve, property, read_level, tissue_like, write_in_strips};
use wsi_io::{BigTiff, Compression, WriterOptions, write_pyramid};

#[test]
fn lossless_deflate_is_pixel_exact_on_every_level() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deflate.svs");
    // Not a multiple of the tile size on either axis.
    let image = tissue_like(1000, 700);
    let options = WriterOptions {
        compression: Compression::Deflate,
        min_level_side: 128,
        ..Default::default()
    };
    write_in_strips(&path, &image, &options);

    let slide = OpenSlide::new(&path).unwrap();
    let dims: Vec<(u32, u32)> = slide
        .all_level_dimensions()
        .iter()
        .map(|s| (s.w, s.h))
        .collect();
    assert_eq!(dims, [(1000, 700), (500, 350), (250, 175), (125, 88)]);
    for (level, downsample) in slide.all_level_downsamples().iter().enumerate() {
        let expected = f64::from(1u32 << level);
        assert!(
            (downsample / expected - 1.0).abs() < 0.01,
            "level {level}: {downsample}"
        );
    }
    assert_eq!(read_level(&slide, 0), image, "level 0 must be exact");
    // Each level is the exact 2x2 box filter of the one above.
    let mut expected = image;
    for level in 1..slide.level_count() {
        expected = box_halve(&expected);
        assert_eq!(read_level(&slide, level), expected, "level {level}");
    }
}

#[test]
fn lossless_lzw_is_pixel_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("lzw.tif");
    let image = tissue_like(300, 530);
    let options = WriterOptions {
        compression: Compression::Lzw,
        tile_size: 128,
        min_level_side: 200,
        ..Default::default()
    };
    write_in_strips(&path, &image, &options);
    let slide = OpenSlide::new(&path).unwrap();
    assert_eq!(slide.level_count(), 3);
    assert_eq!(read_level(&slide, 0), image);
    assert_eq!(read_level(&slide, 1), box_halve(&image));
}

#[test]
fn jpeg_stays_within_tolerance_and_keeps_colours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jpeg.svs");
    let image = tissue_like(800, 600);
    write_in_strips(&path, &image, &WriterOptions::default());
    let slide = OpenSlide::new(&path).unwrap();
    let back = read_level(&slide, 0);
    let (mean, max) = abs_error(&back, &image);
    let p99 = writer_support::percentile_error(&back, &image, 0.99);
    // Stated tolerance for quality 90 without chroma subsampling on tissue-like content
    // (measured: mean 1.18, p99 4, max 44 at the aliased disc edges).
    assert!(mean < 2.0, "mean abs error {mean}");
    assert!(p99 <= 8, "99th percentile abs error {p99}");
    assert!(max <= 64, "max abs error {max}");
    // Colours come back as RGB (not YCbCr read as RGB): a DAB-brown disc centre and a
    // haematoxylin-blue one keep their hue within a few levels.
    for (x, y) in [(240, 240), (560, 360)] {
        let (a, b) = (back.get_pixel(x, y), image.get_pixel(x, y));
        for c in 0..3 {
            assert!(
                a[c].abs_diff(b[c]) <= 6,
                "pixel ({x},{y}): read {a:?}, wrote {b:?}"
            );
        }
    }
    let (mean1, _) = abs_error(&read_level(&slide, 1), &box_halve(&image));
    assert!(mean1 < 2.0, "level 1 mean abs error {mean1}");
}

#[test]
fn aperio_vendor_resolution_and_magnification_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("20x.svs");
    let options = WriterOptions {
        mpp: Some(0.5),
        app_mag: Some(20.0),
        ..Default::default()
    };
    write_pyramid(&path, &tissue_like(600, 400), &options).unwrap();
    assert_eq!(OpenSlide::detect_vendor(&path).unwrap(), "aperio");
    let slide = OpenSlide::new(&path).unwrap();
    assert_eq!(
        property(&slide, "openslide.vendor").as_deref(),
        Some("aperio")
    );
    assert_eq!(property(&slide, "openslide.mpp-x").as_deref(), Some("0.5"));
    assert_eq!(property(&slide, "openslide.mpp-y").as_deref(), Some("0.5"));
    assert_eq!(
        property(&slide, "openslide.objective-power").as_deref(),
        Some("20")
    );
    assert_eq!(property(&slide, "aperio.AppMag").as_deref(), Some("20"));
    assert_eq!(
        property(&slide, "tiff.ResolutionUnit").as_deref(),
        Some("centimeter")
    );
}

#[test]
fn a_40x_file_states_its_resolution_and_levels_match_downsamples() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("40x.svs");
    let options = WriterOptions {
        mpp: Some(0.25),
        app_mag: Some(40.0),
        min_level_side: 200,
        ..Default::default()
    };
    write_pyramid(&path, &tissue_like(1024, 768), &options).unwrap();
    let slide = OpenSlide::new(&path).unwrap();
    assert_eq!(property(&slide, "openslide.mpp-x").as_deref(), Some("0.25"));
    assert_eq!(
        property(&slide, "openslide.objective-power").as_deref(),
        Some("40")
    );
    // 0.5 um/px (20x) is a downsample of 2 from 0.25: level 1.
    assert_eq!(slide.level_count(), 4);
    assert_eq!(slide.best_level_for_downsample(2.0).unwrap(), 1);
}

#[test]
fn without_mpp_no_resolution_is_invented() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nompp.svs");
    write_pyramid(&path, &tissue_like(300, 300), &WriterOptions::default()).unwrap();
    let slide = OpenSlide::new(&path).unwrap();
    assert_eq!(
        property(&slide, "openslide.vendor").as_deref(),
        Some("aperio")
    );
    assert_eq!(property(&slide, "openslide.mpp-x"), None);
    assert_eq!(property(&slide, "openslide.objective-power"), None);
}

#[test]
fn bigtiff_always_opens_and_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.svs");
    let image = tissue_like(700, 333);
    let options = WriterOptions {
        compression: Compression::Deflate,
        bigtiff: BigTiff::Always,
        mpp: Some(0.5),
        min_level_side: 100,
        ..Default::default()
    };
    write_in_strips(&path, &image, &options);
    let header = std::fs::read(&path).unwrap();
    assert_eq!(&header[..4], b"II\x2b\x00", "BigTIFF magic");
    let slide = OpenSlide::new(&path).unwrap();
    assert_eq!(
        property(&slide, "openslide.vendor").as_deref(),
        Some("aperio")
    );
    assert_eq!(property(&slide, "openslide.mpp-x").as_deref(), Some("0.5"));
    assert_eq!(slide.level_count(), 4);
    assert_eq!(read_level(&slide, 0), image);
    assert_eq!(
        read_level(&slide, 3),
        box_halve(&box_halve(&box_halve(&image)))
    );
}

#[test]
fn auto_and_never_write_classic_tiff_for_small_files() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bigtiff) in [("auto.svs", BigTiff::Auto), ("never.svs", BigTiff::Never)] {
        let path = dir.path().join(name);
        let options = WriterOptions {
            bigtiff,
            ..Default::default()
        };
        write_pyramid(&path, &tissue_like(64, 64), &options).unwrap();
        assert_eq!(&std::fs::read(&path).unwrap()[..4], b"II\x2a\x00", "{name}");
        assert!(OpenSlide::new(&path).is_ok());
    }
}

#[test]
fn one_pixel_wide_and_tiny_images_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    for (w, h) in [(1, 600), (600, 1), (1, 1)] {
        let path = dir.path().join(format!("thin_{w}x{h}.tif"));
        let image = tissue_like(w, h);
        let options = WriterOptions {
            compression: Compression::Lzw,
            min_level_side: 256,
            ..Default::default()
        };
        write_in_strips(&path, &image, &options);
        let slide = OpenSlide::new(&path).unwrap();
        assert_eq!(read_level(&slide, 0), image, "{w}x{h}");
        let last = slide.level_count() - 1;
        let size = slide.level_dimensions(last).unwrap();
        assert!(
            size.w.max(size.h) <= 256 && size.w >= 1 && size.h >= 1,
            "{w}x{h}: {size:?}"
        );
    }
}

#[test]
fn streaming_and_whole_image_writes_give_identical_files() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.svs"), dir.path().join("b.svs"));
    let image = tissue_like(530, 300);
    let options = WriterOptions {
        mpp: Some(0.5),
        ..Default::default()
    };
    write_in_strips(&a, &image, &options);
    write_pyramid(&b, &image, &options).unwrap();
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}
