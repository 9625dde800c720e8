"""One module per measure; each takes the Harness and returns its Measures."""
