"""Hugo's rules for a KB: where a content file is served, and what a link asks for."""
