//! Dense matrix products on row-major f32 slices: ticketlab's own kernel.
//!
//! Contract: `c (m, n) = op(a) (m, k) · op(b) (k, n)`, added to `c` when `accumulate`, where
//! `op(x)` is `x` or its transpose.
//!
//! The kernel works row by row: row i of c is the sum, over the nonzero entries a(i, p) of row i
//! of op(a), of a(i, p) · (row p of op(b)). Layers feed it activations that are mostly zeros (the
//! blank pixels of MNIST, dead ReLUs, and for d_W their transposes), so skipping them does a
//! fraction of the multiply-adds a blocked GEMM would do. Each row of c is built in chunks of
//! 32 columns held in registers (eight simd128 vectors) while the nonzeros of a's row stream by;
//! the chunk's columns of op(b) are first copied into a contiguous panel.
//!
//! Every element of c is summed in one fixed order, p ascending, one multiply and one add each
//! (Rust never fuses them): whatever width the compiler vectorises to (simd128 in the wasm build,
//! SSE natively), the result is bit for bit the same, and equal to the naive sequential loop
//! [`gemm_sequential`]. A seed therefore gives the same run in the terminal and in the browser.
//!
//! A transposed a costs one pass to reorder it into a reused buffer, then op(a) is read into a
//! list of nonzeros per row; b, transposed or not, is read straight into the panels.

use std::cell::RefCell;

use crate::kernels::transpose::transpose_into;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// Use the matrix as stored.
    AsIs,
    /// Use the transpose of the stored matrix.
    Transposed,
}

/// Shape of a product: `op(a)` is (m, k), `op(b)` is (k, n), `c` is (m, n).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    pub m: usize,
    pub k: usize,
    pub n: usize,
}

/// Columns of c computed together: eight 4-lane vectors of accumulators.
const CHUNK: usize = 32;

/// The nonzero entries of op(a), row by row (CSR), op(a) when it must be transposed, and the
/// panel of op(b)'s columns.
/// Reused from call to call (one per thread), so a training step allocates nothing.
#[derive(Default)]
struct Scratch {
    row_starts: Vec<u32>,
    /// p · CHUNK for each nonzero a(i, p): where row p of the panel starts.
    b_offsets: Vec<u32>,
    values: Vec<f32>,
    /// op(a), when it is stored transposed.
    a_rows: Vec<f32>,
    /// A chunk of op(b)'s columns, k rows of CHUNK (the rest of a row unused in a narrower chunk).
    panel: Vec<f32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

impl Scratch {
    /// The nonzeros of a row-major (m, k) matrix, each row's in ascending p, with the offsets
    /// p · stride of the rows they multiply. Branch-free: every entry is written, and the
    /// cursor moves past the nonzero ones (zeros and nonzeros are mixed unpredictably in images).
    fn gather_nonzeros(&mut self, a: &[f32], m: usize, k: usize, stride: usize) {
        self.row_starts.clear();
        self.row_starts.push(0);
        self.b_offsets.resize(m * k, 0);
        self.values.resize(m * k, 0.0);
        let mut count = 0;
        for row in a[..m * k].chunks_exact(k) {
            // Row i's entries land in [count, count + k), within the m · k entries sized above.
            let (offsets, values) = (&mut self.b_offsets[count..count + k], &mut self.values[count..count + k]);
            let mut kept = 0;
            for (p, &value) in row.iter().enumerate() {
                // SAFETY: kept ≤ p < k, the length of both slices.
                unsafe {
                    *offsets.get_unchecked_mut(kept) = (p * stride) as u32;
                    *values.get_unchecked_mut(kept) = value;
                }
                kept += (value != 0.0) as usize;
            }
            count += kept;
            self.row_starts.push(count as u32);
        }
    }
}

/// c[..WIDTH] (+)= Σ over the row's nonzeros a_p of a_p · b[p·n..][..WIDTH], p ascending.
/// `b` starts at the chunk's first column; the offsets ascend.
#[inline(always)]
fn row_chunk<const WIDTH: usize>(b_offsets: &[u32], values: &[f32], b: &[f32], c: &mut [f32], accumulate: bool) {
    let mut sums = [0.0f32; WIDTH];
    if accumulate {
        sums.copy_from_slice(&c[..WIDTH]);
    }
    // In gemm every offset is p·n with p < k, and the chunk ends by column n: checked once here.
    assert!(b_offsets.last().map_or(true, |&last| last as usize + WIDTH <= b.len()), "chunk in bounds");
    for (&offset, &a) in b_offsets.iter().zip(values) {
        // SAFETY: offsets ascend, so the last one bounds them all (asserted above).
        let b_row = unsafe { b.get_unchecked(offset as usize..offset as usize + WIDTH) };
        for lane in 0..WIDTH {
            sums[lane] += a * b_row[lane];
        }
    }
    c[..WIDTH].copy_from_slice(&sums);
}

/// The widest chunk that fits in the `rest` columns left.
fn chunk_width(rest: usize) -> usize {
    match rest {
        rest if rest >= CHUNK => CHUNK,
        rest if rest >= 16 => 16,
        rest if rest >= 8 => 8,
        rest if rest >= 4 => 4,
        _ => 1,
    }
}

/// [`row_chunk`] for a width that [`chunk_width`] chose.
#[inline(always)]
fn row_chunk_of_width(width: usize, b_offsets: &[u32], values: &[f32], b: &[f32], c: &mut [f32], accumulate: bool) {
    match width {
        CHUNK => row_chunk::<CHUNK>(b_offsets, values, b, c, accumulate),
        16 => row_chunk::<16>(b_offsets, values, b, c, accumulate),
        8 => row_chunk::<8>(b_offsets, values, b, c, accumulate),
        4 => row_chunk::<4>(b_offsets, values, b, c, accumulate),
        _ => row_chunk::<1>(b_offsets, values, b, c, accumulate),
    }
}

/// One whole row: c (+)= Σ_p values_p · b[b_offsets_p..][..c.len()], in chunks held in registers,
/// terms in the order given (b_offsets must ascend). The sparse kernels' inner loop.
pub fn weighted_sum_of_rows(b_offsets: &[u32], values: &[f32], b: &[f32], c: &mut [f32], accumulate: bool) {
    let n = c.len();
    let mut j = 0;
    while j < n {
        let width = chunk_width(n - j);
        row_chunk_of_width(width, b_offsets, values, &b[j..], &mut c[j..], accumulate);
        j += width;
    }
}

/// c = op(a)·op(b) (+ c if `accumulate`). See the module comment for the summation order.
pub fn gemm(shape: Shape, a: &[f32], op_a: Op, b: &[f32], op_b: Op, c: &mut [f32], accumulate: bool) {
    let Shape { m, k, n } = shape;
    SCRATCH.with_borrow_mut(|scratch| {
        let mut a_rows = std::mem::take(&mut scratch.a_rows);
        let a: &[f32] = match op_a {
            Op::AsIs => a,
            Op::Transposed => {
                transpose_into(a, k, m, &mut a_rows);
                &a_rows
            }
        };
        scratch.gather_nonzeros(a, m, k, CHUNK);
        scratch.a_rows = a_rows;
        let mut panel = std::mem::take(&mut scratch.panel);
        let Scratch { row_starts, b_offsets, values, .. } = &*scratch;
        let row = |i: usize| {
            let range = row_starts[i] as usize..row_starts[i + 1] as usize;
            (&b_offsets[range.clone()], &values[range])
        };
        // Chunks of columns outermost, each copied from op(b) into a contiguous panel (k rows of
        // CHUNK) that stays in cache across the rows of a: a chunk of b's rows spans two cache
        // lines and a page per row, a panel's row one line.
        panel.resize(k * CHUNK, 0.0);
        let mut j = 0;
        while j < n {
            let width = chunk_width(n - j);
            match op_b {
                Op::AsIs => {
                    for (p, panel_row) in panel.chunks_exact_mut(CHUNK).enumerate() {
                        panel_row[..width].copy_from_slice(&b[p * n + j..p * n + j + width]);
                    }
                }
                // Stored (n, k): the chunk's columns of op(b) are b's rows j..j + width.
                Op::Transposed => {
                    for (column, b_row) in b[j * k..(j + width) * k].chunks_exact(k).enumerate() {
                        for (p, &value) in b_row.iter().enumerate() {
                            panel[p * CHUNK + column] = value;
                        }
                    }
                }
            }
            for i in 0..m {
                let (b_offsets, values) = row(i);
                row_chunk_of_width(width, b_offsets, values, &panel, &mut c[i * n + j..], accumulate);
            }
            j += width;
        }
        scratch.panel = panel;
    });
}

/// op(x) at (row, col) of a stored matrix whose op is (rows, cols).
fn at(x: &[f32], op: Op, rows: usize, cols: usize, row: usize, col: usize) -> f32 {
    match op {
        Op::AsIs => x[row * cols + col],
        Op::Transposed => x[col * rows + row],
    }
}

/// The naive twin of [`gemm`] in its own summation order: three loops, f32, p ascending, zeros
/// included. [`gemm`] must equal it exactly.
pub fn gemm_sequential(shape: Shape, a: &[f32], op_a: Op, b: &[f32], op_b: Op, c: &mut [f32], accumulate: bool) {
    let Shape { m, k, n } = shape;
    for i in 0..m {
        for j in 0..n {
            let mut sum = if accumulate { c[i * n + j] } else { 0.0 };
            for p in 0..k {
                sum += at(a, op_a, m, k, i, p) * at(b, op_b, k, n, p, j);
            }
            c[i * n + j] = sum;
        }
    }
}

/// The naive oracle: three loops, sums in f64, rounded once. Tests measure the fast kernels'
/// rounding error against it.
pub fn gemm_naive(shape: Shape, a: &[f32], op_a: Op, b: &[f32], op_b: Op, c: &mut [f32], accumulate: bool) {
    let Shape { m, k, n } = shape;
    for i in 0..m {
        for j in 0..n {
            let mut sum = if accumulate { c[i * n + j] as f64 } else { 0.0 };
            for p in 0..k {
                sum += at(a, op_a, m, k, i, p) as f64 * at(b, op_b, k, n, p, j) as f64;
            }
            c[i * n + j] = sum as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::test_support::random_with_zeros as random;
    use crate::rng::{Rng, Stream};

    #[test]
    fn fast_equals_the_sequential_twin_and_the_f64_oracle_on_odd_shapes_and_every_transpose() {
        let mut rng = Rng::new(11, Stream::Scratch);
        let shapes = [(1, 1, 1), (3, 5, 7), (17, 33, 9), (60, 784, 30), (64, 31, 100), (9, 300, 10), (5, 7, 45)];
        for &(m, k, n) in &shapes {
            for zeros in [0.0, 0.8] {
                for op_a in [Op::AsIs, Op::Transposed] {
                    for op_b in [Op::AsIs, Op::Transposed] {
                        for accumulate in [false, true] {
                            let shape = Shape { m, k, n };
                            let a = random(m * k, zeros, &mut rng);
                            let b = random(k * n, 0.0, &mut rng);
                            let start = random(m * n, 0.0, &mut rng);
                            let (mut fast, mut sequential, mut naive) = (start.clone(), start.clone(), start);
                            gemm(shape, &a, op_a, &b, op_b, &mut fast, accumulate);
                            gemm_sequential(shape, &a, op_a, &b, op_b, &mut sequential, accumulate);
                            gemm_naive(shape, &a, op_a, &b, op_b, &mut naive, accumulate);
                            let case = format!("{m}x{k}x{n} {op_a:?} {op_b:?} accumulate {accumulate} zeros {zeros}");
                            assert_eq!(fast, sequential, "{case}");
                            for (x, y) in fast.iter().zip(&naive) {
                                // f32 summation of k products of magnitude <= 1: error grows like k * eps.
                                assert!((x - y).abs() <= 1e-6 * k as f32 + 1e-6, "{case}: {x} vs {y}");
                            }
                        }
                    }
                }
            }
        }
    }
}
