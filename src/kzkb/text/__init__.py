"""Text rules shared by every layer: folding and the one "did you mean"."""
