"""The shipped scenario library (``*.yaml`` next to this file)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from scenarios.schema import Scenario, load_scenario
from services.errors import NotFoundError, ScenarioError


@dataclass(frozen=True)
class LibraryEntry:
    """One library scenario."""

    name: str
    path: Path
    steps: int
    language: str
    error: str = ""  # set when the file does not validate


def library_dir() -> Path:
    """Folder holding the library scenarios."""
    return Path(__file__).resolve().parent


def list_library() -> list[LibraryEntry]:
    """Every scenario of the library, sorted by file name; invalid ones carry their error."""
    entries = []
    for path in sorted(library_dir().glob("*.yaml")):
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            entries.append(LibraryEntry(path.stem, path, 0, "", error=str(exc)))
            continue
        entries.append(LibraryEntry(scenario.name, path, len(scenario.steps), scenario.language))
    return entries


def resolve(name_or_path: str) -> Scenario:
    """Load a scenario by library name or by file path."""
    path = Path(name_or_path)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        return load_scenario(path)
    candidate = library_dir() / f"{name_or_path}.yaml"
    if not candidate.is_file():
        raise NotFoundError(
            f"no scenario named {name_or_path!r} in {library_dir()} (try: minibot scenario list)"
        )
    return load_scenario(candidate)
