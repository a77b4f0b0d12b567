//! [`TumorModel`]: the seam between the slide pipeline and whatever decides "tumour or not"
//! for a patch, with three implementations: the ResNet ([`ResNetTumorModel`]), "all tissue is
//! tumour" for pre-selected regions ([`AllTissueTumor`]), and a given annotation
//! ([`AnnotatedTumor`], GeoJSON polygons or a mask).

use std::path::Path;

use burn::prelude::*;
use burn::tensor::activation::softmax;
use image::RgbImage;

use crate::ComputeDevice;
use crate::annotation::{Polygon, coverage, tumor_polygons_from_geojson};
use crate::error::{ClassifierError, Result};
use crate::geometry::{Bitmap, Rect};
use crate::model::ResNet;
use crate::preprocess::images_to_tensor;
use crate::spec::ModelSpec;
use crate::weights::{import_pytorch, load_checkpoint};

/// Gives each patch of a batch its probability of being tumour. `Send + Sync` so that a
/// pipeline holding one can be shared across threads.
pub trait TumorModel: Send + Sync {
    /// A short identifier for reports (e.g. `resnet34-w0.25:fixtures/models/demo.bpk`).
    fn id(&self) -> String;

    /// Side of the square patches the model wants, in pixels at [`mpp`](Self::mpp).
    fn patch_size(&self) -> u32;

    /// Resolution the patches must be read at, in microns per pixel.
    fn mpp(&self) -> f64;

    /// Whether [`predict`](Self::predict) looks at pixels; when `false` the caller may skip
    /// reading the slide and pass an empty `patches`.
    fn needs_pixels(&self) -> bool {
        true
    }

    /// Tumour probabilities in [0, 1], one per entry of `regions` (the patches' level-0
    /// rectangles); `patches` holds the pixels in the same order when
    /// [`needs_pixels`](Self::needs_pixels) is true.
    fn predict(&self, patches: &[RgbImage], regions: &[Rect]) -> Result<Vec<f32>>;
}

/// The ResNet classifier: softmax probability of the spec's tumour class.
#[derive(Debug)]
pub struct ResNetTumorModel {
    model: ResNet,
    spec: ModelSpec,
    device: Device,
    source: String,
}

impl ResNetTumorModel {
    /// Wraps a model (already on `device`) and its spec; `source` names where it came from.
    pub fn new(model: ResNet, spec: ModelSpec, device: Device, source: impl Into<String>) -> Self {
        Self {
            model: model.valid(),
            spec,
            device,
            source: source.into(),
        }
    }

    /// Loads a Burn checkpoint written by this crate onto `device`.
    pub fn from_checkpoint(path: &Path, device: ComputeDevice) -> Result<Self> {
        let device = device.to_burn()?;
        let (model, spec) = load_checkpoint(path, &device)?;
        Ok(Self::new(model, spec, device, path.display().to_string()))
    }

    /// Imports a torchvision-style PyTorch `state_dict` (`.pt`/`.pth`/`.safetensors`) for the
    /// architecture and input scaling of `spec`.
    pub fn from_pytorch(path: &Path, spec: ModelSpec, device: ComputeDevice) -> Result<Self> {
        let device = device.to_burn()?;
        let model = import_pytorch(path, &spec, &device)?;
        Ok(Self::new(model, spec, device, path.display().to_string()))
    }

    /// The model's spec.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The network.
    pub fn network(&self) -> &ResNet {
        &self.model
    }

    /// Class probabilities `[batch, classes]` for a batch of patches.
    pub fn class_probabilities(&self, patches: &[RgbImage]) -> Result<Vec<Vec<f32>>> {
        let x = images_to_tensor(patches, &self.spec.normalization, &self.device)?;
        let probs = softmax(self.model.forward(x), 1);
        let classes = self.spec.resnet.num_classes;
        let values = probs
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| ClassifierError::Input(format!("cannot read model output: {e:?}")))?;
        Ok(values.chunks(classes).map(<[f32]>::to_vec).collect())
    }
}

impl TumorModel for ResNetTumorModel {
    fn id(&self) -> String {
        format!(
            "{}-w{}:{}",
            self.spec.resnet.arch.name(),
            self.spec.resnet.width,
            self.source
        )
    }

    fn patch_size(&self) -> u32 {
        self.spec.patch_size
    }

    fn mpp(&self) -> f64 {
        self.spec.mpp
    }

    fn predict(&self, patches: &[RgbImage], regions: &[Rect]) -> Result<Vec<f32>> {
        if patches.len() != regions.len() {
            return Err(ClassifierError::Input(format!(
                "{} patches but {} regions",
                patches.len(),
                regions.len()
            )));
        }
        if patches.is_empty() {
            return Ok(Vec::new());
        }
        let tumor = self.spec.tumor_class;
        Ok(self
            .class_probabilities(patches)?
            .into_iter()
            .map(|p| p[tumor])
            .collect())
    }
}

/// Every tissue patch is tumour (probability 1): for slides or ROIs already restricted to
/// tumour by a pathologist.
#[derive(Debug, Clone, PartialEq)]
pub struct AllTissueTumor {
    /// Patch side in pixels.
    pub patch_size: u32,
    /// Resolution in microns per pixel.
    pub mpp: f64,
}

impl Default for AllTissueTumor {
    fn default() -> Self {
        Self {
            patch_size: 256,
            mpp: 0.5,
        }
    }
}

impl TumorModel for AllTissueTumor {
    fn id(&self) -> String {
        "all-tissue".into()
    }
    fn patch_size(&self) -> u32 {
        self.patch_size
    }
    fn mpp(&self) -> f64 {
        self.mpp
    }
    fn needs_pixels(&self) -> bool {
        false
    }
    fn predict(&self, _patches: &[RgbImage], regions: &[Rect]) -> Result<Vec<f32>> {
        Ok(vec![1.0; regions.len()])
    }
}

/// Where an [`AnnotatedTumor`] gets its tumour area from.
#[derive(Debug, Clone, PartialEq)]
pub enum TumorAnnotation {
    /// Polygons in level-0 pixels.
    Polygons(Vec<Polygon>),
    /// A binary mask with its downsample.
    Mask(Bitmap),
}

/// Tumour = a given annotation: a patch's probability is the fraction of it inside the
/// annotated area.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatedTumor {
    annotation: TumorAnnotation,
    source: String,
    /// Patch side in pixels.
    pub patch_size: u32,
    /// Resolution in microns per pixel.
    pub mpp: f64,
}

impl AnnotatedTumor {
    /// Tumour area from the polygons of a GeoJSON file (level-0 pixel coordinates): the
    /// features classified tumour when the file classifies its features (a QuPath export,
    /// ihc-synth's `.outlines.geojson`), else every polygon
    /// ([`tumor_polygons_from_geojson`]).
    pub fn from_geojson(path: &Path) -> Result<Self> {
        let polygons = tumor_polygons_from_geojson(path)?;
        Ok(Self::new(
            TumorAnnotation::Polygons(polygons),
            path.display().to_string(),
        ))
    }

    /// Tumour area from a mask image (non-zero = tumour) stored at `downsample`.
    pub fn from_mask_image(path: &Path, downsample: f64) -> Result<Self> {
        let img = image::open(path)
            .map_err(|source| ClassifierError::Image {
                path: path.to_path_buf(),
                source,
            })?
            .into_luma8();
        let (w, h) = img.dimensions();
        let bits = img.pixels().map(|p| p[0] > 0).collect();
        let mask = Bitmap::new(w, h, downsample, bits)?;
        Ok(Self::new(
            TumorAnnotation::Mask(mask),
            path.display().to_string(),
        ))
    }

    /// Wraps an annotation; `source` names it in [`TumorModel::id`].
    pub fn new(annotation: TumorAnnotation, source: impl Into<String>) -> Self {
        Self {
            annotation,
            source: source.into(),
            patch_size: 256,
            mpp: 0.5,
        }
    }
}

impl TumorModel for AnnotatedTumor {
    fn id(&self) -> String {
        format!("annotation:{}", self.source)
    }
    fn patch_size(&self) -> u32 {
        self.patch_size
    }
    fn mpp(&self) -> f64 {
        self.mpp
    }
    fn needs_pixels(&self) -> bool {
        false
    }
    fn predict(&self, _patches: &[RgbImage], regions: &[Rect]) -> Result<Vec<f32>> {
        Ok(regions
            .iter()
            .map(|&r| match &self.annotation {
                TumorAnnotation::Polygons(p) => coverage(p, r) as f32,
                TumorAnnotation::Mask(m) => m.fraction(r) as f32,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Arch, ResNetConfig};

    #[test]
    fn resnet_model_gives_probabilities_per_patch() {
        let device = Device::flex();
        let spec = ModelSpec {
            resnet: ResNetConfig::new(Arch::ResNet18, 0.0625),
            patch_size: 32,
            ..ModelSpec::default()
        };
        let model = ResNetTumorModel::new(spec.resnet.init(&device).unwrap(), spec, device, "t");
        let patches = vec![RgbImage::from_pixel(32, 32, image::Rgb([200, 100, 50])); 2];
        let regions = [Rect::new(0, 0, 32, 32); 2];
        let p = model.predict(&patches, &regions).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        assert!(model.predict(&patches, &regions[..1]).is_err());
        assert!(model.id().starts_with("resnet18-w0.0625"));
    }

    #[test]
    fn annotation_models_follow_the_annotation() {
        let mask = Bitmap::new(2, 1, 100.0, vec![true, false]).unwrap();
        let model = AnnotatedTumor::new(TumorAnnotation::Mask(mask), "m");
        let regions = [Rect::new(0, 0, 100, 100), Rect::new(100, 0, 100, 100)];
        assert_eq!(model.predict(&[], &regions).unwrap(), vec![1.0, 0.0]);
        assert!(!model.needs_pixels());
        assert_eq!(
            AllTissueTumor::default().predict(&[], &regions).unwrap(),
            vec![1.0; 2]
        );
    }
}
