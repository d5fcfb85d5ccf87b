//! Port conformance suites (written by the embedded-adapter work).
