//! Misuse of the pyramid writer gives clear errors naming the file, and never leaves a
//! partial file behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod writer_support;

use image::RgbImage;
use writer_support::{files_in, tissue_like};
use wsi_io::WsiError;
use wsi_io::{Compression, PyramidWriter, WriterOptions, write_pyramid};

fn lossless() -> WriterOptions {
    WriterOptions {
        compression: Compression::Deflate,
        ..Default::default()
    }
}

#[test]
fn a_strip_of_the_wrong_width_is_refused_with_the_expected_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.svs");
    let mut writer = PyramidWriter::create(&path, 500, 600, lossless()).unwrap();
    let err = writer.write_strip(&RgbImage::new(499, 256)).unwrap_err();
    assert!(matches!(err, WsiError::InvalidParameter(_)));
    let msg = err.to_string();
    assert!(
        msg.contains("w.svs") && msg.contains("499x256") && msg.contains("500x256"),
        "{msg}"
    );
}

#[test]
fn strips_must_be_tile_high_except_the_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.svs");
    let mut writer = PyramidWriter::create(&path, 100, 600, lossless()).unwrap();
    let msg = writer
        .write_strip(&RgbImage::new(100, 100))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("strip 0") && msg.contains("100x256"), "{msg}");
    writer.write_strip(&RgbImage::new(100, 256)).unwrap();
    writer.write_strip(&RgbImage::new(100, 256)).unwrap();
    // 88 rows remain: a full-height strip is too tall now.
    let msg = writer
        .write_strip(&RgbImage::new(100, 256))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("strip 2") && msg.contains("100x88"), "{msg}");
    writer.write_strip(&RgbImage::new(100, 88)).unwrap();
    let msg = writer
        .write_strip(&RgbImage::new(100, 1))
        .unwrap_err()
        .to_string();
    assert!(msg.contains("already written"), "{msg}");
    writer.finish().unwrap();
    assert_eq!(files_in(dir.path()), ["h.svs"]);
}

#[test]
fn dropping_an_unfinished_writer_leaves_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dropped.svs");
    let mut writer = PyramidWriter::create(&path, 300, 600, lossless()).unwrap();
    writer.write_strip(&tissue_like(300, 256)).unwrap();
    assert_eq!(
        files_in(dir.path()).len(),
        1,
        "the temporary file exists while writing"
    );
    assert!(!path.exists(), "the target appears only on finish");
    drop(writer);
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn finishing_early_is_an_error_and_keeps_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("early.svs");
    std::fs::write(&path, b"previous contents").unwrap();
    let mut writer = PyramidWriter::create(&path, 300, 600, lossless()).unwrap();
    writer.write_strip(&tissue_like(300, 256)).unwrap();
    let msg = writer.finish().unwrap_err().to_string();
    assert!(
        msg.contains("early.svs") && msg.contains("256 of 600 rows"),
        "{msg}"
    );
    assert_eq!(files_in(dir.path()), ["early.svs"]);
    assert_eq!(std::fs::read(&path).unwrap(), b"previous contents");
}

#[test]
fn bad_sizes_and_options_are_refused_before_any_file_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.svs");
    let cases = [
        (0, 10, WriterOptions::default(), "0x10"),
        (10, 0, WriterOptions::default(), "10x0"),
        (2_000_000, 10, WriterOptions::default(), "2000000x10"),
        (
            10,
            10,
            WriterOptions {
                tile_size: 200,
                ..Default::default()
            },
            "tile_size",
        ),
        (
            10,
            10,
            WriterOptions {
                mpp: Some(0.0),
                ..Default::default()
            },
            "mpp",
        ),
    ];
    for (w, h, options, needle) in cases {
        let msg = PyramidWriter::create(&path, w, h, options)
            .err()
            .unwrap()
            .to_string();
        assert!(msg.contains(needle), "{msg} should mention {needle}");
    }
    assert!(files_in(dir.path()).is_empty());
}

#[test]
fn a_missing_folder_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/folder/x.svs");
    let err = write_pyramid(&path, &tissue_like(10, 10), &WriterOptions::default()).unwrap_err();
    assert!(matches!(err, WsiError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("no/such/folder/x.svs"), "{err}");
}

#[test]
fn an_existing_target_is_replaced_on_finish() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("replace.svs");
    std::fs::write(&path, b"old").unwrap();
    write_pyramid(&path, &tissue_like(40, 40), &lossless()).unwrap();
    assert_eq!(&std::fs::read(&path).unwrap()[..2], b"II");
    assert_eq!(files_in(dir.path()), ["replace.svs"]);
}
