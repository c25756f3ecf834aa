"""Use cases. Services flush and raise domain errors; the view or CLI command commits."""
