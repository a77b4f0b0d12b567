//! [`OpenSlideSlide`]: whole-slide files (SVS, NDPI, MRXS, SCN, generic tiled TIFF, ...) through
//! the system libopenslide (3.4.1 or 4.x) and `openslide-rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use image::RgbImage;
use openslide_rs::errors::OpenSlideError;
use openslide_rs::{Address, OpenSlide, Region, Size};

use crate::direct::DirectTiles;
use crate::error::{Result, WsiError};
use crate::options::OpenOptions;
use crate::pixels::premultiplied_argb_to_rgb_on_white;
use crate::properties::{mpp_from_properties, objective_power_from_properties};
use crate::request::check_read;
use crate::slide::{AssociatedKind, Mpp, Slide};

/// A slide read by libopenslide.
///
/// `Send + Sync`: libopenslide documents every call except `openslide_close` as thread-safe,
/// and `openslide-rs` closes only on drop. Share one handle between threads (e.g. in an `Arc`
/// or by reference inside `rayon::scope`); OpenSlide decodes tiles in parallel and shares its
/// tile cache. Note that OpenSlide puts a handle into a permanent error state after a failed
/// read (a corrupt tile): every later read of that handle fails too.
#[derive(Debug)]
pub struct OpenSlideSlide {
    inner: OpenSlide,
    path: PathBuf,
    vendor: Option<String>,
    properties: BTreeMap<String, String>,
    mpp: Option<Mpp>,
    objective_power: Option<f64>,
    associated: Vec<(AssociatedKind, String)>,
    level_dimensions: Vec<(u64, u64)>,
    level_downsamples: Vec<f64>,
    max_read_pixels: u64,
    /// The levels read without OpenSlide (see [`OpenOptions::direct_jpeg_tiles`]).
    direct: Option<DirectTiles>,
}

/// Maps an OpenSlide error during a read of `what` to a [`WsiError::Corrupt`].
fn corrupt(path: &Path, what: String, err: &OpenSlideError) -> WsiError {
    WsiError::Corrupt {
        path: path.to_path_buf(),
        what,
        reason: err.to_string(),
    }
}

impl OpenSlideSlide {
    /// The vendor OpenSlide detects for `path` (`aperio`, `generic-tiff`, ...), or `None` when
    /// OpenSlide does not recognise the file. Cheap: reads only the header.
    pub fn detect_vendor(path: &Path) -> Option<String> {
        OpenSlide::detect_vendor(path).ok()
    }

    /// The levels whose reads bypass OpenSlide and decode the file's JPEG tiles directly
    /// ([`OpenOptions::direct_jpeg_tiles`]); empty when every read goes through OpenSlide.
    pub fn direct_levels(&self) -> Vec<usize> {
        self.direct
            .as_ref()
            .map_or_else(Vec::new, DirectTiles::levels)
    }

    /// The libopenslide version this process is linked with (e.g. `3.4.1`).
    pub fn library_version() -> Option<String> {
        OpenSlide::version().ok()
    }

    /// Opens `path` with libopenslide.
    ///
    /// Errors: [`WsiError::NotFound`], [`WsiError::NotASlide`] when OpenSlide does not
    /// recognise the file, [`WsiError::Unsupported`] when it recognises but cannot open it
    /// (e.g. an unknown TIFF compression), [`WsiError::InvalidParameter`] for bad `options`.
    pub fn open(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Self> {
        let path = path.as_ref();
        options.validate()?;
        if !path.exists() {
            return Err(WsiError::NotFound {
                path: path.to_path_buf(),
            });
        }
        let Some(vendor) = Self::detect_vendor(path) else {
            return Err(WsiError::NotASlide {
                path: path.to_path_buf(),
                reason: "OpenSlide does not recognise the file".to_owned(),
            });
        };
        let inner = OpenSlide::new(path).map_err(|e| WsiError::Unsupported {
            path: path.to_path_buf(),
            reason: format!("OpenSlide recognises a {vendor} file but cannot open it: {e}"),
        })?;
        let properties: BTreeMap<String, String> = inner
            .property_names()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|name| inner.property_value(&name).ok().map(|v| (name, v)))
            .collect();
        let associated = inner
            .associated_image_names()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|name| AssociatedKind::from_name(&name).map(|kind| (kind, name)))
            .collect();
        let level_dimensions = inner
            .all_level_dimensions()
            .iter()
            .map(|s| (u64::from(s.w), u64::from(s.h)))
            .collect::<Vec<_>>();
        if level_dimensions.is_empty() || level_dimensions[0].0 == 0 || level_dimensions[0].1 == 0 {
            return Err(WsiError::Unsupported {
                path: path.to_path_buf(),
                reason: "OpenSlide reports no pixels (no level or an empty level 0)".to_owned(),
            });
        }
        let level_downsamples = inner.all_level_downsamples().to_vec();
        let direct = (options.direct_jpeg_tiles
            && matches!(vendor.as_str(), "aperio" | "generic-tiff"))
        .then(|| DirectTiles::open(path, &level_dimensions, &level_downsamples))
        .flatten();
        Ok(Self {
            path: path.to_path_buf(),
            vendor: properties.get("openslide.vendor").cloned().or(Some(vendor)),
            mpp: options.mpp.or_else(|| mpp_from_properties(&properties)),
            objective_power: objective_power_from_properties(&properties),
            level_downsamples,
            direct,
            level_dimensions,
            associated,
            properties,
            max_read_pixels: options.max_read_pixels,
            inner,
        })
    }
}

impl Slide for OpenSlideSlide {
    fn path(&self) -> &Path {
        &self.path
    }

    fn level_count(&self) -> usize {
        self.level_dimensions.len()
    }

    fn level_dimensions(&self, level: usize) -> Option<(u64, u64)> {
        self.level_dimensions.get(level).copied()
    }

    fn level_downsample(&self, level: usize) -> Option<f64> {
        self.level_downsamples.get(level).copied()
    }

    fn mpp(&self) -> Option<Mpp> {
        self.mpp
    }

    fn objective_power(&self) -> Option<f64> {
        self.objective_power
    }

    fn vendor(&self) -> Option<String> {
        self.vendor.clone()
    }

    fn properties(&self) -> BTreeMap<String, String> {
        self.properties.clone()
    }

    fn associated_kinds(&self) -> Vec<AssociatedKind> {
        self.associated.iter().map(|(kind, _)| *kind).collect()
    }

    fn associated_image(&self, kind: AssociatedKind) -> Result<Option<RgbImage>> {
        let Some((_, name)) = self.associated.iter().find(|(k, _)| *k == kind) else {
            return Ok(None);
        };
        let what = || format!("associated image {name}");
        let size = self
            .inner
            .associated_image_dimensions(name)
            .map_err(|e| corrupt(&self.path, what(), &e))?;
        if u64::from(size.w) * u64::from(size.h) > self.max_read_pixels {
            return Err(WsiError::BadSize {
                path: self.path.clone(),
                w: u64::from(size.w),
                h: u64::from(size.h),
                reason: format!("{} is above the read budget", what()),
            });
        }
        let (size, argb) = self
            .inner
            .read_associated_buffer(name)
            .map_err(|e| corrupt(&self.path, what(), &e))?;
        let rgb = premultiplied_argb_to_rgb_on_white(&argb);
        RgbImage::from_raw(size.w, size.h, rgb)
            .map(Some)
            .ok_or_else(|| WsiError::Corrupt {
                path: self.path.clone(),
                what: what(),
                reason: "OpenSlide returned a buffer of the wrong size".to_owned(),
            })
    }

    fn read_region(&self, x: i64, y: i64, level: usize, w: u32, h: u32) -> Result<RgbImage> {
        check_read(self, x, y, level, w, h)?;
        let what = || format!("region x={x} y={y} {w}x{h} at level {level}");
        let bad_coordinate = || WsiError::OutOfBounds {
            path: self.path.clone(),
            x,
            y,
            level,
            w,
            h,
            reason: "coordinates beyond OpenSlide's 32-bit range".to_owned(),
        };
        if let Some(direct) = &self.direct
            && let Some(region) = direct.read_region(x, y, level, w, h)?
        {
            return Ok(region);
        }
        let region = Region {
            size: Size { w, h },
            level: u32::try_from(level).map_err(|_| bad_coordinate())?,
            address: Address {
                x: u32::try_from(x).map_err(|_| bad_coordinate())?,
                y: u32::try_from(y).map_err(|_| bad_coordinate())?,
            },
        };
        let argb = self
            .inner
            .read_region(&region)
            .map_err(|e| corrupt(&self.path, what(), &e))?;
        RgbImage::from_raw(w, h, premultiplied_argb_to_rgb_on_white(&argb)).ok_or_else(|| {
            WsiError::Corrupt {
                path: self.path.clone(),
                what: what(),
                reason: "OpenSlide returned a buffer of the wrong size".to_owned(),
            }
        })
    }

    fn max_read_pixels(&self) -> u64 {
        self.max_read_pixels
    }
}
