"""The simulated OCPP 2.0.1 charging station (issue #26, first slice: the Core cases of
blocks B and E).

Python API: ``chargecheck.sim.v201.simulator.Simulator201``; command: ``chargecheck
simulate URL ID --ocpp 2.0.1``; defects: ``chargecheck.sim.v201.defects``; the sans-I/O
model: ``chargecheck.sim.v201.station`` (device model ``device_model``, link ``link``,
transactions ``transactions``, answers to the CSMS ``central_calls``); the asyncio shell:
``chargecheck.sim.v201.shell``; the device model's data: ``sim/profiles/generic-201.toml``.
"""
