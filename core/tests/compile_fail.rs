//! The macros' diagnostics, pinned with trybuild.

#[test]
fn macro_misuse_gets_clear_errors() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
