"""The outlet table: loose spellings in prose must land on one canonical outlet."""

import pytest

from archive.outlets import KNOWN_OUTLETS, match_domain, match_outlet


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("the New York Times", "The New York Times"),
        ("NYT", "The New York Times"),
        ("New York Times", "The New York Times"),
        ("The Independent", "The Independent"),
        ("NPR's", "NPR"),
        ("slate.fr", "Slate"),
        ("Associated Press", "AP"),
        ("Kaiser Health News", "KFF Health News"),
        ("New England Journal of Medicine", "NEJM"),
        ("the Lancet", "The Lancet"),
        ("EurekAlert!", "EurekAlert!"),
        ("Medical Xpress", "MedicalXpress"),
    ],
)
def test_match_outlet_spellings(spelling: str, expected: str) -> None:
    outlet = match_outlet(spelling)
    assert outlet is not None
    assert outlet.name == expected


@pytest.mark.parametrize("name", ["", None, "Times", "Dr. Luis Diaz", "The New York", "Memorial"])
def test_match_outlet_refuses_non_outlets(name: str | None) -> None:
    assert match_outlet(name) is None


def test_roles_and_required_outlets() -> None:
    names = {o.name for o in KNOWN_OUTLETS}
    for required in ("AP", "Reuters", "AFP", "PA Media", "HealthDay", "KFF Health News",
                     "The Conversation", "ProPublica", "EurekAlert!", "Newswise", "ScienceDaily",
                     "MedicalXpress", "MSN", "Yahoo News", "The New York Times",
                     "The Independent", "NPR", "Slate", "The Guardian", "BBC", "CNN",
                     "The Washington Post", "STAT", "NEJM", "JAMA", "The Lancet", "BMJ",
                     "Nature Medicine"):
        assert required in names
    assert match_outlet("Reuters").role == "wire"
    assert match_outlet("MSN").role == "aggregator"
    assert match_outlet("JAMA").role == "original"
    assert all(o.role in ("original", "wire", "aggregator", "unknown") for o in KNOWN_OUTLETS)


def test_match_domain_accepts_subdomains_only_of_the_domain() -> None:
    assert match_domain("www.nytimes.com").name == "The New York Times"
    assert match_domain("slate.fr").name == "Slate"
    assert match_domain("notnytimes.com") is None
