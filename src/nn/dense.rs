//! Fully connected layer: y = x·W + b.
//!
//! x: (B, inputs), W: (inputs, outputs) row-major, b: (outputs), y: (B, outputs).
//! Backward: d_W = xᵀ·d_y, d_b = Σ_rows d_y, d_x = d_y·Wᵀ.
//!
//! A pruned layer below `SPARSE_BELOW` density runs the sparse kernels instead of the dense
//! products: same results up to rounding, and work in proportion to the weights kept.

use crate::kernels::elementwise::{add_bias_to_rows, sum_rows};
use crate::kernels::gemm::{gemm, Op, Shape};
use crate::kernels::sparse::{
    sparse_backward_input, sparse_backward_weights, sparse_forward, sparse_forward_blocked, SparsePattern,
    SparseScratch,
};

/// The density under which a layer switches to the sparse kernels. Measured with `lth bench`
/// (LeNet-300-100, batch 60): the sparse kernels are 8% faster at 21% and twice as slow at 51%.
/// A constant, so that native and wasm builds always choose the same kernels (and numbers).
pub const SPARSE_BELOW: f64 = 0.25;

/// What a forward pass is for. Training keeps what the backward pass needs; inference
/// (evaluation, classifying) keeps nothing and may take paths that suit its large batches. Both
/// give the same numbers, bit for bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pass {
    Training,
    Inference,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub inputs: usize,
    pub outputs: usize,
    /// Offsets of W and b in the model's flat parameter buffer.
    pub weight_offset: usize,
    pub bias_offset: usize,
    /// Set for a pruned layer run by the sparse kernels; its pruned weights must be 0.
    pub sparse: Option<SparsePattern>,
}

impl Dense {
    pub fn weights<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.weight_offset..self.weight_offset + self.inputs * self.outputs]
    }

    pub fn bias<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.bias_offset..self.bias_offset + self.outputs]
    }

    pub fn forward(
        &self,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        batch: usize,
        pass: Pass,
        scratch: &mut SparseScratch,
    ) {
        match (&self.sparse, pass) {
            (Some(pattern), Pass::Training) => sparse_forward(pattern, self.weights(params), x, y, batch, scratch),
            (Some(pattern), Pass::Inference) => {
                sparse_forward_blocked(pattern, self.weights(params), x, y, batch, scratch)
            }
            (None, _) => {
                let shape = Shape { m: batch, k: self.inputs, n: self.outputs };
                gemm(shape, x, Op::AsIs, self.weights(params), Op::AsIs, y, false);
            }
        }
        add_bias_to_rows(&mut y[..batch * self.outputs], self.bias(params));
    }

    /// Writes d_W and d_b into `grads` (same layout as `params`); d_x only when asked for
    /// (the first layer's input gradient is never needed). The sparse kernels leave the pruned
    /// entries of d_W untouched (at 0). x: (B, inputs) and d_y: (B, outputs) exactly; call after
    /// `forward` on the same x with the same scratch (the sparse kernels reuse what it computed).
    pub fn backward(
        &self,
        params: &[f32],
        x: &[f32],
        d_y: &[f32],
        grads: &mut [f32],
        d_x: Option<&mut [f32]>,
        scratch: &mut SparseScratch,
    ) {
        let batch = d_y.len() / self.outputs;
        let d_weights = &mut grads[self.weight_offset..self.weight_offset + self.inputs * self.outputs];
        match &self.sparse {
            Some(pattern) => sparse_backward_weights(pattern, d_y, d_weights, batch, scratch),
            None => {
                let shape = Shape { m: self.inputs, k: batch, n: self.outputs };
                gemm(shape, x, Op::Transposed, d_y, Op::AsIs, d_weights, false);
            }
        }
        sum_rows(d_y, &mut grads[self.bias_offset..self.bias_offset + self.outputs]);
        if let Some(d_x) = d_x {
            match &self.sparse {
                Some(pattern) => sparse_backward_input(pattern, self.weights(params), d_x, batch, scratch),
                None => {
                    let shape = Shape { m: batch, k: self.outputs, n: self.inputs };
                    gemm(shape, d_y, Op::AsIs, self.weights(params), Op::Transposed, d_x, false);
                }
            }
        }
    }
}
