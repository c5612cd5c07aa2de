//! Weight initialisers. Biases start at zero; weights are drawn from a seeded stream.

use crate::rng::Rng;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Init {
    /// Normal(0, 2 / (fan_in + fan_out)): the "Gaussian Glorot" initialisation of the LTH paper.
    GlorotNormal,
    /// Normal(0, 2 / fan_in): He et al., for deep ReLU networks.
    HeNormal,
}

impl Init {
    pub const NAMES: [&'static str; 2] = ["glorot-normal", "he-normal"];

    pub fn name(self) -> &'static str {
        match self {
            Init::GlorotNormal => "glorot-normal",
            Init::HeNormal => "he-normal",
        }
    }

    pub fn from_name(name: &str) -> Option<Init> {
        match name {
            "glorot-normal" => Some(Init::GlorotNormal),
            "he-normal" => Some(Init::HeNormal),
            _ => None,
        }
    }

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
