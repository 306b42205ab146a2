"""The contract suite: black-box HTTP tests that every front end must pass."""
