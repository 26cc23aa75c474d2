"""The activities a workflow can run; each type registers itself in `REGISTRY`."""
