"""CRM emulators served over HTTPS on loopback, for tests, demos and benchmarks."""
