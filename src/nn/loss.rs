//! Softmax cross-entropy over logits (B, classes) with integer labels (B).
//!
//! loss_i = log Σ_c exp(z_ic) − z_i,label   (computed as m + log Σ exp(z − m), m = max_c z_ic)
//! d_z_ic = (softmax(z_i)_c − [c = label_i]) / B   for the mean loss over the batch.
//! `libm` keeps exp/log bit-identical between native and wasm builds.

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LossStats {
    /// Sum of the per-example losses.
    pub loss_sum: f64,
    /// Examples whose highest logit is the label (first maximum wins ties).
    pub correct: usize,
    pub examples: usize,
}

impl LossStats {
    pub fn mean_loss(&self) -> f64 {
        self.loss_sum / self.examples.max(1) as f64
    }

    pub fn accuracy(&self) -> f64 {
        self.correct as f64 / self.examples.max(1) as f64
    }

    pub fn add(&mut self, other: LossStats) {
        self.loss_sum += other.loss_sum;
        self.correct += other.correct;
        self.examples += other.examples;
    }
}

/// The class with the highest logit (the first one on a tie).
pub fn predicted_class(row: &[f32]) -> usize {
    let mut best = 0;
    for (c, &z) in row.iter().enumerate().skip(1) {
        if z > row[best] {
            best = c;
        }
    }
    best
}

/// log Σ_c exp(z_c) of one row, as m + log Σ exp(z − m) with m = `row[predicted_class(row)]`.
fn log_sum_exp(row: &[f32], max: f32) -> f32 {
    let mut sum_exp = 0.0f32;
    for &z in row {
        sum_exp += libm::expf(z - max);
    }
    max + libm::logf(sum_exp)
}

/// The class probabilities of one row of logits: softmax(z)_c = exp(z_c − log Σ exp(z)).
pub fn softmax(row: &[f32]) -> Vec<f32> {
    let log_sum_exp = log_sum_exp(row, row[predicted_class(row)]);
    row.iter().map(|&z| libm::expf(z - log_sum_exp)).collect()
}

/// Loss statistics for a batch; when `d_logits` is given, also the gradient of the *mean* loss.
pub fn softmax_cross_entropy(
    logits: &[f32],
    labels: &[u8],
    classes: usize,
    mut d_logits: Option<&mut [f32]>,
) -> LossStats {
    let batch = labels.len();
    let mut stats = LossStats { examples: batch, ..LossStats::default() };
    for (row_index, (row, &label)) in logits.chunks_exact(classes).zip(labels).enumerate() {
        let label = label as usize;
        let argmax = predicted_class(row);
        let log_sum_exp = log_sum_exp(row, row[argmax]);
        stats.loss_sum += (log_sum_exp - row[label]) as f64;
        stats.correct += (argmax == label) as usize;
        if let Some(d) = d_logits.as_deref_mut() {
            let scale = 1.0 / batch as f32;
            let d_row = &mut d[row_index * classes..(row_index + 1) * classes];
            for (c, (dz, &z)) in d_row.iter_mut().zip(row).enumerate() {
                let probability = libm::expf(z - log_sum_exp);
                *dz = (probability - if c == label { 1.0 } else { 0.0 }) * scale;
            }
        }
    }
    stats
}
