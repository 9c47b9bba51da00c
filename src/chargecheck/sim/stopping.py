"""How a session of the station model ends at the EV side, and by a card of the same
group: the decisions, in one place (the station's transactions call them).

- The EV side disconnected (the simulator's unplug; OCPP 1.6 section 4.10 and the keys of
  9.1): with StopTransactionOnEVSideDisconnect true the transaction SHALL be stopped
  (reason EVDisconnected), with false it SHALL NOT be (SuspendedEV until the EV is back
  or the transaction is stopped otherwise).
- UnlockConnectorOnEVSideDisconnect false: the cable of a transaction stays locked at the
  station once the EV is gone (the connector SHALL remain locked "until the user presents
  the identifier", 4.10): it is held for the transaction's idTag, so a stopped session
  stays Finishing until that idTag is presented again, an UnlockConnector.req (5.18)
  comes, or the EV is plugged back in. A fixed cable (the variant fixed_cable) has no
  lock: nothing is held.
- Another idTag at a connector in a transaction whose idTag has a parentIdTag (7.14, from
  the StartTransaction.conf, the local list or the cache): the station asks the Central
  System (Authorize.req, 4.1: not the idTag that started it) and, once Accepted with the
  same parentIdTag, stops the transaction with that idTag, reason Local (4.10). A
  transaction without a known parent ignores other cards: no Authorize.req; so does every
  transaction with the variant no_group_stop (legal: 1.6 has no SHALL that a card of the
  same group stops a transaction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from chargecheck.sim.connector import Connector
    from chargecheck.sim.transactions import Transactions


def stops_on_ev_disconnect(st: Transactions, c: Connector) -> bool:
    """Does the EV side disconnecting stop ``c``'s transaction (section 4.10)? The defects
    bend it: stop_on_unplug_regardless stops it with the key false, no_stop_while_cable_locked
    keeps it going while the cable is held locked at the station."""
    if "no_stop_on_unplug" in st.defects:
        return False
    if c.cable_held is not None and "no_stop_while_cable_locked" in st.defects:
        return False
    return (
        st.cfg_bool("StopTransactionOnEVSideDisconnect", True)
        or "stop_on_unplug_regardless" in st.defects
    )


def hold_cable(st: Transactions, c: Connector) -> None:
    """The EV side of ``c`` disconnected during a transaction: keep the cable locked at
    the station for its idTag when UnlockConnectorOnEVSideDisconnect is false (4.10)."""
    tx = c.transaction
    if tx is None or "fixed_cable" in st.variants:
        return
    if not st.cfg_bool("UnlockConnectorOnEVSideDisconnect", True):
        c.cable_held = tx.id_tag
        st.log(f"connector {c.connector_id}: the cable stays locked until {tx.id_tag} is shown")


def release_cable(st: Transactions, c: Connector, why: str) -> None:
    """The cable held at ``c`` is unlocked (the user takes it): the connector is free."""
    if c.cable_held is None:
        return
    c.cable_held = None
    c.finishing = c.plugged
    st.log(f"connector {c.connector_id}: the cable is unlocked ({why})")
    st.refresh_statuses()


def releases(c: Connector, id_tag: str) -> bool:
    """Is ``id_tag`` the one the cable held at ``c`` waits for (CiString20: any case)?"""
    return c.cable_held is not None and c.cable_held.lower() == id_tag.lower()


def ask_group_stop(st: Transactions, c: Connector, id_tag: str) -> bool:
    """``id_tag``, not the one that started ``c``'s transaction, is presented: ask the
    Central System whether it is of the transaction's group. Whether it asked."""
    tx = c.transaction
    if tx is None or tx.parent_id_tag is None or not st.may_report:
        return False
    if "no_group_stop" in st.variants:  # legal: no SHALL makes a group card stop it
        return False
    st.link.submit(
        "Authorize", {"idTag": id_tag}, connector=c.connector_id, idTag=id_tag, stop=True
    )
    return True


def group_stop(st: Transactions, c: Connector, id_tag: str, info: dict[str, Any]) -> None:
    """The Authorize.conf of a card presented to stop ``c``'s transaction: the same
    parentIdTag, Accepted, stops it with that idTag (reason Local)."""
    tx = c.transaction
    if tx is None:
        return
    same = info.get("parentIdTag") is not None and info.get("parentIdTag") == tx.parent_id_tag
    if info.get("status") == "Accepted" and same:
        st.stop_transaction(c, "Local", id_tag=id_tag)
    else:
        st.log(f"idTag {id_tag} does not stop transaction {tx.local_id}: not of its group")
