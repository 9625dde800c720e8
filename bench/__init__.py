"""kzkb's benchmark: `python bench/run.py` or `python -m bench` (see bench/README.md).

procs runs one process and samples its tree; core holds the settings, measures
and the Harness; measures/ has one module per measure; sizes runs one size;
report, machine and cli write the report, describe the machine, parse options.
"""
