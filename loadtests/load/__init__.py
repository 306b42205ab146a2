"""Load generators (Locust, wrk, k6, an outcome-per-request client) and one trial of load."""
