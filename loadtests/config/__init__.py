"""What a run is made of: the servers and profiles of servers.toml, the scenarios, the run plan."""
