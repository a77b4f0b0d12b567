//! The `her2` command line.

fn main() {}
