//! TIFF tag numbers and field values (TIFF 6.0, TIFF Technical Note 2), named once for the
//! pyramid writer and the direct tile reader.

/// Tag numbers.
pub(crate) mod tag {
    pub const NEW_SUBFILE_TYPE: u16 = 254;
    pub const IMAGE_WIDTH: u16 = 256;
    pub const IMAGE_LENGTH: u16 = 257;
    pub const BITS_PER_SAMPLE: u16 = 258;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC: u16 = 262;
    pub const IMAGE_DESCRIPTION: u16 = 270;
    pub const SAMPLES_PER_PIXEL: u16 = 277;
    pub const X_RESOLUTION: u16 = 282;
    pub const Y_RESOLUTION: u16 = 283;
    pub const PLANAR_CONFIGURATION: u16 = 284;
    pub const RESOLUTION_UNIT: u16 = 296;
    pub const PREDICTOR: u16 = 317;
    pub const TILE_WIDTH: u16 = 322;
    pub const TILE_LENGTH: u16 = 323;
    pub const TILE_OFFSETS: u16 = 324;
    pub const TILE_BYTE_COUNTS: u16 = 325;
    #[cfg(feature = "openslide")]
    pub const JPEG_TABLES: u16 = 347;
    pub const YCBCR_SUBSAMPLING: u16 = 530;
}

/// `Compression` LZW.
pub(crate) const COMPRESSION_LZW: u16 = 5;
/// `Compression` JPEG ("new-style", one JPEG stream per tile: Aperio and generic tiled TIFFs).
pub(crate) const COMPRESSION_JPEG: u16 = 7;
/// `Compression` zlib ("Adobe deflate").
pub(crate) const COMPRESSION_DEFLATE: u16 = 8;
/// `PhotometricInterpretation` RGB.
pub(crate) const PHOTOMETRIC_RGB: u16 = 2;
/// `PhotometricInterpretation` YCbCr (what a standard JFIF stream holds).
pub(crate) const PHOTOMETRIC_YCBCR: u16 = 6;
/// `Predictor` horizontal differencing.
pub(crate) const PREDICTOR_HORIZONTAL: u16 = 2;
/// `ResolutionUnit` centimetre.
pub(crate) const RESOLUTION_UNIT_CM: u16 = 3;
