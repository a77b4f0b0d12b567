//! Configuration of the stain analysis; `Default` gives the paper's values.

use serde::{Deserialize, Serialize};

/// Configuration of [`crate::StainAnalyzer`]; `Default` is the paper's set-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct StainConfig {}
