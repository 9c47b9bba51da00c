"""GetBaseReport's NotifyReport messages, sans I/O (use case B07).

- ConfigurationInventory: every variable the CSMS may set (ReadWrite or WriteOnly);
  FullInventory: every variable; SummaryInventory is an Advanced Device Management
  report this Core station answers NotSupported.
- The report goes in NotifyReport messages of at most ``items_per_message`` reportData
  entries: seqNo 0, 1, ... and tbc ("to be continued") true on every one but the last.
- A WriteOnly attribute is reported without its value (VariableAttributeType.value "may
  only be omitted when mutability is set to WriteOnly"); a value is cut to
  DeviceDataCtrlr.ReportingValueSize.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from chargecheck.sim.v201.device_model import Address, DeviceModel

BASES: dict[str, Callable[[Address], bool]] = {
    "ConfigurationInventory": lambda a: a.spec.mutability != "ReadOnly",
    "FullInventory": lambda a: True,
}


def report_status(model: DeviceModel, base: str) -> str:
    """The GetBaseReportResponse status for ``base``."""
    chosen = BASES.get(base)
    if chosen is None:
        return "NotSupported"
    return "Accepted" if any(chosen(a) for a in model.addresses) else "EmptyResultSet"


def report_data(model: DeviceModel, address: Address, value_size: int) -> dict[str, Any]:
    spec = address.spec
    attributes = []
    for attribute in spec.attributes:
        entry: dict[str, Any] = {
            "type": attribute,
            "mutability": spec.mutability,
            "persistent": spec.persistent,
            "constant": spec.constant,
        }
        value = model.read(address, attribute)
        if spec.mutability != "WriteOnly":
            entry["value"] = (value or "")[:value_size]
        attributes.append(entry)
    characteristics: dict[str, Any] = {"dataType": spec.data_type, "supportsMonitoring": False}
    if spec.unit:
        characteristics["unit"] = spec.unit
    if spec.min_limit is not None:
        characteristics["minLimit"] = spec.min_limit
    if spec.max_limit is not None:
        characteristics["maxLimit"] = spec.max_limit
    if spec.values_list:
        characteristics["valuesList"] = ",".join(spec.values_list)[:1000]
    return {
        "component": address.component_json(),
        "variable": address.variable_json(),
        "variableAttribute": attributes,
        "variableCharacteristics": characteristics,
    }


def notify_reports(
    model: DeviceModel,
    base: str,
    request_id: int,
    generated_at: str,
    items_per_message: int,
    value_size: int = 2500,
) -> list[dict[str, Any]]:
    """The NotifyReportRequest payloads of a GetBaseReport of ``base``, in order."""
    chosen = BASES[base]
    data = [report_data(model, a, value_size) for a in model.addresses if chosen(a)]
    chunks: Sequence[list[dict[str, Any]]] = [
        data[i : i + items_per_message] for i in range(0, len(data), items_per_message)
    ] or [[]]
    return [
        {
            "requestId": request_id,
            "generatedAt": generated_at,
            "seqNo": n,
            "tbc": n < len(chunks) - 1,
            **({"reportData": chunk} if chunk else {}),
        }
        for n, chunk in enumerate(chunks)
    ]
