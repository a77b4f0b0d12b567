//! The Aperio-style ImageDescription text that makes OpenSlide read the file as vendor
//! `aperio`: it detects the vendor by the first directory's description starting with
//! `Aperio`, and reads the `key = value` fields after the first `|` as `aperio.*` properties
//! (`MPP` becomes `openslide.mpp-x/y`, `AppMag` becomes `openslide.objective-power`).

use super::options::{Compression, WriterOptions};

/// First line of every description, as written by Aperio's own library.
const PREFIX: &str = "Aperio Image Library v12.0.15 \r\n";

/// How the codec is named in the description, e.g. `JPEG/RGB Q=90`.
fn codec_label(compression: Compression) -> String {
    match compression {
        Compression::Jpeg { quality } => format!("JPEG/RGB Q={quality}"),
        Compression::Deflate => "Deflate/RGB".to_string(),
        Compression::Lzw => "LZW/RGB".to_string(),
    }
}

/// The description of pyramid level `level_size` of a `base_size` slide: level 0 carries the
/// metadata fields, lower levels say which size they were reduced to (as Aperio files do).
pub(crate) fn level_description(
    base_size: (u32, u32),
    level_size: (u32, u32),
    level: usize,
    options: &WriterOptions,
) -> String {
    let (w, h) = base_size;
    let t = options.tile_size;
    let codec = codec_label(options.compression);
    let mut text = format!("{PREFIX}{w}x{h} [0,0 {w}x{h}] ({t}x{t})");
    if level == 0 {
        text.push_str(&format!(" {codec}"));
        if let Some(mag) = options.app_mag {
            text.push_str(&format!("|AppMag = {mag}"));
        }
        if let Some(mpp) = options.mpp {
            text.push_str(&format!("|MPP = {mpp}"));
        }
    } else {
        text.push_str(&format!(" -> {}x{} {codec}", level_size.0, level_size.1));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_zero_carries_magnification_and_resolution() {
        let options = WriterOptions {
            mpp: Some(0.5),
            app_mag: Some(20.0),
            ..Default::default()
        };
        assert_eq!(
            level_description((3000, 2000), (3000, 2000), 0, &options),
            "Aperio Image Library v12.0.15 \r\n3000x2000 [0,0 3000x2000] (256x256) JPEG/RGB Q=90|AppMag = 20|MPP = 0.5"
        );
    }

    #[test]
    fn absent_metadata_is_left_out_not_invented() {
        let options = WriterOptions {
            compression: Compression::Lzw,
            ..Default::default()
        };
        let text = level_description((10, 20), (10, 20), 0, &options);
        assert!(text.starts_with("Aperio"));
        assert!(!text.contains("MPP") && !text.contains("AppMag"), "{text}");
        assert!(text.ends_with("LZW/RGB"));
    }

    #[test]
    fn lower_levels_name_their_size() {
        let options = WriterOptions {
            mpp: Some(0.25),
            ..Default::default()
        };
        let text = level_description((3000, 2001), (750, 501), 2, &options);
        assert!(
            text.ends_with("(256x256) -> 750x501 JPEG/RGB Q=90"),
            "{text}"
        );
        assert!(!text.contains("MPP"));
    }
}
