"""The simulated charge station."""
