"""What the station model asks its shell to do (the model itself does no I/O)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SendFrame:
    """Write one OCPP-J message on the WebSocket (if it is still open)."""

    text: str


@dataclass(frozen=True, slots=True)
class CloseConnection:
    reason: str


@dataclass(frozen=True, slots=True)
class Reboot:
    """Close the connection, drop the model, start a new one from the disk."""

    reason: str
    after_reset: bool = False


@dataclass(frozen=True, slots=True)
class Download:
    """Fetch ``url``; report with ``Station.transfer_done(job, ...)``."""

    job: int
    url: str


@dataclass(frozen=True, slots=True)
class Upload:
    """Store ``data`` as ``file_name`` in the directory ``location``."""

    job: int
    location: str
    file_name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class AnswerLater:
    """After ``seconds`` real seconds, give the model ``Station.answer_due(token)``: the
    answer it decided and holds goes out then (variant slow_answers)."""

    token: int
    seconds: float


Action = SendFrame | CloseConnection | Reboot | Download | Upload | AnswerLater
