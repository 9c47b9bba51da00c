"""Pure address decisions: which host a station's URLs name, and how it is written."""

from __future__ import annotations

import pytest

from chargecheck.files.addresses import is_wildcard, listen_v6only, url_host, url_host_for


@pytest.mark.parametrize(
    ("host", "written"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "[::1]"),
        ("0:0:0:0:0:0:0:1", "[::1]"),
        ("[::1]", "[::1]"),
        ("bench.local", "bench.local"),
        ("::ffff:127.0.0.1", "127.0.0.1"),
        ("::FFFF:7f00:1", "127.0.0.1"),
        ("fe80::1%eth0", "[fe80::1%25eth0]"),
        ("2001:db8::1", "[2001:db8::1]"),
    ],
)
def test_a_host_is_written_as_a_url_needs_it(host, written):
    assert url_host(host) == written


@pytest.mark.parametrize(
    ("public_host", "local_host", "bound_host", "chosen"),
    [
        # The operator's --public-host wins over everything (NAT, DNS names).
        ("bench.example", "127.0.0.1", "0.0.0.0", "bench.example"),
        ("bench.example", None, "0.0.0.0", "bench.example"),
        ("::1", "127.0.0.1", "127.0.0.1", "[::1]"),
        # Else the address the station reached the bench at.
        (None, "127.0.0.1", "0.0.0.0", "127.0.0.1"),
        (None, "::1", "::", "[::1]"),
        (None, "::ffff:127.0.0.1", "::", "127.0.0.1"),
        ("", "127.0.0.1", "", "127.0.0.1"),
        # Else the bound address, when it names one.
        (None, None, "127.0.0.1", "127.0.0.1"),
        (None, None, "::1", "[::1]"),
        (None, None, "localhost", "localhost"),
        # Nothing names one.
        (None, None, "0.0.0.0", None),
        (None, None, "::", None),
        (None, None, "", None),
    ],
)
def test_the_url_host_is_the_public_host_else_where_the_station_came_else_the_bound_one(
    public_host, local_host, bound_host, chosen
):
    assert url_host_for(public_host, local_host, bound_host) == chosen


@pytest.mark.parametrize(("host", "wildcard"), [("0.0.0.0", True), ("::", True), ("", True)])
def test_the_wildcards_name_no_address(host, wildcard):
    assert is_wildcard(host) is wildcard


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_an_address_or_a_name_is_no_wildcard(host):
    assert not is_wildcard(host)


@pytest.mark.parametrize(
    ("address", "bound", "v6only"),
    [
        ("::", ["::"], False),  # every interface, IPv4 too: a mapped address is reachable
        ("::", ["0.0.0.0", "::"], True),  # the IPv4 wildcard holds that port already
        ("::1", ["::1"], True),
        ("::1", ["127.0.0.1", "::1"], True),
    ],
)
def test_only_the_lone_ipv6_wildcard_takes_ipv4_too(address, bound, v6only):
    assert listen_v6only(address, bound) is v6only
