//! Patches in, tensors out: RGB images to a normalised `[batch, 3, height, width]` tensor.

use std::borrow::Borrow;

use burn::prelude::*;
use burn::tensor::TensorData;
use image::RgbImage;
use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, Result};

/// Per-channel normalisation applied after scaling pixels to [0, 1]: `(x - mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Normalization {
    /// Channel means (R, G, B).
    pub mean: [f32; 3],
    /// Channel standard deviations (R, G, B).
    pub std: [f32; 3],
}

impl Default for Normalization {
    /// ImageNet statistics, as torchvision's pretrained ResNets expect (the paper does no
    /// stain normalisation; this is the usual input scaling, not a stain correction).
    fn default() -> Self {
        Self {
            mean: [0.485, 0.456, 0.406],
            std: [0.229, 0.224, 0.225],
        }
    }
}

impl Normalization {
    /// Checks that every standard deviation is positive and finite.
    pub fn validate(&self) -> Result<()> {
        if self.std.iter().all(|s| s.is_finite() && *s > 0.0)
            && self.mean.iter().all(|m| m.is_finite())
        {
            Ok(())
        } else {
            Err(ClassifierError::InvalidConfig(format!(
                "normalisation needs finite means and positive std, got {self:?}"
            )))
        }
    }
}

/// Stacks equally sized images into one normalised NCHW float tensor on `device`.
pub fn images_to_tensor<I: Borrow<RgbImage>>(
    images: &[I],
    normalization: &Normalization,
    device: &Device,
) -> Result<Tensor<4>> {
    let (values, shape) = images_to_nchw(images, normalization)?;
    Ok(Tensor::from_data(TensorData::new(values, shape), device))
}

/// The normalised NCHW values of equally sized images and their shape
/// `[batch, 3, height, width]`: what [`images_to_tensor`] puts in a tensor, for the CPU path
/// that needs no tensor ([`crate::FoldedResNet::forward`]).
pub fn images_to_nchw<I: Borrow<RgbImage>>(
    images: &[I],
    normalization: &Normalization,
) -> Result<(Vec<f32>, [usize; 4])> {
    let first = images
        .first()
        .map(Borrow::borrow)
        .ok_or_else(|| ClassifierError::Input("empty batch of patches".into()))?;
    let (width, height) = first.dimensions();
    if let Some(odd) = images
        .iter()
        .map(Borrow::borrow)
        .find(|img| img.dimensions() != (width, height))
    {
        return Err(ClassifierError::Input(format!(
            "patches of a batch must share one size: {}x{} and {}x{}",
            width,
            height,
            odd.width(),
            odd.height()
        )));
    }
    let plane = (width * height) as usize;
    let mut values = vec![0f32; images.len() * 3 * plane];
    let scale: [f32; 3] = std::array::from_fn(|c| 1.0 / (255.0 * normalization.std[c]));
    let offset: [f32; 3] = std::array::from_fn(|c| normalization.mean[c] / normalization.std[c]);
    for (image, out) in images.iter().zip(values.chunks_exact_mut(3 * plane)) {
        for (i, pixel) in image.borrow().pixels().enumerate() {
            for c in 0..3 {
                out[c * plane + i] = f32::from(pixel[c]) * scale[c] - offset[c];
            }
        }
    }
    Ok((values, [images.len(), 3, height as usize, width as usize]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_land_in_nchw_order_normalised() {
        let device = Device::flex();
        let mut img = RgbImage::new(2, 1);
        img.put_pixel(1, 0, image::Rgb([255, 0, 51]));
        let norm = Normalization {
            mean: [0.0, 0.5, 0.0],
            std: [1.0, 0.5, 0.2],
        };
        let t = images_to_tensor(&[img.clone(), img], &norm, &device).unwrap();
        assert_eq!(t.dims(), [2, 3, 1, 2]);
        let v = t.into_data().try_to_vec::<f32>().unwrap();
        // image 0: R plane [0, 1], G plane [-1, -1], B plane [0, 1]
        let expected = [0.0, 1.0, -1.0, -1.0, 0.0, 1.0];
        for (a, b) in v[..6].iter().zip(expected) {
            assert!((a - b).abs() < 1e-6, "{v:?}");
        }
    }

    #[test]
    fn mixed_sizes_and_empty_batches_are_errors() {
        let device = Device::flex();
        let norm = Normalization::default();
        assert!(images_to_tensor::<RgbImage>(&[], &norm, &device).is_err());
        let batch = [RgbImage::new(4, 4), RgbImage::new(4, 5)];
        assert!(images_to_tensor(&batch, &norm, &device).is_err());
        assert!(
            Normalization {
                mean: [0.0; 3],
                std: [1.0, 0.0, 1.0]
            }
            .validate()
            .is_err()
        );
    }
}
