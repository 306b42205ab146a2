"""The resilience faults (`make resilience`, `make soak`): README, Resilience."""
