"""Every bundled fixture says where it comes from."""

from .conftest import DATA


def test_every_fixture_is_listed_in_sources() -> None:
    sources = (DATA / "SOURCES.md").read_text(encoding="utf-8")
    for path in sorted(DATA.rglob("*")):
        if path.is_file() and path.name != "SOURCES.md":
            assert f"tests/data/{path.relative_to(DATA).as_posix()}" in sources, path
