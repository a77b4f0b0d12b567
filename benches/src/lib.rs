//! Shared helpers for the her2 criterion benches (inputs built once, reused across stages).
