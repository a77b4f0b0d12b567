//! Which compute device runs the model. Burn 0.22 picks the backend from the `Device` at run
//! time; this module turns a user's choice (`cpu`, `cuda`, `cuda:1`) into one, checking that
//! a GPU is really there first (burn's `Device::cuda` panics without one).

use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::error::{ClassifierError, DeviceError, Result};

/// A compute device as a user names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ComputeDevice {
    /// Burn's `flex` CPU backend (multi-threaded with rayon, SIMD kernels).
    #[default]
    Cpu,
    /// Burn's CUDA backend on the GPU with this index (needs the `cuda` cargo feature).
    Cuda(usize),
}

impl std::str::FromStr for ComputeDevice {
    type Err = ClassifierError;

    fn from_str(s: &str) -> Result<Self> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "cpu" | "flex" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda(0)),
            _ => lower
                .strip_prefix("cuda:")
                .and_then(|index| index.parse().ok())
                .map(Self::Cuda)
                .ok_or_else(|| DeviceError::UnknownName { name: s.to_owned() }.into()),
        }
    }
}

impl std::fmt::Display for ComputeDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Cpu => write!(f, "cpu"),
            Self::Cuda(index) => write!(f, "cuda:{index}"),
        }
    }
}

impl ComputeDevice {
    /// The burn device, or a clear error when the GPU is missing or this build has no CUDA
    /// support. Crate-private: inference takes a [`ComputeDevice`] and never shows burn.
    pub(crate) fn burn_device(self) -> Result<Device> {
        match self {
            Self::Cpu => Ok(Device::flex()),
            Self::Cuda(index) => cuda_device(index),
        }
    }

    /// The burn device, for training code and tests that build burn modules themselves
    /// (`train` feature); errors as [`ResNetTumorModel::from_checkpoint`] does when the GPU
    /// is missing or this build has no CUDA support.
    ///
    /// [`ResNetTumorModel::from_checkpoint`]: crate::ResNetTumorModel::from_checkpoint
    #[cfg(feature = "train")]
    pub fn to_burn(self) -> Result<Device> {
        self.burn_device()
    }
}

#[cfg(feature = "cuda")]
fn cuda_device(index: usize) -> Result<Device> {
    use burn::tensor::DeviceType;
    // `Device::enumerate` asks the driver (and only dlopens libcuda when present), so it is
    // safe on a machine without a GPU, unlike `Device::cuda`, which panics there.
    let found = Device::enumerate(DeviceType::Cuda).len();
    if index < found {
        Ok(Device::cuda(index))
    } else if found == 0 {
        Err(DeviceError::NoGpu.into())
    } else {
        Err(DeviceError::NoSuchGpu { index, found }.into())
    }
}

#[cfg(not(feature = "cuda"))]
fn cuda_device(index: usize) -> Result<Device> {
    Err(DeviceError::NoCudaSupport { index }.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print_back() {
        for (text, device) in [
            ("cpu", ComputeDevice::Cpu),
            ("CUDA", ComputeDevice::Cuda(0)),
            ("cuda:3", ComputeDevice::Cuda(3)),
        ] {
            assert_eq!(text.parse::<ComputeDevice>().unwrap(), device);
        }
        assert_eq!(ComputeDevice::Cuda(2).to_string(), "cuda:2");
        assert!(matches!(
            "tpu".parse::<ComputeDevice>(),
            Err(ClassifierError::Device(DeviceError::UnknownName { name })) if name == "tpu"
        ));
        assert!("cuda:x".parse::<ComputeDevice>().is_err());
    }

    #[test]
    fn cpu_always_works_and_a_missing_gpu_is_an_error_not_a_panic() {
        assert!(ComputeDevice::Cpu.burn_device().is_ok());
        // No test machine of this project has 1000 GPUs.
        let err = ComputeDevice::Cuda(999).burn_device().unwrap_err();
        assert!(matches!(err, ClassifierError::Device(_)), "{err:?}");
        assert!(err.to_string().contains("cuda") || err.to_string().contains("CUDA"));
    }
}
