"""chargecheck: an OCPP 1.6J acceptance test bench for EV charge stations."""

__version__ = "0.1.0"
