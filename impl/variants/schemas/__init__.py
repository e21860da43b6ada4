"""JSON schemas of the variant metadata formats, copied from the PEP appendices."""
