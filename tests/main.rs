//! Integration tests: one binary, scenarios against a real moto server (one per test).
mod it;
