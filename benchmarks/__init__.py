"""gigatwin benchmarks. Run all with ``make bench`` or one with ``python -m benchmarks NAME``."""
