//! Hot loops. Each fast kernel keeps its naive twin beside it as the test oracle.
pub mod conv;
pub mod elementwise;
pub mod gemm;
pub mod sparse;
pub mod transpose;
