"""The crawler never turns against the machine it runs on."""

from __future__ import annotations

import pytest

from archive.netguard import address_problem, url_problem


@pytest.mark.parametrize(
    "address, label",
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("172.16.5.4", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::ffff:127.0.0.1", "loopback"),
    ],
)
def test_private_addresses_are_named(address: str, label: str) -> None:
    problem = address_problem(address)
    assert problem is not None and label in problem


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"])
def test_public_addresses_pass(address: str) -> None:
    assert address_problem(address) is None


def test_urls_are_checked_after_resolution() -> None:
    assert "loopback" in (url_problem("http://localhost:8080/") or "")
    assert "link-local" in (url_problem("http://169.254.169.254/latest/meta-data/") or "")
    assert url_problem("file:///etc/passwd") == "scheme 'file' is not fetched"


def test_allowlist_is_exact_host_and_port() -> None:
    allow = frozenset({"127.0.0.1:8080"})
    assert url_problem("http://127.0.0.1:8080/feed.xml", allow) is None
    assert url_problem("http://127.0.0.1:8081/feed.xml", allow) is not None
    assert url_problem("http://127.0.0.1/", allow) is not None
