//! `SyntheticSlide`: a laid-out synthetic slide that renders any region on demand and knows
//! the truth about every pixel and cell.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::cells::Lattice;
use crate::class::guideline_class;
use crate::config::SynthConfig;
use crate::error::{Result, SynthError};
use crate::layout::Layout;
use crate::preset::{CellMix, PATTERN_ORDER};
use crate::stain::{Colorizer, SlideStains};
use crate::truth::{CellStatistics, SlideTruth};

/// Fewest patient tumour cells a slide may have (below it percentages are meaningless).
const MIN_TUMOUR_CELLS: u64 = 20;

/// A synthetic HER2 IHC slide: layout, cells and stains fixed by the config and its seed.
/// Rendering is lazy: nothing of level 0 is held in memory.
pub struct SyntheticSlide {
    pub(crate) cfg: SynthConfig,
    pub(crate) layout: Layout,
    pub(crate) lattice: Lattice,
    pub(crate) stains: SlideStains,
    pub(crate) colorizer: Colorizer,
    /// Rank-score thresholds: a patient tumour cell gets `PATTERN_ORDER[i]` for the first
    /// `i` with score >= `cuts[i]`, else no staining.
    pub(crate) cuts: [f64; 5],
    pub(crate) px_per_um: f64,
    /// Orientation of stromal fibres (radians).
    pub(crate) fibre_angle: f64,
    mix: CellMix,
    stats: CellStatistics,
}

impl std::fmt::Debug for SyntheticSlide {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyntheticSlide")
            .field("config", &self.cfg)
            .field("mix", &self.mix)
            .field("tumour_cells", &self.stats.tumour_cells)
            .finish_non_exhaustive()
    }
}

impl SyntheticSlide {
    /// Lays out tissue pieces, tumour regions, ducts and cells, and assigns every patient
    /// tumour cell its staining pattern so that the class's percentages hold exactly.
    pub fn new(cfg: &SynthConfig) -> Result<Self> {
        cfg.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
        let stains = SlideStains::draw(&cfg.stain, cfg.seed, &mut rng);
        let lattice = Lattice::new(cfg.width, cfg.height, cfg.mpp, cfg.cell_spacing_um);
        let layout = Layout::generate(cfg, lattice.spacing, &mut rng);
        let mix = cfg
            .cell_mix
            .unwrap_or_else(|| CellMix::draw(cfg.class, &mut rng));
        let fibre_angle = rng.random_range(0.0..std::f64::consts::PI);
        let mut slide = Self {
            cfg: cfg.clone(),
            layout,
            lattice,
            colorizer: Colorizer::new(&stains, &cfg.appearance, cfg.stain.counterstain_cast),
            stains,
            cuts: [f64::INFINITY; 5],
            px_per_um: 1.0 / cfg.mpp,
            fibre_angle,
            mix,
            stats: CellStatistics::from_counts([0; 4], [0; 4]),
        };
        let mut scores = slide.patient_tumour_scores();
        let n = scores.len() as u64;
        if n < MIN_TUMOUR_CELLS {
            return Err(SynthError::TooFewTumourCells {
                width: cfg.width,
                height: cfg.height,
                mpp: cfg.mpp,
                found: n,
                needed: MIN_TUMOUR_CELLS,
            });
        }
        let class = cfg.cell_mix.is_none().then_some(cfg.class);
        let counts = mix.counts(n, class);
        scores.sort_unstable_by(|a, b| b.total_cmp(a));
        let mut cumulative = 0usize;
        let mut by_intensity = [0u64; 4];
        let mut complete_by_intensity = [0u64; 4];
        for (i, &k) in counts.iter().enumerate() {
            cumulative += k as usize;
            slide.cuts[i] = if cumulative == 0 {
                f64::INFINITY
            } else {
                scores[cumulative - 1]
            };
            let p = PATTERN_ORDER[i];
            by_intensity[p.intensity as usize] += k;
            if p.complete {
                complete_by_intensity[p.intensity as usize] += k;
            }
        }
        by_intensity[0] = n - counts.iter().sum::<u64>();
        slide.stats = CellStatistics::from_counts(by_intensity, complete_by_intensity);
        Ok(slide)
    }

    /// Rank scores of every patient tumour cell on the slide (one pass over the lattice
    /// sites inside the tumour regions' bounding boxes).
    fn patient_tumour_scores(&self) -> Vec<f64> {
        let l = &self.lattice;
        let mut scores = Vec::new();
        for tumour in &self.layout.tumours {
            let [x0, y0, x1, y1] = tumour.bbox;
            for row in l.row_of(y0 - l.spacing).max(0)..=l.row_of(y1 + l.spacing).min(l.rows) {
                for col in
                    l.col_of(row, x0 - l.spacing).max(0)..=l.col_of(row, x1 + l.spacing).min(l.cols)
                {
                    let (x, y) = self.site_position(row, col);
                    // A site belongs to the first tumour region containing it (regions are disjoint).
                    if tumour.contains(x, y) && self.is_patient_tumour_site(x, y) {
                        scores.push(self.rank_score(row, col, x, y));
                    }
                }
            }
        }
        scores
    }

    /// The configuration the slide was built from.
    pub fn config(&self) -> &SynthConfig {
        &self.cfg
    }

    /// Level-0 width and height in pixels.
    pub fn dimensions(&self) -> (u32, u32) {
        (self.cfg.width, self.cfg.height)
    }

    /// The cell mix the tumour cells were assigned from (drawn or configured).
    pub fn cell_mix(&self) -> &CellMix {
        &self.mix
    }

    /// The slide-level truth: class, guideline percentages, control piece, tissue fractions.
    pub fn truth(&self) -> SlideTruth {
        let (w, h) = (self.cfg.width as f64, self.cfg.height as f64);
        let tissue: f64 = self.layout.pieces.iter().map(|p| p.area()).sum();
        let tumour: f64 = self.layout.tumours.iter().map(|p| p.area()).sum();
        let control_bbox = self.layout.control.as_ref().map(|c| {
            let [x0, y0, x1, y1] = c.bbox;
            let (x0, y0) = (x0.floor().max(0.0), y0.floor().max(0.0));
            [
                x0 as u32,
                y0 as u32,
                (x1.ceil() - x0) as u32,
                (y1.ceil() - y0) as u32,
            ]
        });
        SlideTruth {
            class: self.cfg.class,
            score: self.cfg.class.score().to_string(),
            category: self.cfg.class.category().to_string(),
            guideline_class: guideline_class(&self.stats.guideline),
            cells: self.stats.clone(),
            control_present: self.layout.control.is_some(),
            control_bbox,
            tissue_fraction: tissue / (w * h),
            tumour_fraction_of_tissue: if tissue > 0.0 { tumour / tissue } else { 0.0 },
            tissue_pieces: self.layout.pieces.len(),
            stains: self.stains.clone(),
            config: self.cfg.clone(),
            generator: format!("ihc-synth {}", env!("CARGO_PKG_VERSION")),
        }
    }

    /// The truth about every cell whose nucleus centre lies in the level-0 rectangle
    /// (x, y, w, h): patient tumour, control, duct and stromal cells.
    pub fn cells_in(&self, x: u32, y: u32, w: u32, h: u32) -> Vec<crate::CellTruth> {
        let factor = self.stains.concentration_factor;
        self.cells_in_rect(x as f64, y as f64, w as f64, h as f64)
            .iter()
            .map(|c| c.truth(factor))
            .collect()
    }
}
