"""Benchmarks: flowsim's speed against bare SimPy and ciw, and the reference county's cost (see README.md)."""
