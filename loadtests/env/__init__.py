"""The run's environment: seeded databases and their fixture, test hosts and relays, machine facts."""
