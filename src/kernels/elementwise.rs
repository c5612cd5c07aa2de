//! Elementwise and row-wise loops of the dense layer and ReLU. Plain loops in a fixed order:
//! the compiler vectorises them without reordering any floating-point sum.

/// y (batch, width) += bias (width), for every row.
pub fn add_bias_to_rows(y: &mut [f32], bias: &[f32]) {
    for row in y.chunks_exact_mut(bias.len()) {
        for (value, b) in row.iter_mut().zip(bias) {
            *value += b;
        }
    }
}

/// d_bias (width) = sum over rows of dy (batch, width).
pub fn sum_rows(dy: &[f32], d_bias: &mut [f32]) {
    d_bias.fill(0.0);
    for row in dy.chunks_exact(d_bias.len()) {
        for (sum, d) in d_bias.iter_mut().zip(row) {
            *sum += d;
        }
    }
}

/// y = max(x, 0)
pub fn relu_forward(x: &[f32], y: &mut [f32]) {
    for (out, &value) in y.iter_mut().zip(x) {
        *out = if value > 0.0 { value } else { 0.0 };
    }
}

/// dx = dy where the ReLU's output was positive, else 0.
pub fn relu_backward(y: &[f32], dy: &[f32], dx: &mut [f32]) {
    for ((d_in, &d_out), &out) in dx.iter_mut().zip(dy).zip(y) {
        *d_in = if out > 0.0 { d_out } else { 0.0 };
    }
}
