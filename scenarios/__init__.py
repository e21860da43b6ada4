"""The shipped conformance scenarios: TOML files, one folder per PEP."""
