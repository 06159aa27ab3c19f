//! Matching benchmarks (placeholder until written).
fn main() {}
