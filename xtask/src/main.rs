//! The project's commands (`cargo xtask <command>`).
fn main() {
    eprintln!("xtask: not yet built");
    std::process::exit(2);
}
