"""Running the front ends for humans, tests and benchmarks: databases, commands, processes."""
