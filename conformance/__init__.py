"""The conformance harness: scenarios in, certified results out (docs/design.rst, "Data flow")."""
