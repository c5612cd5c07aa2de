//! Weight initialisers. Biases start at zero; weights are drawn from a seeded stream.

use serde::{Deserialize, Serialize};

use crate::rng::Rng;

/// Written in the settings as "glorot-normal" and "he-normal".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Init {
    /// Normal(0, 2 / (fan_in + fan_out)): the "Gaussian Glorot" initialisation of the LTH paper.
    GlorotNormal,
    /// Normal(0, 2 / fan_in): He et al., for deep ReLU networks.
    HeNormal,
}

impl Init {
    pub fn standard_deviation(self, fan_in: usize, fan_out: usize) -> f64 {
        match self {
            Init::GlorotNormal => (2.0 / (fan_in + fan_out) as f64).sqrt(),
            Init::HeNormal => (2.0 / fan_in as f64).sqrt(),
        }
    }

    pub fn fill(self, weights: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        let std = self.standard_deviation(fan_in, fan_out);
        for w in weights {
            *w = (rng.standard_normal() * std) as f32;
        }
    }
}
