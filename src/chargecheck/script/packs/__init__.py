"""Script packs: which rows a run has, as a TOML data file.

A pack names its rows and, for each, the case functions of the catalogue in code that
judge it, in order::

    [pack]
    name = "greenflux-2020"          # what --script takes
    title = "..."                    # the report's title ({model}, {central_system}, ...)
    header = ["Manufacturer Name"]   # optional: the report's station fields

    [[row]]
    id = "6"                         # the report's "#", --only/--skip, JUnit, JSON
    function = "Start charge transaction"
    criteria = '''...'''             # one line per bullet
    cases = ["seed.row06"]           # run in this order, one verdict for the row

The catalogue in code is the seed's 18 row functions, ``seed.row01`` .. ``seed.row18``,
and ``chargecheck.script.catalogue.CATALOGUE`` (imported only when a pack names a case
that is not a seed row). A pack is checked whole before anything starts: a bad one
raises ``PackError`` naming the file, the line and what is valid.

Shipped packs live next to this module (``greenflux-2020.toml``, the seed's script and
the default); ``--script FILE`` takes any other.
"""

from __future__ import annotations

import difflib
import importlib
import re
import string
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chargecheck.protocol.versions import BY_NAME

if TYPE_CHECKING:
    from chargecheck.script.runner import Case, CaseRun

DEFAULT_PACK = "greenflux-2020"
# Shipped packs that were renamed: old name -> new name (the old one still runs the new).
RENAMED = {"ocpp16-cs": "octt16-cs"}
SEED_CASE = "seed.row{:02d}"  # the catalogue name of the seed's row N

# The report header's station fields a pack may name -> the BootNotification field shown.
STATION_FIELDS: dict[str, str] = {
    "Manufacturer Name": "chargePointVendor",
    "Manufacturer Number": "chargePointSerialNumber",
    "Manufacturer Model": "chargePointModel",
    "Firmware Version": "firmwareVersion",
    "Charge Box Serial Number": "chargeBoxSerialNumber",
    "ICCID": "iccid",
    "IMSI": "imsi",
    "Meter Type": "meterType",
    "Meter Serial Number": "meterSerialNumber",
}
SEED_HEADER = ("Manufacturer Name", "Manufacturer Number", "Manufacturer Model", "Firmware Version")
# What a title may name: the station's model (else its identity), identity, vendor, and
# the Central System ("chargecheck 0.1.0").
TITLE_FIELDS = ("model", "station", "vendor", "central_system")
SEED_TITLE = "TestScript Charge Station {model} connected with OCPP 1.6 to {central_system}"

_PACK_KEYS = {"name": True, "title": True, "header": False, "ocpp": False}  # key -> required
_ROW_KEYS = ("id", "function", "criteria", "cases")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
_ID_RULE = "letters, digits, '_', '.', '-', starting with a letter or digit"


class PackError(ValueError):
    """A script pack that cannot be run: bad TOML, a missing or unknown key, a wrong
    type, a duplicate row id, a case the catalogue does not have. The message names the
    file and line and says what is valid."""


@dataclass(frozen=True)
class PackRow:
    id: str
    function: str
    criteria: str
    cases: tuple[str, ...]
    line: int  # of its [[row]] header


@dataclass(frozen=True)
class Pack:
    name: str
    title: str
    header: tuple[str, ...]
    rows: tuple[PackRow, ...]
    source: str  # the file it was read from
    ocpp: str = "1.6"  # the OCPP version its cases are written for ([pack] ocpp)

    def info(self) -> dict[str, Any]:
        """What the journal keeps of the pack, for the reports."""
        return {
            "name": self.name,
            "title": self.title,
            "header": list(self.header),
            "source": self.source,
            "ocpp": self.ocpp,
        }


# -- the catalogue in code -----------------------------------------------------------------


def seed_catalogue() -> dict[str, Case]:
    """``seed.row01`` .. ``seed.row18``: the seed's row functions."""
    from chargecheck.script.cases import CASES

    return {SEED_CASE.format(case.row): case for case in CASES}


def _catalogue() -> dict[str, Any]:
    """The open catalogues' cases (OCPP 1.6 and 2.0.1); empty while neither is present."""
    found: dict[str, Any] = {}
    for name in ("chargecheck.script.catalogue", "chargecheck.script.catalogue201"):
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        cases = getattr(module, "CATALOGUE", {})
        if isinstance(cases, dict):
            found.update(cases)
    return found


def case_names() -> list[str]:
    """Every case a pack may name."""
    return [*seed_catalogue(), *_catalogue()]


# -- loading -----------------------------------------------------------------------------


def shipped() -> list[str]:
    """The names of the packs that ship with chargecheck, sorted."""
    here = resources.files(__name__)
    return sorted(p.name[:-5] for p in here.iterdir() if p.name.endswith(".toml"))


def pack_file(source: str | None) -> Path:
    """The file of a shipped pack's name, or ``source`` as a path."""
    name = RENAMED.get(source or DEFAULT_PACK, source or DEFAULT_PACK)
    if name in shipped():
        return Path(str(resources.files(__name__).joinpath(f"{name}.toml")))
    path = Path(name)
    if not path.is_file():
        raise PackError(
            f"no script pack {name}: give a shipped pack's name ({', '.join(shipped())}; "
            f"chargecheck scripts lists them) or a TOML file"
        )
    return path


def renamed(source: str | None) -> str:
    """What to tell a user who named a renamed pack ("": nothing)."""
    new = RENAMED.get(source or "")
    if new is None:
        return ""
    return (
        f"the script pack {source} was renamed {new}, and its rows now carry the official "
        f"OCTT case ids (TC_003_CS is now 'Regular Charging Session - Plugin First'): running "
        f"{new}; check the ids you give --only and --skip (chargecheck scripts --cases {new})"
    )


def load_pack(source: str | None = None) -> Pack:
    """The pack named ``source`` (a shipped name or a file; None: the default), checked
    whole, its cases included."""
    path = pack_file(source)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"{path}: cannot read the script pack ({exc})") from None
    pack = parse_pack(text, str(path))
    pack_cases(pack)  # every case name resolves, or PackError
    return pack


def pack_cases(pack: Pack) -> list[Case]:
    """The pack's rows as cases of the runner, in the pack's order."""
    from chargecheck.script.runner import Case

    seed = seed_catalogue()
    catalogue: dict[str, Any] | None = None
    cases = []
    for number, row in enumerate(pack.rows, 1):
        runs: list[CaseRun] = []
        for name in row.cases:
            if name in seed:
                runs.append(seed[name].run)
                continue
            if catalogue is None:
                catalogue = _load_catalogue(pack, row)
            entry = catalogue.get(name)
            if entry is None or not callable(getattr(entry, "run", None)):
                raise PackError(_unknown_case(pack, row, name, [*seed, *catalogue]))
            runs.append(entry.run)
        cases.append(Case(number, row.function, row.criteria, runs[0], row.id, tuple(runs[1:])))
    return cases


def _load_catalogue(pack: Pack, row: PackRow) -> dict[str, Any]:
    try:
        return _catalogue()
    except Exception as exc:  # the catalogue in code is broken: say so, start nothing
        raise PackError(
            f"{pack.source}:{row.line}: row {row.id} names a case of "
            f"chargecheck.script.catalogue, which failed to import "
            f"({type(exc).__name__}: {exc})"
        ) from None


def _unknown_case(pack: Pack, row: PackRow, name: str, known: list[str]) -> str:
    line = _Layout(Path(pack.source).read_text(encoding="utf-8")).case_line(row.line, name)
    close = difflib.get_close_matches(name, known, n=3)
    hint = f"did you mean {', '.join(close)}? " if close else ""
    others = len(known) - len(seed_catalogue())
    catalogue = (
        f"the {others} of chargecheck.script.catalogue"
        if others
        else "none of chargecheck.script.catalogue yet"
    )
    return (
        f"{pack.source}:{line}: row {row.id}: unknown case {name!r} ({hint}cases are "
        f"seed.row01 .. seed.row18 and {catalogue})"
    )


def parse_pack(text: str, source: str) -> Pack:
    """Check a pack's text and return it; ``PackError`` on the first thing wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))
        raise PackError(
            f"{source}:{found.group(1) if found else 1}: not valid TOML ({exc}); "
            f"a pack is a [pack] table and [[row]] tables"
        ) from None
    layout = _Layout(text)
    _Checker(source, layout).check_top(data)
    pack = data["pack"]
    rows = data.get("row")
    if not isinstance(rows, list) or not rows:
        raise PackError(f"{source}:{layout.end}: the pack has no [[row]]; add at least one")
    checker = _Checker(source, layout)
    parsed = [checker.row(n, row) for n, row in enumerate(rows)]
    first: dict[str, int] = {}
    for index, row in enumerate(parsed):
        line = layout.key_line(("row", index), "id")
        if row.id in first:
            raise PackError(
                f"{source}:{line}: duplicate row id {row.id!r} (first at line "
                f"{first[row.id]}); each row's id is unique"
            )
        first[row.id] = line
    return Pack(
        name=pack["name"],
        title=pack["title"],
        header=tuple(pack.get("header", SEED_HEADER)),
        rows=tuple(parsed),
        source=source,
        ocpp=pack.get("ocpp", "1.6"),
    )


class _Checker:
    def __init__(self, source: str, layout: _Layout) -> None:
        self.source, self.layout = source, layout

    def fail(self, line: int, message: str) -> PackError:
        return PackError(f"{self.source}:{line}: {message}")

    def check_top(self, data: dict[str, Any]) -> None:
        for key in data:
            if key not in ("pack", "row"):
                line = self.layout.key_line(("", 0), key, self.layout.table_line(key))
                raise self.fail(
                    line, f"unknown key {key!r}: a pack has a [pack] table and [[row]]s"
                )
        pack = data.get("pack")
        if not isinstance(pack, dict):
            raise self.fail(1, "no [pack] table: it names the pack (name) and its title (title)")
        where = ("pack", 0)
        for key in pack:
            if key not in _PACK_KEYS:
                raise self.fail(
                    self.layout.key_line(where, key),
                    f"[pack] has an unknown key {key!r} (keys are {', '.join(_PACK_KEYS)})",
                )
        for key, required in _PACK_KEYS.items():
            if required and key not in pack:
                raise self.fail(self.layout.key_line(where, key), f"[pack] has no {key!r}")
        if not isinstance(pack["name"], str) or not _ID.fullmatch(pack["name"]):
            raise self.fail(
                self.layout.key_line(where, "name"), f"[pack] name must be a word of {_ID_RULE}"
            )
        self.title(pack["title"], self.layout.key_line(where, "title"))
        if "ocpp" in pack and pack["ocpp"] not in BY_NAME:
            raise self.fail(
                self.layout.key_line(where, "ocpp"),
                f"[pack] ocpp must name an OCPP version ({', '.join(BY_NAME)}), "
                f"not {pack['ocpp']!r}",
            )
        header = pack.get("header", list(SEED_HEADER))
        line = self.layout.key_line(where, "header")
        if not isinstance(header, list) or not all(isinstance(h, str) for h in header):
            raise self.fail(line, "[pack] header must be a list of station field names")
        for field in header:
            if field not in STATION_FIELDS:
                raise self.fail(
                    line,
                    f"[pack] header names an unknown station field {field!r} "
                    f"(fields are {', '.join(STATION_FIELDS)})",
                )

    def title(self, title: Any, line: int) -> None:
        if not isinstance(title, str) or not title.strip():
            raise self.fail(line, "[pack] title must be a non-empty string")
        try:
            names = [n for _, n, _, _ in string.Formatter().parse(title) if n is not None]
        except ValueError as exc:
            raise self.fail(line, f"[pack] title: {exc} (write a literal brace as {{{{)") from None
        for name in names:
            if name not in TITLE_FIELDS:
                raise self.fail(
                    line,
                    f"[pack] title names {{{name}}}; a title may name "
                    + ", ".join(f"{{{n}}}" for n in TITLE_FIELDS),
                )

    def row(self, index: int, row: Any) -> PackRow:
        where = ("row", index)
        start = self.layout.table_start(where)
        if not isinstance(row, dict):
            raise self.fail(start, f"row {index + 1} is not a [[row]] table")
        for key in row:
            if key not in _ROW_KEYS:
                raise self.fail(
                    self.layout.key_line(where, key),
                    f"row {index + 1} has an unknown key {key!r} "
                    f"(a [[row]] has {', '.join(_ROW_KEYS)})",
                )
        for key in _ROW_KEYS:
            if key not in row:
                raise self.fail(
                    start,
                    f"row {index + 1} has no {key!r} (a [[row]] needs {', '.join(_ROW_KEYS)})",
                )
        for key in ("id", "function", "criteria"):
            if not isinstance(row[key], str) or not row[key].strip():
                raise self.fail(
                    self.layout.key_line(where, key),
                    f"row {index + 1}: {key} must be a non-empty string",
                )
        if not _ID.fullmatch(row["id"]):
            raise self.fail(
                self.layout.key_line(where, "id"),
                f"row {index + 1}: id {row['id']!r} must be a word of {_ID_RULE}",
            )
        cases = row["cases"]
        if not isinstance(cases, list) or not cases or not all(isinstance(c, str) for c in cases):
            raise self.fail(
                self.layout.key_line(where, "cases"),
                f"row {row['id']}: cases must be a non-empty list of case names, "
                f'e.g. cases = ["seed.row06"]',
            )
        return PackRow(row["id"], row["function"], row["criteria"], tuple(cases), start)


class _Layout:
    """Where tables and keys are in a pack's text (tomllib gives no positions): each
    ``[table]`` / ``[[table]]`` header and the keys under it, skipping the insides of
    multi-line strings."""

    _TABLE = re.compile(r"\s*(\[\[?)\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(?:#.*)?$")
    _KEY = re.compile(r"\s*[\"']?([A-Za-z0-9_-]+)[\"']?\s*=")

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.end = max(1, len(self.lines))
        # (table name, index among same-named array tables) -> (header line, {key: line})
        self.tables: dict[tuple[str, int], tuple[int, dict[str, int]]] = {("", 0): (1, {})}
        counts: dict[str, int] = {}
        current = ("", 0)
        inside: str | None = None  # the delimiter of the multi-line string we are in
        for number, line in enumerate(self.lines, 1):
            if inside is None:
                table = self._TABLE.match(line)
                key = self._KEY.match(line)
                if table:
                    name = table.group(2).strip("\"'")
                    index = counts.get(name, 0)
                    counts[name] = index + 1
                    current = (name, index)
                    self.tables[current] = (number, {})
                elif key:
                    self.tables[current][1].setdefault(key.group(1), number)
            inside = _string_state(line, inside)

    def table_start(self, where: tuple[str, int]) -> int:
        return self.tables.get(where, (self.end, {}))[0]

    def table_line(self, name: str) -> int:
        return self.tables.get((name, 0), (1, {}))[0]

    def key_line(self, where: tuple[str, int], key: str, default: int | None = None) -> int:
        start, keys = self.tables.get(where, (default or 1, {}))
        return keys.get(key, default or start)

    def case_line(self, start: int, name: str) -> int:
        """The line of the row starting at ``start`` that names case ``name``."""
        quoted = re.compile(r"[\"']" + re.escape(name) + r"[\"']")
        for number in range(start, self.end + 1):
            if number > start and self._TABLE.match(self.lines[number - 1]):
                break
            if quoted.search(self.lines[number - 1]):
                return number
        return start


def _string_state(line: str, inside: str | None) -> str | None:
    """After ``line``: the multi-line string delimiter still open, if any."""
    at = 0
    while True:
        if inside is not None:
            found = line.find(inside, at)
            if found < 0:
                return inside
            at, inside = found + 3, None
            continue
        starts = [(line.find(d, at), d) for d in ('"""', "'''") if line.find(d, at) >= 0]
        comment = line.find("#", at)
        if not starts:
            return None
        found, delimiter = min(starts)
        if 0 <= comment < found:
            return None
        at, inside = found + 3, delimiter
