"""The conformance harness: scenarios in, certified results out (DESIGN.md, "Data flow")."""
