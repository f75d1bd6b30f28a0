"""One module per family of figures. Each `measure(...)` returns Figure records.

Functions whose names start with `worker_` run in child processes (benchmarks.workers).
"""
