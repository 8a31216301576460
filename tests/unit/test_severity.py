import pytest

from sevflow.domain.errors import InvalidInput
from sevflow.domain.severity import Severity


@pytest.mark.parametrize("text", ["Sev2", "sev2", "SEV2", "S2", "2", " Sev2 "])
def test_severity_parses_the_common_spellings(text: str) -> None:
    assert Severity.parse(text) is Severity.SEV2


def test_unknown_severity_is_refused_with_the_allowed_values() -> None:
    with pytest.raises(InvalidInput) as err:
        Severity.parse("Sev9")
    assert str(err.value) == "unknown severity 'Sev9'; allowed: Sev1, Sev2, Sev3, Sev4"


def test_raising_a_severity_stops_at_sev1() -> None:
    assert Severity.SEV3.raised() is Severity.SEV2
    assert Severity.SEV2.raised(5) is Severity.SEV1


def test_most_urgent_picks_the_lowest_number() -> None:
    assert Severity.most_urgent(Severity.SEV3, Severity.SEV1, Severity.SEV4) is Severity.SEV1
