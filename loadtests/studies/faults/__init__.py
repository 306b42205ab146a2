"""The resilience faults (`make resilience`, `make soak`), one module each: start the server,
load it, break something, measure, judge. Every fault is bounded in time and request count, and
sends traffic only to 127.0.0.1 (docs/resilience.md)."""
