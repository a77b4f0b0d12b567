//! Whole-slide inference: tissue cells of the patch grid are read in parallel (rayon),
//! classified in batches by a [`TumorModel`] and gathered into a [`TumorMap`]. Reading runs
//! one batch ahead of classification on its own thread; at most three batches of pixels are
//! alive at once, so memory stays flat whatever the slide size.

use std::sync::mpsc::sync_channel;

use image::RgbImage;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use wsi_io::{Patch, PatchGrid, PatchGridConfig, Slide, read_patch};

use crate::error::{ClassifierError, Result};
use crate::geometry::{GridGeometry, Rect};
use crate::tumor_map::{MaskConfig, TumorMap};
use crate::tumor_model::{PatchInput, TumorModel};

/// Settings of [`classify_slide`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InferenceConfig {
    /// Patches per model call. Default 32.
    pub batch_size: usize,
    /// Threshold and clean-up of the tumour mask.
    pub mask: MaskConfig,
    /// Draw a progress bar on stderr (hidden automatically when stderr is not a terminal).
    /// A run-time choice, not a setting: never written to or read from a configuration file.
    #[serde(skip)]
    pub show_progress: bool,
}

impl Default for InferenceConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            mask: MaskConfig::default(),
            show_progress: false,
        }
    }
}

/// The `wsi_io` patch grid `model` needs over `slide`: the model's patch size at its
/// resolution, over the whole slide, the partial patches of the right and bottom edges
/// included (they read white past the edge), so that tissue there is classified too.
pub fn slide_grid(slide: &dyn Slide, model: &dyn TumorModel) -> Result<PatchGrid> {
    let config = PatchGridConfig {
        patch_px: model.patch_size(),
        target_mpp: model.mpp(),
        keep_partial: true,
        ..PatchGridConfig::default()
    };
    Ok(PatchGrid::new(slide, None, &config)?)
}

/// Classifies every cell of the model's patch grid over `slide` for which
/// `is_tissue(level-0 rect)` holds.
///
/// `is_tissue` is where a tissue mask plugs in (e.g. `|r| mask.fraction(r) >= 0.5` for a
/// [`Bitmap`](crate::Bitmap)); pass `&|_| true` to classify everything. The slide must state
/// its resolution (open it with `wsi_io::OpenOptions::mpp` otherwise).
pub fn classify_slide(
    slide: &dyn Slide,
    model: &dyn TumorModel,
    is_tissue: &(dyn Fn(Rect) -> bool + Sync),
    config: &InferenceConfig,
) -> Result<TumorMap> {
    if config.batch_size == 0 {
        return Err(ClassifierError::InvalidConfig(
            "batch_size must be at least 1".into(),
        ));
    }
    let grid = slide_grid(slide, model)?;
    let geometry = GridGeometry::of_patch_grid(&grid);
    let patches: Vec<Patch> = grid
        .iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .filter(|p| is_tissue(p.rect))
        .collect();
    let progress = if config.show_progress {
        ProgressBar::new(patches.len() as u64).with_style(
            ProgressStyle::with_template(
                "tumour map {bar:40} {pos}/{len} patches {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        )
    } else {
        ProgressBar::hidden()
    };
    let mut probabilities = vec![None; geometry.len()];
    let mut store = |chunk: &[Patch], probs: Vec<f32>| -> Result<()> {
        if probs.len() != chunk.len() {
            return Err(ClassifierError::Input(format!(
                "model `{}` returned {} probabilities for {} patches",
                model.id(),
                probs.len(),
                chunk.len()
            )));
        }
        for (patch, p) in chunk.iter().zip(probs) {
            probabilities[geometry.index(patch.col, patch.row)] = Some(p.clamp(0.0, 1.0));
        }
        progress.inc(chunk.len() as u64);
        Ok(())
    };

    if model.needs_pixels() {
        std::thread::scope(|scope| -> Result<()> {
            let (tx, rx) = sync_channel::<Result<(&[Patch], Vec<RgbImage>)>>(1);
            let all = &patches;
            scope.spawn(move || {
                for chunk in all.chunks(config.batch_size) {
                    let batch = chunk
                        .par_iter()
                        .map(|p| read_patch(slide, p).map_err(ClassifierError::from))
                        .collect::<Result<Vec<_>>>()
                        .map(|images| (chunk, images));
                    let failed = batch.is_err();
                    if tx.send(batch).is_err() || failed {
                        break;
                    }
                }
            });
            for batch in rx {
                let (chunk, images) = batch?;
                let inputs: Vec<PatchInput<'_>> = chunk
                    .iter()
                    .zip(&images)
                    .map(|(p, image)| PatchInput::new(p.rect, image))
                    .collect();
                let probs = model.predict(&inputs)?;
                store(chunk, probs)?;
            }
            Ok(())
        })?;
    } else {
        for chunk in patches.chunks(config.batch_size.max(1024)) {
            let inputs: Vec<PatchInput<'_>> =
                chunk.iter().map(|p| PatchInput::region(p.rect)).collect();
            let probs = model.predict(&inputs)?;
            store(chunk, probs)?;
        }
    }
    progress.finish_and_clear();
    TumorMap::new(geometry, probabilities, model.id())
}
