//! Shared helpers of the integration tests: where the fetched real files are.

use std::path::PathBuf;

/// Path of a file fetched by `scripts/fetch-test-data` into `fixtures/external/`; panics with
/// the fix when it is missing (tests on real slides must not pass silently without them).
pub fn external(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/external")
        .join(name);
    assert!(
        path.is_file(),
        "{} is missing: run scripts/fetch-test-data (from the repository root) first",
        path.display()
    );
    path
}
