//! Optimizers over flat parameter buffers (the layout of `Model::params`).
//!
//! SGD with momentum μ (PyTorch's form):  v ← μ·v + g;  p ← p − lr·v
//! Adam (Kingma & Ba, Algorithm 1):        m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//!                                         p ← p − lr · (m / (1−β1ᵗ)) / (√(v / (1−β2ᵗ)) + ε)

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OptimizerConfig {
    Sgd { learning_rate: f32, momentum: f32 },
    Adam { learning_rate: f32, beta1: f32, beta2: f32, epsilon: f32 },
}

impl OptimizerConfig {
    pub fn learning_rate(&self) -> f32 {
        match *self {
            OptimizerConfig::Sgd { learning_rate, .. } | OptimizerConfig::Adam { learning_rate, .. } => learning_rate,
        }
    }
}

/// Moments (and SGD velocities) of weights that rarely see a gradient (pixels at the edge of the digit) decay
/// geometrically into the subnormal range (below 1.2e-38) after about 800 steps, where every
/// multiply costs tens of cycles on x86 and in wasm alike (wasm has no flush-to-zero mode).
/// Setting them to 0 changes no parameter: their share of an update is below 1e-30.
#[inline(always)]
fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

pub struct Optimizer {
    config: OptimizerConfig,
    /// SGD: velocity. Adam: first moment m. One per parameter, or one per active parameter.
    first_moment: Vec<f32>,
    /// Adam: second moment v (empty for SGD).
    second_moment: Vec<f32>,
    /// The active parameters and their gradients, gathered for one contiguous update.
    packed_params: Vec<f32>,
    packed_grads: Vec<f32>,
    /// β1ᵗ and β2ᵗ, kept as running products so native and wasm agree to the bit.
    beta1_power: f32,
    beta2_power: f32,
    /// When set, only these parameters are updated: a pruned network's survivors and biases.
    /// Skipping the others changes nothing (their gradient and moments are 0, so is their
    /// update), but saves the work of a full pass when few weights remain.
    active: Option<Vec<u32>>,
}

/// One parameter's SGD update.
#[inline(always)]
fn sgd_update(p: &mut f32, velocity: &mut f32, g: f32, learning_rate: f32, momentum: f32) {
    *velocity = flush_subnormal(momentum * *velocity + g);
    *p -= learning_rate * *velocity;
}

/// The constants of one Adam step: the learning rate, the βs, ε and the bias corrections.
#[derive(Clone, Copy)]
struct AdamStep {
    learning_rate: f32,
    beta1: f32,
    beta2: f32,
    epsilon: f32,
    first_correction: f32,
    second_correction: f32,
}

impl AdamStep {
    #[inline(always)]
    fn update(&self, p: &mut f32, m: &mut f32, v: &mut f32, g: f32) {
        *m = flush_subnormal(self.beta1 * *m + (1.0 - self.beta1) * g);
        *v = flush_subnormal(self.beta2 * *v + (1.0 - self.beta2) * g * g);
        *p -= self.learning_rate * (*m * self.first_correction) / ((*v * self.second_correction).sqrt() + self.epsilon);
    }
}

impl Optimizer {
    pub fn new(config: OptimizerConfig, param_count: usize) -> Optimizer {
        let second_moment = match config {
            OptimizerConfig::Adam { .. } => vec![0.0; param_count],
            OptimizerConfig::Sgd { .. } => Vec::new(),
        };
        Optimizer {
            config,
            first_moment: vec![0.0; param_count],
            second_moment,
            packed_params: Vec::new(),
            packed_grads: Vec::new(),
            beta1_power: 1.0,
            beta2_power: 1.0,
            active: None,
        }
    }

    /// Updates only the parameters at `indices` (those whose gradient can be nonzero), keeping
    /// their moments packed in that order. Call before the first step.
    pub fn restrict_to(&mut self, indices: Vec<u32>) {
        assert!(self.beta1_power == 1.0 && self.active.is_none(), "restrict_to comes before the first step");
        assert!(indices.windows(2).all(|pair| pair[0] < pair[1]), "active indices ascend");
        self.first_moment = vec![0.0; indices.len()];
        if !self.second_moment.is_empty() {
            self.second_moment = vec![0.0; indices.len()];
        }
        self.active = Some(indices);
    }

    /// Gathers the active parameters and gradients into the packed buffers.
    fn gather(&mut self, params: &[f32], grads: &[f32]) {
        let active = self.active.as_deref().unwrap_or_default();
        assert!(
            active.last().map_or(true, |&last| (last as usize) < params.len().min(grads.len())),
            "active index in bounds"
        );
        // Sized first and written in place: pushing kept each length in memory, a dependency from
        // one element to the next.
        self.packed_params.resize(active.len(), 0.0);
        self.packed_grads.resize(active.len(), 0.0);
        for ((&i, p), g) in active.iter().zip(&mut self.packed_params).zip(&mut self.packed_grads) {
            // SAFETY: indices ascend (checked by `restrict_to`), so the last bounds them all (asserted above).
            unsafe {
                *p = *params.get_unchecked(i as usize);
                *g = *grads.get_unchecked(i as usize);
            }
        }
    }

    /// Writes the packed parameters back to their places.
    fn scatter(&self, params: &mut [f32]) {
        let active = self.active.as_deref().unwrap_or_default();
        assert!(active.last().map_or(true, |&last| (last as usize) < params.len()), "active index in bounds");
        for (&i, &p) in active.iter().zip(&self.packed_params) {
            // SAFETY: as in `gather`.
            unsafe { *params.get_unchecked_mut(i as usize) = p };
        }
    }

    /// One update of `params` by `grads`. With active parameters, they are gathered, updated in
    /// one contiguous pass (which the compiler vectorises, sqrt and division included) and
    /// scattered back: the same arithmetic per parameter, so the same numbers.
    pub fn step(&mut self, params: &mut [f32], grads: &[f32]) {
        let restricted = self.active.is_some();
        if restricted {
            self.gather(params, grads);
        }
        let (params_now, grads_now): (&mut [f32], &[f32]) =
            if restricted { (&mut self.packed_params, &self.packed_grads) } else { (params, grads) };
        match self.config {
            OptimizerConfig::Sgd { learning_rate, momentum } => {
                for ((p, velocity), &g) in params_now.iter_mut().zip(&mut self.first_moment).zip(grads_now) {
                    sgd_update(p, velocity, g, learning_rate, momentum);
                }
            }
            OptimizerConfig::Adam { learning_rate, beta1, beta2, epsilon } => {
                self.beta1_power *= beta1;
                self.beta2_power *= beta2;
                let adam = AdamStep {
                    learning_rate,
                    beta1,
                    beta2,
                    epsilon,
                    first_correction: 1.0 / (1.0 - self.beta1_power),
                    second_correction: 1.0 / (1.0 - self.beta2_power),
                };
                let moments = self.first_moment.iter_mut().zip(&mut self.second_moment);
                for ((p, (m, v)), &g) in params_now.iter_mut().zip(moments).zip(grads_now) {
                    adam.update(p, m, v, g);
                }
            }
        }
        if restricted {
            self.scatter(params);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Minimises f(p) = Σ (p_i − target_i)² and returns the final distance to the target.
    fn minimise(config: OptimizerConfig, steps: usize) -> f32 {
        let target = [3.0f32, -2.0, 0.5];
        let mut params = [0.0f32; 3];
        let mut optimizer = Optimizer::new(config, 3);
        for _ in 0..steps {
            let grads: Vec<f32> = params.iter().zip(&target).map(|(p, t)| 2.0 * (p - t)).collect();
            optimizer.step(&mut params, &grads);
        }
        params.iter().zip(&target).map(|(p, t)| (p - t).abs()).fold(0.0, f32::max)
    }

    #[test]
    fn sgd_and_adam_converge_on_a_quadratic() {
        assert!(minimise(OptimizerConfig::Sgd { learning_rate: 0.1, momentum: 0.0 }, 100) < 1e-4);
        assert!(minimise(OptimizerConfig::Sgd { learning_rate: 0.05, momentum: 0.9 }, 300) < 1e-4);
        assert!(
            minimise(OptimizerConfig::Adam { learning_rate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 2000)
                < 1e-3
        );
    }

    #[test]
    fn decaying_moments_reach_zero_instead_of_the_slow_subnormal_range() {
        for config in [
            OptimizerConfig::Adam { learning_rate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
            OptimizerConfig::Sgd { learning_rate: 1e-3, momentum: 0.9 },
        ] {
            let mut params = [0.5f32];
            let mut optimizer = Optimizer::new(config, 1);
            optimizer.step(&mut params, &[1e-3]);
            for _ in 0..2_000 {
                optimizer.step(&mut params, &[0.0]);
            }
            let moment = optimizer.first_moment[0];
            assert!(moment == 0.0 || moment.is_normal(), "{config:?}: first moment {moment:e} is subnormal");
            assert_eq!(moment, 0.0, "0.9^2000 is far below f32's range");
        }
    }

    #[test]
    fn adams_first_step_moves_each_parameter_by_the_learning_rate() {
        // With bias correction, m̂ = g and v̂ = g², so the first step is lr·sign(g) (up to ε).
        let mut params = [1.0f32, 1.0];
        let mut optimizer =
            Optimizer::new(OptimizerConfig::Adam { learning_rate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 }, 2);
        optimizer.step(&mut params, &[0.3, -40.0]);
        assert!((params[0] - 0.99).abs() < 1e-6 && (params[1] - 1.01).abs() < 1e-6, "{params:?}");
    }
}
