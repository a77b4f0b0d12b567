//! Every kind of bad input gets its own clear error naming the file (real negative files from
//! openslide-python's test suite, plus files written here).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::external;
use wsi_io::{Mpp, OpenOptions, WsiError, open, open_with};

fn err_of(result: wsi_io::Result<Box<dyn wsi_io::Slide>>) -> WsiError {
    match result {
        Ok(slide) => panic!("{} opened but should not have", slide.path().display()),
        Err(e) => e,
    }
}

#[test]
fn missing_file() {
    let err = err_of(open("/nonexistent/dir/slide.svs"));
    assert!(matches!(err, WsiError::NotFound { .. }), "{err:?}");
    assert_eq!(err.to_string(), "/nonexistent/dir/slide.svs: no such file");
}

#[test]
fn text_file_is_not_a_slide() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.svs");
    std::fs::write(&path, "these are not pixels\n").unwrap();
    let err = err_of(open(&path));
    assert!(matches!(err, WsiError::NotASlide { .. }), "{err:?}");
    assert!(err.to_string().contains("notes.svs"), "{err}");
    let err = err_of(open(dir.path()));
    assert!(matches!(err, WsiError::NotASlide { .. }), "{err:?}");
}

#[test]
fn unopenable_tiff_is_an_unsupported_format() {
    // OpenSlide recognises it as a TIFF slide but cannot open it (unknown compression 52479).
    let path = external("unopenable.tiff");
    let err = err_of(open(&path));
    assert!(matches!(err, WsiError::Unsupported { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("unopenable.tiff") && text.contains("52479"),
        "{text}"
    );
}

#[test]
fn unreadable_svs_opens_but_its_tile_is_corrupt() {
    let path = external("unreadable.svs");
    let slide = open(&path).unwrap();
    assert_eq!(slide.vendor().as_deref(), Some("aperio"));
    let err = slide.read_region(0, 0, 0, 16, 16).unwrap_err();
    assert!(matches!(err, WsiError::Corrupt { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.contains("unreadable.svs") && text.contains("region x=0 y=0"),
        "{text}"
    );
}

#[test]
fn other_image_formats_and_slide_formats_are_unsupported() {
    let dir = tempfile::tempdir().unwrap();
    let gif = dir.path().join("anim.gif");
    std::fs::write(&gif, b"GIF89a\x01\x00\x01\x00\x00\x00\x00;").unwrap();
    let err = err_of(open(&gif));
    assert!(matches!(err, WsiError::Unsupported { .. }), "{err:?}");
    assert!(err.to_string().contains("Gif"), "{err}");
    let dcm = dir.path().join("slide.dcm");
    std::fs::write(&dcm, vec![0u8; 256]).unwrap();
    let err = err_of(open(&dcm));
    assert!(matches!(err, WsiError::Unsupported { .. }), "{err:?}");
}

#[test]
fn truncated_png_is_corrupt() {
    let bytes = std::fs::read(external("ihc.png")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.png");
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    let err = err_of(open(&path));
    assert!(matches!(err, WsiError::Corrupt { .. }), "{err:?}");
    assert!(err.to_string().contains("cut.png"), "{err}");
}

#[test]
fn regions_out_of_bounds() {
    let slide = open(external("cmu_small_region.svs")).unwrap();
    for (x, y, level) in [(2220, 0, 0), (0, 2967, 0), (-1, 0, 0), (0, 0, 1)] {
        let err = slide.read_region(x, y, level, 16, 16).unwrap_err();
        assert!(
            matches!(err, WsiError::OutOfBounds { .. }),
            "{x},{y},{level}: {err:?}"
        );
        assert!(err.to_string().contains("cmu_small_region.svs"), "{err}");
    }
}

#[test]
fn zero_and_absurd_sizes_are_refused() {
    let path = external("cmu_small_region.svs");
    let slide = open(&path).unwrap();
    let err = slide.read_region(0, 0, 0, 0, 10).unwrap_err();
    assert!(matches!(err, WsiError::BadSize { .. }), "{err:?}");
    // 100 000 x 100 000 would be 40 GB: refused by the default budget before allocating.
    let err = slide.read_region(0, 0, 0, 100_000, 100_000).unwrap_err();
    assert!(matches!(err, WsiError::BadSize { .. }), "{err:?}");
    assert!(err.to_string().contains("read budget"), "{err}");
    let tight = OpenOptions {
        max_read_pixels: 1000,
        ..OpenOptions::default()
    };
    let slide = open_with(&path, &tight).unwrap();
    assert!(slide.read_region(0, 0, 0, 40, 25).is_ok());
    assert!(matches!(
        slide.read_region(0, 0, 0, 40, 26),
        Err(WsiError::BadSize { .. })
    ));
    assert!(matches!(slide.thumbnail(0), Err(WsiError::BadSize { .. })));
}

#[test]
fn invalid_options() {
    let err = err_of(open_with(
        external("small.svs"),
        &OpenOptions::with_mpp(Mpp::square(-0.5)),
    ));
    assert!(matches!(err, WsiError::InvalidParameter(_)), "{err:?}");
}
