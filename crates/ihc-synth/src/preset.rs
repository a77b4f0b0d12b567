//! Cell mixes: which fraction of patient tumour cells shows which membrane pattern, drawn per
//! slide from ranges that follow the guideline definition of each HER2 class.

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::class::{Her2Class, Intensity};
use crate::error::{Result, SynthError};

/// Fractions (0..=1) of patient tumour cells per membrane pattern; the rest are unstained.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CellMix {
    /// Intense staining of the complete membrane ring.
    pub intense_complete: f64,
    /// Intense staining of part of the ring.
    pub intense_incomplete: f64,
    /// Weak-to-moderate staining of the complete ring.
    pub weak_complete: f64,
    /// Weak-to-moderate staining of part of the ring.
    pub weak_incomplete: f64,
    /// Faint / barely perceptible staining of part of the ring.
    pub faint_incomplete: f64,
}

/// One membrane pattern: an intensity class and whether the ring is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pattern {
    pub intensity: Intensity,
    pub complete: bool,
}

/// Patterns in the order they are handed out (strongest first, to the highest-ranked cells).
pub(crate) const PATTERN_ORDER: [Pattern; 5] = [
    Pattern {
        intensity: Intensity::Intense,
        complete: true,
    },
    Pattern {
        intensity: Intensity::Intense,
        complete: false,
    },
    Pattern {
        intensity: Intensity::WeakModerate,
        complete: true,
    },
    Pattern {
        intensity: Intensity::WeakModerate,
        complete: false,
    },
    Pattern {
        intensity: Intensity::Faint,
        complete: false,
    },
];

/// The unstained pattern.
pub(crate) const UNSTAINED: Pattern = Pattern {
    intensity: Intensity::None,
    complete: false,
};

impl CellMix {
    fn as_array(&self) -> [f64; 5] {
        [
            self.intense_complete,
            self.intense_incomplete,
            self.weak_complete,
            self.weak_incomplete,
            self.faint_incomplete,
        ]
    }

    fn from_array(a: [f64; 5]) -> Self {
        Self {
            intense_complete: a[0],
            intense_incomplete: a[1],
            weak_complete: a[2],
            weak_incomplete: a[3],
            faint_incomplete: a[4],
        }
    }

    /// Checks every fraction is in [0, 1] and that they sum to at most 1.
    pub fn validate(&self) -> Result<()> {
        let a = self.as_array();
        if a.iter().any(|f| !f.is_finite() || *f < 0.0 || *f > 1.0)
            || a.iter().sum::<f64>() > 1.0 + 1e-9
        {
            return Err(SynthError::InvalidConfig(format!(
                "cell_mix {self:?}: each fraction must be in [0, 1] and their sum at most 1"
            )));
        }
        Ok(())
    }

    /// Draws the mix of a class: the defining percentage from the class's guideline range
    /// (a third of draws within 2 points of the 10% cut-off), the others from plausible ranges.
    pub fn draw(class: Her2Class, rng: &mut impl Rng) -> CellMix {
        let mut key = |lo: f64, hi: f64, cut_at_hi: bool| -> f64 {
            let near = rng.random::<f64>() < 0.35;
            let pct = match (near, cut_at_hi) {
                (true, true) => rng.random_range((hi - 2.0).max(lo)..hi),
                (true, false) => rng.random_range(lo..(lo + 2.0).min(hi)),
                (false, _) => rng.random_range(lo..hi),
            };
            pct / 100.0
        };
        let mut mix = match class {
            Her2Class::Null => CellMix::default(),
            Her2Class::Ultralow => CellMix {
                faint_incomplete: key(0.3, 10.0, true),
                ..CellMix::default()
            },
            Her2Class::Low1 => CellMix {
                faint_incomplete: key(10.0, 60.0, false),
                ..CellMix::default()
            },
            Her2Class::Equivocal2WeakComplete => CellMix {
                weak_complete: key(10.0, 55.0, false),
                ..CellMix::default()
            },
            Her2Class::Equivocal2IntenseFew => CellMix {
                intense_complete: key(0.3, 10.0, true),
                ..CellMix::default()
            },
            Her2Class::Positive3 => CellMix {
                intense_complete: key(10.0, 85.0, false),
                ..CellMix::default()
            },
        };
        let mut pct = |lo: f64, hi: f64| rng.random_range(lo..hi) / 100.0;
        match class {
            Her2Class::Null | Her2Class::Ultralow => {}
            Her2Class::Low1 => {
                mix.weak_incomplete = pct(0.0, 5.0);
                mix.weak_complete = pct(0.0, 4.0);
            }
            Her2Class::Equivocal2WeakComplete | Her2Class::Equivocal2IntenseFew => {
                mix.weak_incomplete = pct(0.0, 10.0);
                mix.faint_incomplete = pct(5.0, 30.0);
                if class == Her2Class::Equivocal2IntenseFew {
                    mix.weak_complete = pct(0.0, 4.0);
                }
            }
            Her2Class::Positive3 => {
                mix.intense_incomplete = pct(0.0, 5.0);
                mix.weak_complete = pct(0.0, 10.0);
                mix.faint_incomplete = pct(0.0, 10.0);
            }
        }
        // Keep the defining percentage; scale the others down if the total exceeds 100%.
        let key_index = [0, 2, 4]
            .into_iter()
            .max_by(|&a, &b| mix.as_array()[a].total_cmp(&mix.as_array()[b]));
        let all = mix.as_array();
        let total: f64 = all.iter().sum();
        if let Some(key) = key_index.filter(|_| total > 1.0) {
            let scale = (1.0 - all[key]) / (total - all[key]);
            let scaled: [f64; 5] =
                std::array::from_fn(|i| if i == key { all[i] } else { all[i] * scale });
            mix = CellMix::from_array(scaled);
        }
        mix
    }

    /// Cell counts per pattern (in `PATTERN_ORDER`) for `n` tumour cells. With `class` given,
    /// counts are nudged so that the integer percentages fall on the class's side of every
    /// 10% cut-off (a preset's guarantee); without, they are plain rounding.
    pub(crate) fn counts(&self, n: u64, class: Option<Her2Class>) -> [u64; 5] {
        let mut k = self.as_array().map(|f| (f * n as f64).round() as u64);
        let [ic, _, wc, wi, fi] = &mut k;
        if let Some(class) = class {
            let at_most_10 = n / 10; // largest count that is <= 10%
            let above_10 = at_most_10 + 1;
            match class {
                Her2Class::Null => *fi = 0,
                Her2Class::Ultralow => *fi = (*fi).clamp(1, at_most_10.max(1)),
                Her2Class::Low1 => {
                    *wc = (*wc).min(at_most_10);
                    let others = *wc + *wi;
                    *fi = (*fi).max(above_10.saturating_sub(others));
                }
                Her2Class::Equivocal2WeakComplete => *wc = (*wc).max(above_10),
                Her2Class::Equivocal2IntenseFew => {
                    *ic = (*ic).clamp(1, at_most_10.max(1));
                    *wc = (*wc).min(at_most_10.saturating_sub(*ic));
                }
                Her2Class::Positive3 => *ic = (*ic).max(above_10),
            }
        }
        // Never hand out more cells than there are: trim the weakest patterns first.
        let mut excess = k.iter().sum::<u64>().saturating_sub(n);
        for i in (0..5).rev() {
            let cut = excess.min(k[i]);
            k[i] -= cut;
            excess -= cut;
        }
        k
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::class::{GuidelinePercentages, guideline_class};

    fn guideline_of(k: [u64; 5], n: u64) -> Her2Class {
        let p = |c: u64| 100.0 * c as f64 / n as f64;
        guideline_class(&GuidelinePercentages {
            positive: p(k.iter().sum()),
            complete_weak_or_stronger: p(k[0] + k[2]),
            intense_complete: p(k[0]),
        })
    }

    #[test]
    fn drawn_counts_follow_the_class_for_many_sizes() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for class in Her2Class::ALL {
            for n in [20_u64, 37, 100, 999, 12_345] {
                for _ in 0..50 {
                    let mix = CellMix::draw(class, &mut rng);
                    mix.validate().unwrap();
                    let k = mix.counts(n, Some(class));
                    assert!(k.iter().sum::<u64>() <= n);
                    assert_eq!(guideline_of(k, n), class, "{mix:?} n={n} k={k:?}");
                }
            }
        }
    }

    #[test]
    fn explicit_mix_is_plain_rounding() {
        let mix = CellMix {
            faint_incomplete: 0.25,
            ..CellMix::default()
        };
        assert_eq!(mix.counts(100, None), [0, 0, 0, 0, 25]);
        assert!(
            CellMix {
                faint_incomplete: 0.7,
                weak_complete: 0.7,
                ..CellMix::default()
            }
            .validate()
            .is_err()
        );
    }
}
