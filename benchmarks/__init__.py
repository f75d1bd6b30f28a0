"""peers' benchmark suite: `python -m benchmarks [--quick] [--json]`.

Every figure is measured beside a baseline in the same run, on data the project's own code
built in a temporary directory that is deleted afterwards. See docs/performance.md.
"""
