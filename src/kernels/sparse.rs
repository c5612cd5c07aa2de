//! Sparse kernels for a pruned fully connected layer: work in proportion to the weights kept.
//!
//! The weights stay in the dense row-major buffer W (inputs, outputs); a `SparsePattern` lists,
//! row by row, the columns the mask keeps (CSR without values: values are read from W in place,
//! so the optimizer, resetting and pruning keep working on the one flat parameter buffer).
//!
//! The kernels work on activations transposed to batch-minor order (xᵀ: inputs × B), so that
//! every kept weight costs one contiguous, SIMD-friendly pass over the batch:
//!
//! forward:  yᵀ_j = Σ_i W_ij · xᵀ_i          over column j's kept i, ascending   (rows summed over B)
//! d_W:      d_W_ij = xᵀ_i · d_yᵀ_j         for each kept (i, j)                (dot over B)
//! d_x:      d_xᵀ_i = Σ_j W_ij · d_yᵀ_j     over row i's kept j, ascending      (rows summed over B)
//!
//! The sums of rows run in gemm's register-held chunks (`weighted_sum_of_rows`), so an output
//! row is written once rather than once per kept weight. Inputs whose batch row is all zero
//! (blank pixels, dead ReLUs) are skipped. Every sum runs in
//! an order fixed by this code (the dot product's eight lanes included), so the results are the
//! same natively and in wasm; they equal the dense kernels' up to rounding.

use crate::kernels::gemm::weighted_sum_of_rows;
use crate::kernels::transpose::{transpose, transpose_into};

/// The kept entries of a masked (rows × cols) matrix, by row and by column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparsePattern {
    pub rows: usize,
    pub cols: usize,
    /// Row i's kept columns are `columns[row_starts[i]..row_starts[i + 1]]`, ascending.
    row_starts: Vec<u32>,
    columns: Vec<u32>,
    /// Column j's kept rows are `rows_of_columns[column_starts[j]..column_starts[j + 1]]`, ascending.
    column_starts: Vec<u32>,
    rows_of_columns: Vec<u32>,
}

impl SparsePattern {
    /// The pattern of `keep` (row-major, rows × cols).
    pub fn from_mask(keep: &[bool], rows: usize, cols: usize) -> SparsePattern {
        assert_eq!(keep.len(), rows * cols, "mask size");
        let mut row_starts = Vec::with_capacity(rows + 1);
        let mut columns = Vec::new();
        row_starts.push(0);
        for row in keep.chunks_exact(cols) {
            columns.extend(row.iter().enumerate().filter(|(_, &k)| k).map(|(j, _)| j as u32));
            row_starts.push(columns.len() as u32);
        }
        let mut column_starts = vec![0u32; cols + 1];
        for &j in &columns {
            column_starts[j as usize + 1] += 1;
        }
        for j in 0..cols {
            column_starts[j + 1] += column_starts[j];
        }
        let mut rows_of_columns = vec![0u32; columns.len()];
        let mut next = column_starts.clone();
        for i in 0..rows {
            for &j in &columns[row_starts[i] as usize..row_starts[i + 1] as usize] {
                rows_of_columns[next[j as usize] as usize] = i as u32;
                next[j as usize] += 1;
            }
        }
        SparsePattern { rows, cols, row_starts, columns, column_starts, rows_of_columns }
    }

    /// Kept entries.
    pub fn kept(&self) -> usize {
        self.columns.len()
    }

    fn row(&self, i: usize) -> &[u32] {
        &self.columns[self.row_starts[i] as usize..self.row_starts[i + 1] as usize]
    }

    fn column(&self, j: usize) -> &[u32] {
        &self.rows_of_columns[self.column_starts[j] as usize..self.column_starts[j + 1] as usize]
    }
}

/// Buffers for the transposed activations, reused from step to step.
#[derive(Default)]
pub struct SparseScratch {
    input: Vec<f32>,
    output: Vec<f32>,
    zero_rows: Vec<bool>,
    terms: RowTerms,
    /// A short last block, padded to a whole one (`sparse_forward_blocked`).
    padded: Vec<f32>,
}

/// The terms of one output row's sum: where each source row starts, and its weight.
#[derive(Default)]
struct RowTerms {
    offsets: Vec<u32>,
    weights: Vec<f32>,
}

impl RowTerms {
    /// out = Σ over `terms` (source row index, weight) of weight · that row of `sources` (rows of
    /// out.len() values), in the order given (source rows ascending).
    fn sum_into(&mut self, terms: impl Iterator<Item = (usize, f32)>, sources: &[f32], out: &mut [f32]) {
        self.offsets.clear();
        self.weights.clear();
        for (row, weight) in terms {
            self.offsets.push((row * out.len()) as u32);
            self.weights.push(weight);
        }
        weighted_sum_of_rows(&self.offsets, &self.weights, sources, out, false);
    }
}

/// xᵀ into `scratch.input`, and which of its rows are all zero.
fn transpose_input(x: &[f32], batch: usize, inputs: usize, scratch: &mut SparseScratch) {
    transpose_into(x, batch, inputs, &mut scratch.input);
    scratch.zero_rows.clear();
    scratch.zero_rows.extend(scratch.input.chunks_exact(batch).map(|row| row.iter().all(|&v| v == 0.0)));
}

/// Σ a_k · b_k with eight interleaved partial sums combined in a fixed order.
#[inline(always)]
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let (a_chunks, b_chunks) = (a.chunks_exact(8), b.chunks_exact(8));
    let (a_tail, b_tail) = (a_chunks.remainder(), b_chunks.remainder());
    for (a8, b8) in a_chunks.zip(b_chunks) {
        for lane in 0..8 {
            lanes[lane] += a8[lane] * b8[lane];
        }
    }
    let mut tail = 0.0f32;
    for (&a, &b) in a_tail.iter().zip(b_tail) {
        tail += a * b;
    }
    ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])) + tail
}

/// y (B, cols) = x (B, rows) · W, W read at the kept entries only.
pub fn sparse_forward(
    pattern: &SparsePattern,
    w: &[f32],
    x: &[f32],
    y: &mut [f32],
    batch: usize,
    scratch: &mut SparseScratch,
) {
    let (rows, cols) = (pattern.rows, pattern.cols);
    transpose_input(x, batch, rows, scratch);
    let SparseScratch { input: x_t, output: y_t, zero_rows, terms, .. } = scratch;
    y_t.resize(cols * batch, 0.0);
    for (j, y_t_j) in y_t.chunks_exact_mut(batch).enumerate() {
        let kept_inputs = pattern.column(j).iter().map(|&i| i as usize).filter(|&i| !zero_rows[i]);
        terms.sum_into(kept_inputs.map(|i| (i, w[i * cols + j])), x_t, y_t_j);
    }
    transpose(y_t, cols, batch, y);
}

/// Examples per block of [`sparse_forward_blocked`]: a block's xᵀ (inputs × 32) stays in cache
/// while every output sums over it, and an output's 32 sums are one register-held chunk.
pub const INFERENCE_BLOCK: usize = 32;

/// [`sparse_forward`] for forward passes with no backward pass after them (evaluation), whose
/// batches are large: the examples go through in blocks of [`INFERENCE_BLOCK`], and the kept
/// weights are gathered column by column once per call rather than once per output. Every output
/// is the same sum in the same order as in `sparse_forward`, bit for bit: the terms it adds for
/// all-zero input rows, which `sparse_forward` skips, are zero and change no sum.
pub fn sparse_forward_blocked(
    pattern: &SparsePattern,
    w: &[f32],
    x: &[f32],
    y: &mut [f32],
    batch: usize,
    scratch: &mut SparseScratch,
) {
    const BLOCK: usize = INFERENCE_BLOCK;
    let (rows, cols) = (pattern.rows, pattern.cols);
    let SparseScratch { input: x_t, output: y_t, terms, padded, .. } = scratch;
    // Column j's terms are terms[column_starts[j]..column_starts[j + 1]]: where input row i
    // starts in a block's xᵀ, and W_ij.
    terms.offsets.clear();
    terms.weights.clear();
    for j in 0..cols {
        for &i in pattern.column(j) {
            terms.offsets.push(i * BLOCK as u32);
            terms.weights.push(w[i as usize * cols + j]);
        }
    }
    x_t.resize(rows * BLOCK, 0.0);
    y_t.resize(cols * BLOCK, 0.0);
    let blocks = x[..batch * rows].chunks(BLOCK * rows).zip(y[..batch * cols].chunks_mut(BLOCK * cols));
    for (x_block, y_block) in blocks {
        let full = x_block.len() == BLOCK * rows;
        if full {
            transpose_into(x_block, BLOCK, rows, x_t);
        } else {
            // The last, short block: padded with zero examples, whose outputs are dropped.
            padded.clear();
            padded.extend_from_slice(x_block);
            padded.resize(BLOCK * rows, 0.0);
            transpose_into(padded, BLOCK, rows, x_t);
        }
        for (j, y_t_j) in y_t.chunks_exact_mut(BLOCK).enumerate() {
            let column = pattern.column_starts[j] as usize..pattern.column_starts[j + 1] as usize;
            weighted_sum_of_rows(&terms.offsets[column.clone()], &terms.weights[column], x_t, y_t_j, false);
        }
        if full {
            transpose(y_t, cols, BLOCK, y_block);
        } else {
            padded.resize(BLOCK * cols, 0.0);
            transpose(y_t, cols, BLOCK, padded);
            y_block.copy_from_slice(&padded[..y_block.len()]);
        }
    }
}

/// d_W (rows, cols) = xᵀ · d_y at the kept entries; the pruned entries of `d_w` are not written.
/// Call after `sparse_forward` with the same scratch: it reuses the input xᵀ transposed there.
pub fn sparse_backward_weights(
    pattern: &SparsePattern,
    d_y: &[f32],
    d_w: &mut [f32],
    batch: usize,
    scratch: &mut SparseScratch,
) {
    let (rows, cols) = (pattern.rows, pattern.cols);
    assert_eq!(scratch.input.len(), rows * batch, "sparse_backward_weights needs the forward pass's xᵀ");
    transpose_into(d_y, batch, cols, &mut scratch.output);
    let SparseScratch { input: x_t, output: d_y_t, zero_rows, .. } = scratch;
    for i in 0..rows {
        let x_t_i = &x_t[i * batch..(i + 1) * batch];
        for &j in pattern.row(i) {
            let j = j as usize;
            d_w[i * cols + j] = if zero_rows[i] { 0.0 } else { dot(x_t_i, &d_y_t[j * batch..(j + 1) * batch]) };
        }
    }
}

/// d_x (B, rows) = d_y (B, cols) · Wᵀ, W read at the kept entries only. Call after
/// `sparse_backward_weights` with the same d_y: it reuses d_yᵀ from the scratch.
pub fn sparse_backward_input(
    pattern: &SparsePattern,
    w: &[f32],
    d_x: &mut [f32],
    batch: usize,
    scratch: &mut SparseScratch,
) {
    let (rows, cols) = (pattern.rows, pattern.cols);
    let SparseScratch { input: d_x_t, output: d_y_t, terms, .. } = scratch;
    d_x_t.resize(rows * batch, 0.0);
    for (i, d_x_t_i) in d_x_t.chunks_exact_mut(batch).enumerate() {
        let kept_outputs = pattern.row(i).iter().map(|&j| j as usize);
        terms.sum_into(kept_outputs.map(|j| (j, w[i * cols + j])), d_y_t, d_x_t_i);
    }
    transpose(d_x_t, rows, batch, d_x);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::{gemm, gemm_naive, Op, Shape};
    use crate::kernels::test_support::assert_close;
    use crate::rng::{Rng, Stream};

    struct Case {
        keep: Vec<bool>,
        /// W with the pruned entries set to 0: the dense oracle's input.
        w: Vec<f32>,
        x: Vec<f32>,
        d_y: Vec<f32>,
    }

    fn case(batch: usize, rows: usize, cols: usize, density: f32, rng: &mut Rng) -> Case {
        let keep: Vec<bool> = (0..rows * cols).map(|_| rng.uniform_f32() < density).collect();
        let signed = |rng: &mut Rng| rng.uniform_f32() * 2.0 - 1.0;
        let w = keep.iter().map(|&k| if k { signed(rng) } else { 0.0 }).collect();
        // Inputs with exact zeros, like blank pixels and dead ReLUs.
        let x = (0..batch * rows).map(|_| if rng.below(3) == 0 { 0.0 } else { signed(rng) }).collect();
        let d_y = (0..batch * cols).map(|_| signed(rng)).collect();
        Case { keep, w, x, d_y }
    }

    #[test]
    fn the_blocked_forward_pass_and_the_dense_kernel_give_the_sparse_forward_pass_bit_for_bit() {
        let mut rng = Rng::new(22, Stream::Scratch);
        // One block, several blocks, and a last block that is not full.
        for &(batch, rows, cols) in &[(5, 40, 12), (64, 33, 17), (100, 70, 30)] {
            for density in [0.03, 0.2, 0.7] {
                let c = case(batch, rows, cols, density, &mut rng);
                let pattern = SparsePattern::from_mask(&c.keep, rows, cols);
                let mut scratch = SparseScratch::default();
                let (mut y, mut y_blocked, mut y_dense) =
                    (vec![0.0; batch * cols], vec![f32::NAN; batch * cols], vec![0.0; batch * cols]);
                sparse_forward(&pattern, &c.w, &c.x, &mut y, batch, &mut scratch);
                sparse_forward_blocked(&pattern, &c.w, &c.x, &mut y_blocked, batch, &mut scratch);
                gemm(Shape { m: batch, k: rows, n: cols }, &c.x, Op::AsIs, &c.w, Op::AsIs, &mut y_dense, false);
                let case = format!("{batch}x{rows}x{cols} at {density}");
                assert_eq!(y_blocked, y, "{case}: blocked");
                assert_eq!(y_dense, y, "{case}: dense kernel");
            }
        }
    }

    #[test]
    fn sparse_kernels_match_the_dense_oracle_on_odd_shapes_and_densities() {
        let mut rng = Rng::new(21, Stream::Scratch);
        for &(batch, rows, cols) in &[(1, 1, 1), (3, 7, 5), (60, 33, 17), (13, 100, 10)] {
            for density in [0.0, 0.03, 0.2, 0.7, 1.0] {
                let c = case(batch, rows, cols, density, &mut rng);
                let pattern = SparsePattern::from_mask(&c.keep, rows, cols);
                assert_eq!(pattern.kept(), c.keep.iter().filter(|&&k| k).count());

                let (mut y, mut y_oracle) = (vec![f32::NAN; batch * cols], vec![0.0; batch * cols]);
                let mut scratch = SparseScratch::default();
                sparse_forward(&pattern, &c.w, &c.x, &mut y, batch, &mut scratch);
                gemm_naive(Shape { m: batch, k: rows, n: cols }, &c.x, Op::AsIs, &c.w, Op::AsIs, &mut y_oracle, false);
                assert_close(&y, &y_oracle, rows, "y");

                // Pruned entries of d_W must be left as they are (the caller keeps them at 0).
                let sentinel = 7.0;
                let (mut d_w, mut d_w_oracle) = (vec![sentinel; rows * cols], vec![0.0; rows * cols]);
                sparse_backward_weights(&pattern, &c.d_y, &mut d_w, batch, &mut scratch);
                let shape = Shape { m: rows, k: batch, n: cols };
                gemm_naive(shape, &c.x, Op::Transposed, &c.d_y, Op::AsIs, &mut d_w_oracle, false);
                for (index, &keep) in c.keep.iter().enumerate() {
                    if keep {
                        assert_close(&d_w[index..=index], &d_w_oracle[index..=index], batch, "d_w");
                    } else {
                        assert_eq!(d_w[index], sentinel, "pruned d_w[{index}] was written");
                    }
                }

                let (mut d_x, mut d_x_oracle) = (vec![f32::NAN; batch * rows], vec![0.0; batch * rows]);
                sparse_backward_input(&pattern, &c.w, &mut d_x, batch, &mut scratch);
                gemm_naive(
                    Shape { m: batch, k: cols, n: rows },
                    &c.d_y,
                    Op::AsIs,
                    &c.w,
                    Op::Transposed,
                    &mut d_x_oracle,
                    false,
                );
                assert_close(&d_x, &d_x_oracle, cols, "d_x");
            }
        }
    }
}
