//! The hello example (being built).
fn main() {}
