//! Shared helpers for the her2 criterion benches (inputs built once, reused across stages).

use image::RgbImage;

/// scikit-image's real IHC image (`fixtures/external/ihc.png`, 512 x 512), the texture the
/// benches tile into larger inputs. Panics with the fix when `scripts/fetch-test-data` has not
/// been run (benches, not library code).
pub fn ihc_tile() -> RgbImage {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/external/ihc.png");
    match image::open(&path) {
        Ok(image) => image.to_rgb8(),
        Err(e) => panic!("{}: {e}; run scripts/fetch-test-data first", path.display()),
    }
}
