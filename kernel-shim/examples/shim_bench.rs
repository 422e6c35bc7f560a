//! Prints the shim benchmark report (`cargo run --release -p kernel-shim --example shim_bench`).
fn main() {
    print!("{}", kernel_shim::bench::run_all());
}
