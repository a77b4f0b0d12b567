//! Tumour / non-tumour patch classification for HER2 slides (stages 1-2 of Che et al.,
//! Diagnostics 2023): a ResNet classifies 256 x 256 patches at 20x (0.5 um/px) as tumour or
//! not, the probabilities over the tissue form a [`TumorMap`], and a threshold gives the
//! [`TumorMask`] that the HER2 scoring stage works inside.
//!
//! - [`ResNetTumorModel`]: ResNet-18/34/50 ([`ResNetConfig`], torchvision's names and a
//!   width multiplier) on Burn 0.22, loaded from a Burn checkpoint (`.bpk`, carrying its
//!   [`ModelSpec`]; [`ResNetTumorModel::from_checkpoint`]) or a PyTorch state dict
//!   (`.pt`/`.pth`/`.safetensors`, pure Rust; [`ResNetTumorModel::from_pytorch`]) onto a
//!   [`ComputeDevice`] (CPU, or CUDA with the `cuda` feature). On the CPU it runs a folded,
//!   inference-only path (batch norm folded into the convolutions, fused epilogues). No burn
//!   type appears in the inference API.
//! - [`TumorModel`]: the seam for any patch classifier, with [`ResNetTumorModel`],
//!   [`AllTissueTumor`] and [`AnnotatedTumor`] (GeoJSON or mask).
//! - [`classify_slide`]: streaming whole-slide inference into a [`TumorMap`] (heatmap PNG,
//!   CSV, mask, GeoJSON); [`patch_metrics`] for patch-level evaluation.
//!
//! # Features
//!
//! - `train` (off by default): the paper's training recipe (`train()`, `TrainConfig`) on a
//!   `PatchDataset` (`tumor/` + `normal/` patch folders, or random patches drawn from
//!   annotated slides, `AnnotatedSlide`), and the burn-level building blocks training needs:
//!   the burn `ResNet` module, `load_checkpoint` / `save_checkpoint` / `import_pytorch` on
//!   burn models, `FoldedResNet`, `images_to_tensor`, `ComputeDevice::to_burn`, and `burn`
//!   itself re-exported so that its version matches.
//! - `ndarray` (off by default): the tumour grid as arrays, `TumorMap::probability_array`
//!   (`Array2<f32>`, NaN off tissue) and `TumorMask::view` / `Bitmap::view` (zero-copy
//!   `ArrayView2<bool>`).
//! - `cuda`: burn's CUDA backend (`docs/tumor-classifier.md`, "CUDA builds").
//!
//! ```
//! use tumor_classifier::{
//!     AllTissueTumor, Arch, ComputeDevice, ModelSpec, PatchInput, ResNetConfig,
//!     ResNetTumorModel, Rect, TumorModel,
//! };
//!
//! // A tiny untrained ResNet-18 (width 1/16) on the CPU.
//! let spec = ModelSpec {
//!     resnet: ResNetConfig::new(Arch::ResNet18, 0.0625),
//!     patch_size: 32,
//!     ..ModelSpec::default()
//! };
//! let model = ResNetTumorModel::untrained(spec, ComputeDevice::Cpu)?;
//! let patch = image::RgbImage::from_pixel(32, 32, image::Rgb([180, 120, 90]));
//! let region = Rect::new(0, 0, 64, 64);
//! let p = model.predict(&[PatchInput::new(region, &patch)])?;
//! assert!((0.0..=1.0).contains(&p[0]));
//!
//! // Or: every tissue patch is tumour (no pixels needed).
//! let p = AllTissueTumor::default().predict(&[PatchInput::region(region)])?;
//! assert_eq!(p, vec![1.0]);
//! # Ok::<(), tumor_classifier::ClassifierError>(())
//! ```

mod annotation;
#[cfg(feature = "ndarray")]
mod arrays;
mod atomic;
#[cfg(feature = "train")]
mod augment;
mod config_text;
#[cfg(feature = "train")]
mod curves;
#[cfg(feature = "train")]
mod dataset;
mod device;
mod error;
mod folded;
mod geometry;
mod metrics;
mod model;
mod outline;
mod preprocess;
#[cfg(feature = "train")]
mod slide_dataset;
mod slide_inference;
mod spec;
#[cfg(feature = "train")]
mod train;
mod tumor_map;
mod tumor_model;
mod weights;

pub use annotation::{
    ClassifiedPolygon, Polygon, classified_polygons_from_geojson, is_excluded_class,
    polygons_from_geojson,
};
pub use device::ComputeDevice;
pub use error::{ClassifierError, DeviceError, Result};
pub use geometry::{Bitmap, GridGeometry, Rect};
pub use metrics::{ConfusionMatrix, PatchMetrics, patch_metrics};
pub use model::{Arch, ResNetConfig};
/// The `ndarray` version of [`TumorMap::probability_array`], [`TumorMask::view`] and
/// [`Bitmap::view`] (`ndarray` feature).
#[cfg(feature = "ndarray")]
pub use ndarray;
pub use preprocess::{Normalization, images_to_nchw};
pub use slide_inference::{InferenceConfig, classify_slide, slide_grid};
pub use spec::ModelSpec;
pub use tumor_map::{MaskConfig, TumorMap, TumorMask};
pub use tumor_model::{
    AllTissueTumor, AnnotatedTumor, CpuKernel, PatchInput, ResNetTumorModel, TumorAnnotation,
    TumorModel,
};
pub use weights::read_spec;

// Training (`train` feature): the recipe, its data sets, and the burn-level types it works on.
#[cfg(feature = "train")]
pub use burn;
#[cfg(feature = "train")]
pub use dataset::{PatchDataset, PatchReader, PatchSample, PatchSource, SlidePatches};
#[cfg(feature = "train")]
pub use folded::FoldedResNet;
#[cfg(feature = "train")]
pub use model::ResNet;
#[cfg(feature = "train")]
pub use preprocess::images_to_tensor;
#[cfg(feature = "train")]
pub use slide_dataset::{
    AnnotatedSlide, SamplingConfig, SlideDraw, TissueFinder, TissueMaskRequired,
    read_slide_manifest,
};
#[cfg(feature = "train")]
pub use train::{EpochRecord, TrainConfig, TrainSummary, files as train_files, train};
#[cfg(feature = "train")]
pub use weights::{import_pytorch, load_checkpoint, save_checkpoint};

/// Building blocks exposed for this workspace's tests and benchmarks only: hidden from the
/// documentation and outside the semver promise (use the types above).
#[doc(hidden)]
pub mod internals {
    pub use crate::model::{BOTTLENECK_EXPANSION, BasicBlock, Block, Bottleneck, Downsample};
}
