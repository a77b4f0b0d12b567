//! Training patches drawn from annotated slides, as the paper does: random patches at the
//! training resolution, labelled tumour when enough of the patch lies inside the tumour
//! annotation and normal when it lies on tissue outside it.
//!
//! Each slide ([`AnnotatedSlide`]) comes with a tumour annotation (a GeoJSON file of
//! level-0 polygons, QuPath-style, or a binary mask image of any size, scaled to the slide)
//! and optionally a tissue mask (image or GeoJSON); without one, the tissue is found by a
//! [`TissueFinder`] (the `her2` command line plugs in the `tissue-mask` detector, control
//! pieces dropped). GeoJSON features classified `Control`, `Ignore*` or `Exclude` mark areas
//! no patch may touch (ihc-synth's `.outlines.geojson` marks its 3+ control piece so).
//!
//! How a slide is drawn ([`PatchDataset::from_slides`]):
//! 1. `wsi_io::PatchGrid` at the model's patch size and resolution picks the pyramid level,
//!    the read size and the patch side `L` in level-0 pixels (256 px at 0.5 um/px: `L` = 512
//!    on a 40x scan).
//! 2. The slide is divided into cells of `L / 8` level-0 pixels; each cell is labelled tumour,
//!    tissue and excluded by its centre (point in polygon, or the mask pixel under it).
//! 3. Candidate patches have their top-left corner on that lattice (every `L / 8`, i.e. 32
//!    output pixels); a patch's tumour and tissue fractions are the shares of its 8 x 8 cells.
//!    Tumour candidates: tumour fraction >= `min_tumor_fraction` and tissue fraction >=
//!    `min_tissue_fraction`; normal candidates: tumour fraction <= `max_normal_tumor_fraction`
//!    and the same tissue minimum. A candidate touching an excluded cell is neither.
//! 4. `patches_per_slide x tumor_share` tumour and the rest normal are drawn without
//!    replacement (ChaCha8 seeded by the seed and the slide's index; fewer when the slide has
//!    fewer candidates). Patches of one slide may overlap.
//!
//! Only positions are kept: the pixels are read when a batch needs them
//! ([`PatchReader`](crate::dataset::PatchReader): lazy, a bounded set of open slides and a
//! bounded in-memory cache).

mod draw;
mod lattice;
mod manifest;
mod sampling;
#[cfg(test)]
mod tests;
mod tissue;

pub use draw::SlideDraw;
pub use manifest::{AnnotatedSlide, read_slide_manifest};
pub use sampling::SamplingConfig;
pub use tissue::{TissueFinder, TissueMaskRequired};
