"""``python -m bench.peer_station``: the peer station (``bench.peer``), a charge station
built on the ``ocpp`` package that shares no code with chargecheck."""

from bench.peer.main import main

if __name__ == "__main__":
    main()
