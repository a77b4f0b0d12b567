//! Tumour / non-tumour patch classification for HER2 slides (stages 1-2 of Che et al.,
//! Diagnostics 2023): a ResNet classifies 256 x 256 patches at 20x (0.5 um/px) as tumour or
//! not, the probabilities over the tissue form a [`TumorMap`], and a threshold gives the
//! [`TumorMask`] that the HER2 scoring stage works inside.
//!
//! - [`ResNet`]: ResNet-18/34/50 on Burn 0.22 with torchvision's names and a width
//!   multiplier; the backend is chosen by the [`ComputeDevice`] (CPU `flex`, or CUDA with
//!   the `cuda` feature).
//! - [`load_checkpoint`] / [`save_checkpoint`]: Burn checkpoints (`.bpk`, carrying their
//!   [`ModelSpec`]) and PyTorch state-dict import ([`import_pytorch`]: `.pt`/`.pth`/`.safetensors`, pure Rust).
//! - [`FoldedResNet`]: the inference-only CPU path (batch norm folded into the
//!   convolutions, fused epilogues) that [`ResNetTumorModel`] runs on the CPU by default.
//! - [`TumorModel`]: the seam for any patch classifier, with [`ResNetTumorModel`],
//!   [`AllTissueTumor`] and [`AnnotatedTumor`] (GeoJSON or mask).
//! - [`classify_slide`]: streaming whole-slide inference into a [`TumorMap`] (heatmap PNG,
//!   CSV, mask, GeoJSON).
//! - [`train()`]: the paper's training recipe on a [`PatchDataset`]: `tumor/` + `normal/`
//!   patch folders, or random patches drawn from annotated slides ([`AnnotatedSlide`]:
//!   tumour GeoJSON or mask, tissue mask or detector); [`patch_metrics`] for patch-level
//!   evaluation.
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
//! let device = ComputeDevice::Cpu.to_burn()?;
//! let model = ResNetTumorModel::new(spec.resnet.init(&device)?, spec, device, "untrained");
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
mod atomic;
mod augment;
mod curves;
mod dataset;
mod device;
mod error;
mod folded;
mod geometry;
mod metrics;
mod model;
mod outline;
mod preprocess;
mod slide_dataset;
mod slide_inference;
mod spec;
mod train;
mod tumor_map;
mod tumor_model;
mod weights;

pub use annotation::{
    ClassifiedPolygon, Polygon, classified_polygons_from_geojson, is_excluded_class,
    polygons_from_geojson,
};
pub use burn;
pub use dataset::{PatchDataset, PatchReader, PatchSample, PatchSource, SlidePatches};
pub use device::ComputeDevice;
pub use error::{ClassifierError, Result};
pub use folded::FoldedResNet;
pub use geometry::{Bitmap, GridGeometry, Rect};
pub use metrics::{ConfusionMatrix, PatchMetrics, patch_metrics};
pub use model::{Arch, ResNet, ResNetConfig};
pub use preprocess::{Normalization, images_to_nchw, images_to_tensor};
pub use slide_dataset::{
    AnnotatedSlide, SamplingConfig, SlideDraw, TissueFinder, TissueMaskRequired,
    read_slide_manifest,
};
pub use slide_inference::{InferenceConfig, classify_slide, slide_grid};
pub use spec::ModelSpec;
pub use train::{EpochRecord, TrainConfig, TrainSummary, files as train_files, train};
pub use tumor_map::{MaskConfig, TumorMap, TumorMask};
pub use tumor_model::{
    AllTissueTumor, AnnotatedTumor, CpuKernel, PatchInput, ResNetTumorModel, TumorAnnotation,
    TumorModel,
};
pub use weights::{import_pytorch, load_checkpoint, read_spec, save_checkpoint};

/// Building blocks exposed for this workspace's tests and benchmarks only: hidden from the
/// documentation and outside the semver promise (use the types above).
#[doc(hidden)]
pub mod internals {
    pub use crate::model::{BOTTLENECK_EXPANSION, BasicBlock, Block, Bottleneck, Downsample};
}
