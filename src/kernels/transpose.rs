//! Matrix transposes, used to reorder an operand for the matrix products (gemm's transposed
//! operands, the sparse kernels' batch-minor activations).
//!
//! The fast version works in square tiles, so that both the rows it reads and the rows it writes
//! stay in cache while a tile is done (a plain double loop writes one element per cache line).

/// Tile side, in elements.
const TILE: usize = 16;

/// out (cols, rows) = src (rows, cols)ᵀ.
pub fn transpose(src: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    let (src, out) = (&src[..rows * cols], &mut out[..rows * cols]);
    for row_start in (0..rows).step_by(TILE) {
        let row_end = (row_start + TILE).min(rows);
        for col_start in (0..cols).step_by(TILE) {
            let col_end = (col_start + TILE).min(cols);
            for r in row_start..row_end {
                let src_row = &src[r * cols..][col_start..col_end];
                for (c, &value) in (col_start..col_end).zip(src_row) {
                    out[c * rows + r] = value;
                }
            }
        }
    }
}

/// [`transpose`] into a buffer sized to fit.
pub fn transpose_into(src: &[f32], rows: usize, cols: usize, out: &mut Vec<f32>) {
    out.resize(rows * cols, 0.0);
    transpose(src, rows, cols, out);
}

/// The naive twin of [`transpose`]: the test oracle.
pub fn transpose_naive(src: &[f32], rows: usize, cols: usize, out: &mut [f32]) {
    for r in 0..rows {
        for c in 0..cols {
            out[c * rows + r] = src[r * cols + c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiled_transpose_equals_the_naive_one_on_odd_shapes() {
        for &(rows, cols) in &[(1, 1), (1, 17), (17, 1), (15, 16), (16, 15), (60, 784), (33, 47)] {
            let src: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
            let (mut fast, mut naive) = (vec![f32::NAN; rows * cols], vec![f32::NAN; rows * cols]);
            transpose(&src, rows, cols, &mut fast);
            transpose_naive(&src, rows, cols, &mut naive);
            assert_eq!(fast, naive, "{rows}x{cols}");
        }
    }
}
