"""The link checker's address guard against IPv6 addresses that lead to an internal IPv4 address (issue 17, item 8)."""

import ipaddress

import pytest

from cms.linkcheck import probe, run


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::7f00:1",  # NAT64 (well-known prefix) to 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 to 10.0.0.1
        "64:ff9b::a9fe:a9fe",  # NAT64 to 169.254.169.254, the cloud metadata service
        "64:ff9b:1::7f00:1",  # local-use NAT64 prefix: never public, whatever it embeds
        "64:ff9b:1:808:8:800::",  # … even a public address in it
        "2002:7f00:1::",  # 6to4 to 127.0.0.1
        "2002:c0a8:101::1",  # 6to4 to 192.168.1.1
        "::127.0.0.1",  # IPv4-compatible (deprecated) to 127.0.0.1
        "::10.1.2.3",
        "::ffff:169.254.169.254",  # IPv4-mapped, already refused: stays refused
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    ],
)
def test_ipv6_transition_address_to_an_internal_ipv4_is_refused(address):
    assert probe.is_forbidden(ipaddress.ip_address(address), [])


@pytest.mark.parametrize("address", ["64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_ipv6_transition_address_to_a_public_ipv4_is_allowed(address):
    assert not probe.is_forbidden(ipaddress.ip_address(address), [])


def test_allowed_network_is_matched_against_the_embedded_ipv4():
    loopback = [ipaddress.ip_network("127.0.0.0/8")]
    assert not probe.is_forbidden(ipaddress.ip_address("64:ff9b::7f00:1"), loopback)
    assert probe.is_forbidden(ipaddress.ip_address("64:ff9b::a00:1"), loopback)


def test_guarded_backend_refuses_to_connect_through_nat64():
    backend = probe.GuardedBackend([])
    with pytest.raises(probe.PrivateAddressError, match="64:ff9b::7f00:1"):
        run.run_blocking(backend.connect_tcp("[64:ff9b::7f00:1]", 80))  # also under Playwright's loop
