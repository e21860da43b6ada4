"""The shipped expected-failure lists, one TOML file per adapter configuration (package data)."""
