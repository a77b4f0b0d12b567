//! Weights on disk: Burn checkpoints (burnpack, with the [`ModelSpec`] in its metadata) and
//! PyTorch state dicts (`.pt`/`.pth` pickles and `.safetensors`) with torchvision's names,
//! read in pure Rust (no libtorch).

use std::path::Path;

use burn::prelude::*;
use burn::store::{
    ApplyResult, BurnpackStore, ModuleSnapshot, PyTorchToBurnAdapter, PytorchStore,
    SafetensorsStore, burn_pack,
};

use crate::config_text::parse_json;
use crate::error::{ClassifierError, Result};
use crate::model::ResNet;
use crate::spec::ModelSpec;

/// Metadata key under which a checkpoint carries its [`ModelSpec`] as JSON.
pub const SPEC_METADATA_KEY: &str = "tumor_classifier.spec";

/// torchvision calls the shortcut's layers `downsample.0` / `downsample.1`; ours are named.
const DOWNSAMPLE_RENAMES: [(&str, &str); 2] = [
    (r"downsample\.0\.", "downsample.conv."),
    (r"downsample\.1\.", "downsample.bn."),
];

/// Writes `model` and `spec` to a burnpack checkpoint (`train` feature: it takes the burn
/// model that training produces) at `path` (replacing any file there;
/// the write goes to a temporary file that is renamed into place).
#[cfg(feature = "train")]
pub fn save_checkpoint(model: &ResNet, spec: &ModelSpec, path: &Path) -> Result<()> {
    let spec_json = serde_json::to_string(spec)
        .map_err(|e| ClassifierError::weights(path, format!("cannot encode spec: {e}")))?;
    let mut store = BurnpackStore::from_file(path)
        .auto_extension(false)
        .overwrite(true)
        .metadata(SPEC_METADATA_KEY, spec_json);
    model
        .save_into(&mut store)
        .map_err(|e| ClassifierError::weights(path, format!("cannot write checkpoint: {e}")))
}

/// Reads the [`ModelSpec`] stored in a checkpoint without loading its tensors.
pub fn read_spec(path: &Path) -> Result<ModelSpec> {
    if !path.is_file() {
        return Err(ClassifierError::weights(path, "no such file"));
    }
    let reader = burn_pack::Reader::from_file(path)
        .map_err(|e| ClassifierError::weights(path, format!("not a burnpack checkpoint: {e}")))?;
    let json = reader.metadata().get(SPEC_METADATA_KEY).ok_or_else(|| {
        ClassifierError::weights(
            path,
            format!("checkpoint has no `{SPEC_METADATA_KEY}` metadata (not written by tumor-classifier?)"),
        )
    })?;
    let spec: ModelSpec = parse_json(json, Some(path))?;
    spec.validate()
        .map_err(|e| ClassifierError::weights(path, e.to_string()))?;
    Ok(spec)
}

/// Loads a checkpoint written by `save_checkpoint`: builds the model its spec describes
/// on `device` and fills in every tensor (a missing or mis-shaped tensor is an error).
pub fn load_checkpoint(path: &Path, device: &Device) -> Result<(ResNet, ModelSpec)> {
    let spec = read_spec(path)?;
    let mut model = spec.resnet.build(device)?;
    let mut store = BurnpackStore::from_file(path).auto_extension(false);
    let result = model
        .load_from(&mut store)
        .map_err(|e| ClassifierError::weights(path, format!("cannot read tensors: {e}")))?;
    check_complete(path, &result, &[])?;
    Ok((model, spec))
}

/// Imports a PyTorch `state_dict` with torchvision ResNet names into a model built from
/// `spec` on `device`. `.safetensors` files are read as safetensors; anything else as a
/// PyTorch pickle (`.pt`, `.pth`, `.bin`), also when the dict sits under a `state_dict` key.
/// Every model tensor must be present with the right shape; the only tensors allowed to be
/// left over are BatchNorm's `num_batches_tracked` counters.
pub fn import_pytorch(path: &Path, spec: &ModelSpec, device: &Device) -> Result<ResNet> {
    if !path.is_file() {
        return Err(ClassifierError::weights(path, "no such file"));
    }
    let mut model = spec.resnet.build(device)?;
    let is_safetensors = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("safetensors"));
    let result = if is_safetensors {
        let mut store = SafetensorsStore::from_file(path)
            .with_from_adapter(PyTorchToBurnAdapter)
            .skip_enum_variants(true)
            .allow_partial(true)
            .validate(true);
        for (from, to) in DOWNSAMPLE_RENAMES {
            store = store.with_key_remapping(from, to);
        }
        model
            .load_from(&mut store)
            .map_err(|e| ClassifierError::weights(path, e.to_string()))?
    } else {
        let mut result = load_pickle(path, &mut model, None);
        if matches!(&result, Ok(r) if r.applied.is_empty()) {
            result = load_pickle(path, &mut model, Some("state_dict"));
        }
        result?
    };
    check_complete(path, &result, &["num_batches_tracked"])?;
    Ok(model)
}

fn load_pickle(path: &Path, model: &mut ResNet, top_key: Option<&str>) -> Result<ApplyResult> {
    let mut store = PytorchStore::from_file(path)
        .allow_partial(true)
        .validate(true);
    if let Some(key) = top_key {
        store = store.with_top_level_key(key);
    }
    for (from, to) in DOWNSAMPLE_RENAMES {
        store = store.with_key_remapping(from, to);
    }
    model
        .load_from(&mut store)
        .map_err(|e| ClassifierError::weights(path, e.to_string()))
}

/// Fails unless every model tensor was filled and nothing but `ignorable` suffixes is left.
fn check_complete(path: &Path, result: &ApplyResult, ignorable: &[&str]) -> Result<()> {
    if !result.errors.is_empty() {
        return Err(ClassifierError::weights(path, result.to_string()));
    }
    if !result.missing.is_empty() {
        let names: Vec<&str> = result
            .missing
            .iter()
            .map(|(n, _)| n.as_str())
            .take(8)
            .collect();
        return Err(ClassifierError::weights(
            path,
            format!(
                "{} model tensors missing from the file (architecture or width differ?), e.g. {}",
                result.missing.len(),
                names.join(", ")
            ),
        ));
    }
    let extra: Vec<&str> = result
        .unused
        .iter()
        .map(String::as_str)
        .filter(|name| !ignorable.iter().any(|suffix| name.ends_with(suffix)))
        .collect();
    if !extra.is_empty() {
        return Err(ClassifierError::weights(
            path,
            format!(
                "{} tensors in the file match nothing in the model (architecture differs?), e.g. {}",
                extra.len(),
                extra.iter().take(8).copied().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok(())
}
