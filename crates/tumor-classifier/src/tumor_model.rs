//! [`TumorModel`]: the seam between the slide pipeline and whatever decides "tumour or not"
//! for a patch, with three implementations: the ResNet ([`ResNetTumorModel`]), "all tissue is
//! tumour" for pre-selected regions ([`AllTissueTumor`]), and a given annotation
//! ([`AnnotatedTumor`], GeoJSON polygons or a mask).

use std::borrow::Borrow;
use std::path::Path;

use burn::prelude::*;
use burn::tensor::activation::softmax;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::ComputeDevice;
use crate::annotation::{Polygon, coverage, tumor_polygons_from_geojson};
use crate::error::{ClassifierError, Result};
use crate::folded::FoldedResNet;
use crate::geometry::{Bitmap, Rect};
use crate::model::ResNet;
use crate::preprocess::{images_to_nchw, images_to_tensor};
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
    /// reading the slide and give patches without pixels ([`PatchInput::region`]).
    fn needs_pixels(&self) -> bool {
        true
    }

    /// Tumour probabilities in [0, 1], one per patch, in order. Each patch carries its
    /// level-0 rectangle and, when [`needs_pixels`](Self::needs_pixels) is true, its pixels
    /// (a model that needs pixels and gets a patch without them returns
    /// [`ClassifierError::Input`]).
    fn predict(&self, patches: &[PatchInput<'_>]) -> Result<Vec<f32>>;

    /// The tumour area itself when the user gave it (an annotation, not a classifier's
    /// guess): the pipeline then analyses every patch the area touches and counts the cells
    /// inside it, whatever the classification grid says. `None` (the default) for
    /// classifiers.
    fn annotation(&self) -> Option<&TumorAnnotation> {
        None
    }
}

/// One patch given to [`TumorModel::predict`]: where it lies on the slide and, for models that
/// look at pixels, the pixels read there (borrowed, so a batch is not copied). One value per
/// patch keeps the rectangle and its pixels together, so they cannot fall out of step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PatchInput<'a> {
    /// The patch's level-0 rectangle.
    pub region: Rect,
    /// Its pixels, `patch_size` square at the model's `mpp`; `None` when the model needs none.
    pub pixels: Option<&'a RgbImage>,
}

impl<'a> PatchInput<'a> {
    /// A patch with its pixels.
    pub fn new(region: Rect, pixels: &'a RgbImage) -> Self {
        Self {
            region,
            pixels: Some(pixels),
        }
    }

    /// A patch given by its rectangle alone (for models that do not look at pixels).
    pub fn region(region: Rect) -> Self {
        Self {
            region,
            pixels: None,
        }
    }
}

/// Which implementation runs a [`ResNetTumorModel`] on the CPU (`flex`) device. Either gives
/// the same probabilities to float rounding; the choice exists so that the two can be
/// compared and the faster one turned off if it ever misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CpuKernel {
    /// [`FoldedResNet`]: batch norm folded into the convolutions, fused epilogues, one image
    /// per thread (`docs/tumor-classifier.md`, "Folded CPU inference").
    #[default]
    Folded,
    /// Burn's `flex` backend running [`ResNet::forward`], the path training uses.
    Burn,
}

impl std::str::FromStr for CpuKernel {
    type Err = ClassifierError;

    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "folded" => Ok(Self::Folded),
            "burn" => Ok(Self::Burn),
            _ => Err(ClassifierError::InvalidConfig(format!(
                "unknown CPU kernel `{s}` (expected folded or burn)"
            ))),
        }
    }
}

impl std::fmt::Display for CpuKernel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Folded => "folded",
            Self::Burn => "burn",
        })
    }
}

/// The ResNet classifier: softmax probability of the spec's tumour class. Cloning copies the
/// weights (a second model to run with another [`CpuKernel`], say).
#[derive(Debug, Clone)]
pub struct ResNetTumorModel {
    model: ResNet,
    /// The folded copy that runs inference on the CPU device, unless [`CpuKernel::Burn`]
    /// was chosen. Never present on CUDA, which keeps burn's path.
    folded: Option<FoldedResNet>,
    spec: ModelSpec,
    device: Device,
    source: String,
}

impl ResNetTumorModel {
    /// Wraps a burn model (already on `device`) and its spec; `source` names where it came
    /// from. For code that trains or builds burn modules itself (`train` feature); inference
    /// uses [`from_checkpoint`](Self::from_checkpoint), [`from_pytorch`](Self::from_pytorch)
    /// or [`untrained`](Self::untrained), which take a [`ComputeDevice`].
    #[cfg(feature = "train")]
    pub fn new(model: ResNet, spec: ModelSpec, device: Device, source: impl Into<String>) -> Self {
        Self::from_network(model, spec, device, source.into())
    }

    /// Wraps a model (already on `device`) and its spec. On the CPU device the model is
    /// folded for the default [`CpuKernel::Folded`] path; a model that cannot be folded (a
    /// layer the folded path lacks; never one built by [`crate::ResNetConfig`]) runs on burn.
    fn from_network(model: ResNet, spec: ModelSpec, device: Device, source: String) -> Self {
        let model = model.valid();
        let folded = (device == Device::flex())
            .then(|| FoldedResNet::new(&model).ok())
            .flatten();
        Self {
            model,
            folded,
            spec,
            device,
            source,
        }
    }

    /// A freshly initialised (random, untrained) model of `spec`'s architecture on `device`:
    /// for trying the pipeline end to end, tests and benchmarks without a weights file. Its
    /// [`id`](TumorModel::id) names it `untrained`.
    pub fn untrained(spec: ModelSpec, device: ComputeDevice) -> Result<Self> {
        spec.validate()?;
        let device = device.burn_device()?;
        let model = spec.resnet.build(&device)?;
        Ok(Self::from_network(model, spec, device, "untrained".into()))
    }

    /// Chooses the CPU implementation (errors when [`CpuKernel::Folded`] cannot fold this
    /// model). Has no effect off the CPU: CUDA always runs burn.
    pub fn with_cpu_kernel(mut self, kernel: CpuKernel) -> Result<Self> {
        self.folded = match kernel {
            CpuKernel::Folded if self.device == Device::flex() => match self.folded.take() {
                Some(folded) => Some(folded),
                None => Some(FoldedResNet::new(&self.model)?),
            },
            _ => None,
        };
        Ok(self)
    }

    /// The implementation that runs [`predict`](TumorModel::predict): `Folded` only on the
    /// CPU device with the folded path on.
    pub fn cpu_kernel(&self) -> CpuKernel {
        if self.folded.is_some() {
            CpuKernel::Folded
        } else {
            CpuKernel::Burn
        }
    }

    /// Loads a Burn checkpoint written by this crate onto `device`.
    pub fn from_checkpoint(path: &Path, device: ComputeDevice) -> Result<Self> {
        let device = device.burn_device()?;
        let (model, spec) = load_checkpoint(path, &device)?;
        Ok(Self::from_network(
            model,
            spec,
            device,
            path.display().to_string(),
        ))
    }

    /// Imports a torchvision-style PyTorch `state_dict` (`.pt`/`.pth`/`.safetensors`) for the
    /// architecture and input scaling of `spec`.
    pub fn from_pytorch(path: &Path, spec: ModelSpec, device: ComputeDevice) -> Result<Self> {
        let device = device.burn_device()?;
        let model = import_pytorch(path, &spec, &device)?;
        Ok(Self::from_network(
            model,
            spec,
            device,
            path.display().to_string(),
        ))
    }

    /// The model's spec.
    pub fn spec(&self) -> &ModelSpec {
        &self.spec
    }

    /// The burn network (`train` feature: for code that trains or inspects burn modules).
    #[cfg(feature = "train")]
    pub fn network(&self) -> &ResNet {
        &self.model
    }

    /// Class probabilities `[batch, classes]` for a batch of equally sized patches (owned or
    /// borrowed images).
    pub fn class_probabilities<I: Borrow<RgbImage>>(&self, patches: &[I]) -> Result<Vec<Vec<f32>>> {
        let classes = self.spec.resnet.num_classes;
        if let Some(folded) = &self.folded {
            let (values, shape) = images_to_nchw(patches, &self.spec.normalization)?;
            let logits = folded.forward(&values, shape)?;
            return Ok(logits.chunks(classes).map(softmax_row).collect());
        }
        let x = images_to_tensor(patches, &self.spec.normalization, &self.device)?;
        let probs = softmax(self.model.forward(x), 1);
        let values = probs
            .into_data()
            .try_to_vec::<f32>()
            .map_err(|e| ClassifierError::Input(format!("cannot read model output: {e:?}")))?;
        Ok(values.chunks(classes).map(<[f32]>::to_vec).collect())
    }
}

/// Softmax of one image's logits (shifted by their maximum, as burn's `softmax` is).
fn softmax_row(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
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

    fn predict(&self, patches: &[PatchInput<'_>]) -> Result<Vec<f32>> {
        if patches.is_empty() {
            return Ok(Vec::new());
        }
        let images = patches
            .iter()
            .map(|p| {
                p.pixels.ok_or_else(|| {
                    ClassifierError::Input(format!(
                        "model `{}` needs pixels, but the patch at {:?} has none",
                        self.id(),
                        p.region
                    ))
                })
            })
            .collect::<Result<Vec<&RgbImage>>>()?;
        let tumor = self.spec.tumor_class;
        Ok(self
            .class_probabilities(&images)?
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
    fn predict(&self, patches: &[PatchInput<'_>]) -> Result<Vec<f32>> {
        Ok(vec![1.0; patches.len()])
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

impl TumorAnnotation {
    /// Whether the level-0 point (`x`, `y`) lies in the annotated tumour (inside a polygon
    /// and out of its holes; or on a set mask pixel).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        match self {
            Self::Polygons(polygons) => polygons.iter().any(|p| p.contains(x, y)),
            Self::Mask(mask) => mask.get(
                (x / mask.downsample).floor() as i64,
                (y / mask.downsample).floor() as i64,
            ),
        }
    }

    /// The annotation sampled over the level-0 rectangle `rect` at the centres of an
    /// `n` x `n` grid of cells, row-major: `true` where the sample is tumour. Polygons are
    /// scanned row by row (crossings, not a point test per sample), so a fine grid over a
    /// detailed outline stays cheap.
    pub fn sample(&self, rect: Rect, n: usize) -> Vec<bool> {
        let (x0, y0) = (rect.x as f64, rect.y as f64);
        let (sx, sy) = (rect.w as f64 / n as f64, rect.h as f64 / n as f64);
        let mut out = vec![false; n * n];
        let mut crossings = Vec::new();
        for (j, row) in out.chunks_mut(n.max(1)).enumerate() {
            let y = y0 + (j as f64 + 0.5) * sy;
            match self {
                Self::Mask(_) => {
                    for (i, v) in row.iter_mut().enumerate() {
                        *v = self.contains(x0 + (i as f64 + 0.5) * sx, y);
                    }
                }
                Self::Polygons(polygons) => {
                    for polygon in polygons {
                        crossings.clear();
                        polygon.crossings(y, &mut crossings);
                        crossings.sort_unstable_by(f64::total_cmp);
                        for pair in crossings.chunks_exact(2) {
                            // Samples i with x0 + (i + 0.5) sx in [pair[0], pair[1]).
                            let first = ((pair[0] - x0) / sx - 0.5).ceil().max(0.0) as usize;
                            let end = ((pair[1] - x0) / sx - 0.5).ceil().clamp(0.0, n as f64);
                            for v in row.iter_mut().take(end as usize).skip(first) {
                                *v = true;
                            }
                        }
                    }
                }
            }
        }
        out
    }
}

/// Tumour = a given annotation: a patch's probability is the fraction of it inside the
/// annotated area, and the pipeline counts the cells inside it
/// ([`TumorModel::annotation`]).
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
    /// (`tumor_polygons_from_geojson`).
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
    fn predict(&self, patches: &[PatchInput<'_>]) -> Result<Vec<f32>> {
        Ok(patches
            .iter()
            .map(|p| match &self.annotation {
                TumorAnnotation::Polygons(polygons) => coverage(polygons, p.region) as f32,
                TumorAnnotation::Mask(m) => m.fraction(p.region) as f32,
            })
            .collect())
    }
    fn annotation(&self) -> Option<&TumorAnnotation> {
        Some(&self.annotation)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Arch, ResNetConfig};

    #[test]
    fn resnet_model_gives_probabilities_per_patch() {
        let spec = ModelSpec {
            resnet: ResNetConfig::new(Arch::ResNet18, 0.0625),
            patch_size: 32,
            ..ModelSpec::default()
        };
        let model = ResNetTumorModel::untrained(spec, ComputeDevice::Cpu).unwrap();
        let patches = vec![RgbImage::from_pixel(32, 32, image::Rgb([200, 100, 50])); 2];
        let region = Rect::new(0, 0, 32, 32);
        let inputs: Vec<PatchInput<'_>> =
            patches.iter().map(|p| PatchInput::new(region, p)).collect();
        let p = model.predict(&inputs).unwrap();
        assert_eq!(p.len(), 2);
        assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
        // a patch without pixels is an error for a model that looks at them
        let err = model
            .predict(&[inputs[0], PatchInput::region(region)])
            .unwrap_err();
        assert!(err.to_string().contains("needs pixels"), "{err}");
        assert!(model.id().starts_with("resnet18-w0.0625"), "{}", model.id());
        assert!(model.id().ends_with(":untrained"));
    }

    #[test]
    fn folded_and_burn_cpu_paths_give_the_same_probabilities() {
        let spec = ModelSpec {
            resnet: ResNetConfig::new(Arch::ResNet34, 0.125),
            patch_size: 40,
            ..ModelSpec::default()
        };
        let folded = ResNetTumorModel::untrained(spec, ComputeDevice::Cpu).unwrap();
        assert_eq!(folded.cpu_kernel(), CpuKernel::Folded);
        let burn = folded.clone().with_cpu_kernel(CpuKernel::Burn).unwrap();
        assert_eq!(burn.cpu_kernel(), CpuKernel::Burn);
        let patches: Vec<RgbImage> = (0..3)
            .map(|k| {
                RgbImage::from_fn(40, 40, |x, y| {
                    image::Rgb([(x * 6) as u8, (y * 5 + k) as u8, 90])
                })
            })
            .collect();
        let inputs: Vec<PatchInput<'_>> = patches
            .iter()
            .map(|p| PatchInput::new(Rect::new(0, 0, 40, 40), p))
            .collect();
        let a = folded.predict(&inputs).unwrap();
        let b = burn.predict(&inputs).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert!((x - y).abs() < 1e-5, "folded {a:?} vs burn {b:?}");
        }
        assert_eq!(serde_json::to_string(&CpuKernel::Burn).unwrap(), "\"burn\"");
    }

    #[test]
    fn annotation_models_follow_the_annotation() {
        let mask = Bitmap::new(2, 1, 100.0, vec![true, false]).unwrap();
        let model = AnnotatedTumor::new(TumorAnnotation::Mask(mask), "m");
        let regions = [
            PatchInput::region(Rect::new(0, 0, 100, 100)),
            PatchInput::region(Rect::new(100, 0, 100, 100)),
        ];
        assert_eq!(model.predict(&regions).unwrap(), vec![1.0, 0.0]);
        assert!(!model.needs_pixels());
        assert_eq!(
            AllTissueTumor::default().predict(&regions).unwrap(),
            vec![1.0; 2]
        );
        let annotation = model.annotation().unwrap();
        assert!(annotation.contains(99.0, 50.0) && !annotation.contains(100.0, 50.0));
        assert_eq!(
            annotation.sample(Rect::new(50, 0, 100, 100), 2),
            vec![true, false, true, false]
        );
        assert!(AllTissueTumor::default().annotation().is_none());
    }

    #[test]
    fn polygon_samples_follow_a_nest_smaller_than_a_cell() {
        // A 40 x 40 px square nest (with a 10 px hole) inside a 256 px grid cell: the sampled
        // grid (4 px step) holds it, where the cell's 8 x 8 coverage reads 0.
        let square =
            |x0: f64, y0: f64, s: f64| vec![(x0, y0), (x0 + s, y0), (x0 + s, y0 + s), (x0, y0 + s)];
        let nest = Polygon {
            exterior: square(100.0, 100.0, 40.0),
            holes: vec![square(115.0, 115.0, 10.0)],
        };
        let annotation = TumorAnnotation::Polygons(vec![nest.clone()]);
        let cell = Rect::new(0, 0, 256, 256);
        let samples = annotation.sample(cell, 64);
        let inside = samples.iter().filter(|&&v| v).count();
        // 40 x 40 minus 10 x 10 px at 16 px per sample: 1500 / 16 = 93.75 samples.
        assert!((90..=98).contains(&inside), "{inside}");
        for (k, &v) in samples.iter().enumerate() {
            let (x, y) = (((k % 64) as f64 + 0.5) * 4.0, ((k / 64) as f64 + 0.5) * 4.0);
            assert_eq!(v, nest.contains(x, y), "sample at ({x}, {y})");
        }
        assert!(coverage(&[nest], cell) < 0.05);
    }
}
