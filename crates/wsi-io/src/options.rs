//! [`OpenOptions`]: how a slide is opened (MPP override, read budget).

use crate::error::{Result, WsiError};
use crate::slide::Mpp;

/// Options for [`open_with`](crate::open_with) and the backends' `open` functions.
///
/// Serde-serialisable so pipelines can keep it in their config files.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct OpenOptions {
    /// Level-0 microns per pixel to use instead of what the file states (needed for plain
    /// images and for slides that state none). `None`: the file's own value, if any.
    pub mpp: Option<Mpp>,
    /// The largest single read in pixels (`w * h`); bigger requests fail with
    /// [`WsiError::BadSize`] instead of allocating gigabytes. Default 64 Mi pixels (192 MiB RGB).
    pub max_read_pixels: u64,
    /// Decode the JPEG tiles of Aperio SVS and generic tiled TIFF levels in this process
    /// instead of through OpenSlide, where the result is the region OpenSlide would paint
    /// (whole level pixels of an 8-bit RGB/YCbCr JPEG level). Faster (`docs/benchmarks.md`);
    /// pixels may differ from OpenSlide's by JPEG decoder rounding. Default `true`.
    pub direct_jpeg_tiles: bool,
}

impl OpenOptions {
    /// Default read budget: 64 Mi pixels, e.g. one 8192 x 8192 region.
    pub const DEFAULT_MAX_READ_PIXELS: u64 = 64 * 1024 * 1024;

    /// Options with an MPP override and the default read budget.
    pub fn with_mpp(mpp: Mpp) -> Self {
        Self {
            mpp: Some(mpp),
            ..Self::default()
        }
    }

    /// Checks the values: an MPP must be finite and positive, the budget non-zero.
    pub fn validate(&self) -> Result<()> {
        if let Some(mpp) = self.mpp
            && !(mpp.x.is_finite() && mpp.y.is_finite() && mpp.x > 0.0 && mpp.y > 0.0)
        {
            return Err(WsiError::InvalidParameter(format!(
                "microns per pixel must be finite and positive, got {} x {}",
                mpp.x, mpp.y
            )));
        }
        if self.max_read_pixels == 0 {
            return Err(WsiError::InvalidParameter(
                "max_read_pixels must be at least 1".to_owned(),
            ));
        }
        Ok(())
    }
}

impl Default for OpenOptions {
    fn default() -> Self {
        Self {
            mpp: None,
            max_read_pixels: Self::DEFAULT_MAX_READ_PIXELS,
            direct_jpeg_tiles: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_validation() {
        let d = OpenOptions::default();
        assert_eq!(d.mpp, None);
        assert_eq!(d.max_read_pixels, 8192 * 8192);
        assert!(d.direct_jpeg_tiles);
        assert!(d.validate().is_ok());
        assert!(OpenOptions::with_mpp(Mpp::square(0.25)).validate().is_ok());
        assert!(OpenOptions::with_mpp(Mpp::square(0.0)).validate().is_err());
        assert!(
            OpenOptions::with_mpp(Mpp::square(f64::NAN))
                .validate()
                .is_err()
        );
        let zero = OpenOptions {
            max_read_pixels: 0,
            ..d
        };
        assert!(zero.validate().is_err());
    }

    #[test]
    fn serde_round_trip_with_defaults_for_missing_fields() {
        let o: OpenOptions = serde_json::from_str(r#"{"mpp":{"x":0.5,"y":0.5}}"#).unwrap();
        assert_eq!(o, OpenOptions::with_mpp(Mpp::square(0.5)));
        let text = serde_json::to_string(&o).unwrap();
        assert_eq!(serde_json::from_str::<OpenOptions>(&text).unwrap(), o);
    }
}
