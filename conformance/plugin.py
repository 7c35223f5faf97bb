"""pytest plugin entry point for the DeleteVectors conformance suite (filled in by the suite work)."""
