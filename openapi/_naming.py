"""Names: schema names from .NET type names, operation ids, tags and identifier casing.

Every function here is pure and deterministic: the same inputs always give the same names, which is
what lets the name lock (``spec.lock.json``) freeze them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from keyword import iskeyword
from typing import Any

from openapi_python_client import strings

# Words that a plain camelCase splitter would tear apart ("PVsyst" -> "p_vsyst", "kVA" -> "k_va").
# Each maps to the single lower-case word it should become.
BRAND_WORDS: Mapping[str, str] = {
    "PVsyst": "pvsyst",
    "kVA": "kva",
    "kVa": "kva",
    "PVCto": "pvc_to",
    "SHDto": "shd_to",
    "IV": "iv",
    "OND": "ond",
    "PAN": "pan",
    "URL": "url",
    "TABT": "tabt",
    "ASHRAE": "ashrae",
    "IAM": "iam",
    "API": "api",
    "CSV": "csv",
    "PVC": "pvc",
    "PVJ": "pvj",
    "SHD": "shd",
    "ESS": "ess",
    "LGIA": "lgia",
    "DC": "dc",
}

_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


_BRAND = re.compile("(" + "|".join(re.escape(b) for b in sorted(BRAND_WORDS, key=len, reverse=True)) + ")")


def words(identifier: str) -> list[str]:
    """Split an identifier into lower-case words, keeping acronyms and brand words whole."""
    parts: list[str] = []
    for chunk in re.split(r"[^A-Za-z0-9]+", identifier):
        for piece in _BRAND.split(chunk):
            if piece in BRAND_WORDS:
                parts.extend(BRAND_WORDS[piece].split("_"))
            else:
                parts.extend(m.group(0).lower() for m in _WORD.finditer(piece))
    return [p for p in parts if p]


def snake(identifier: str) -> str:
    return "_".join(words(identifier))


# Spellings the generator's own snake_case would tear apart in module names ("PVsystImport" ->
# "p_vsyst_import"), respelled in class names so modules read "pvsyst_import_...".
CLASS_NAME_RESPELLINGS: Mapping[str, str] = {"PVsyst": "Pvsyst"}


def pascal(identifier: str) -> str:
    """PascalCase that keeps existing capitals (``DCField`` stays ``DCField``)."""
    out = "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", identifier) if part)
    for spelling, respelled in CLASS_NAME_RESPELLINGS.items():
        out = out.replace(spelling, respelled)
    if out[:1].isdigit():
        out = "N" + out
    return out


# --------------------------------------------------------------------------------------------
# Schema names


_GENERIC = re.compile(r"^(?P<base>[^`\[]+)`\d+\[(?P<args>.*)\]$")


def _split_generic_args(args: str) -> list[str]:
    """``[[System.Double, mscorlib],[System.Double, mscorlib]]`` -> ``["System.Double", "System.Double"]``."""
    out: list[str] = []
    depth = 0
    current = ""
    for char in args:
        if char == "[":
            depth += 1
            if depth == 1:
                current = ""
                continue
        elif char == "]":
            depth -= 1
            if depth == 0:
                out.append(current.split(",")[0].strip())
                continue
        if depth >= 1:
            current += char
    return out


def short_type_name(dotnet_name: str) -> str:
    """The class name a .NET type name should become, without its namespace.

    ``PlantPredict.Entities.DTO.ExportOptions`` -> ``ExportOptions``;
    ``System.Collections.Generic.KeyValuePair`2[[System.Double, ...],[System.Double, ...]]`` ->
    ``KeyValuePairDoubleDouble``.
    """
    generic = _GENERIC.match(dotnet_name)
    if generic:
        base = generic.group("base").split(".")[-1]
        args = [short_type_name(a) for a in _split_generic_args(generic.group("args"))]
        return pascal(base + "".join(args))
    return pascal(dotnet_name.split(".")[-1])


def namespace_segments(dotnet_name: str) -> list[str]:
    generic = _GENERIC.match(dotnet_name)
    base = generic.group("base") if generic else dotnet_name
    return base.split(".")[:-1]


def unique_short_names(keys: Iterable[str], taken: Mapping[str, str]) -> dict[str, str]:
    """Short names for .NET type names, unique among themselves and against ``taken`` (key -> name).

    A collision is resolved by prefixing the nearest namespace segment, then the next one out, so
    the result depends only on the names involved, never on document order.
    """
    result = dict(taken)
    used = set(taken.values())
    pending = sorted(k for k in keys if k not in taken)
    depth: dict[str, int] = dict.fromkeys(pending, 0)

    def candidate(key: str) -> str:
        segments = namespace_segments(key)
        prefix = "".join(pascal(s) for s in segments[len(segments) - depth[key] :]) if depth[key] else ""
        return prefix + short_type_name(key)

    while pending:
        names: dict[str, list[str]] = {}
        for key in pending:
            names.setdefault(candidate(key), []).append(key)
        still: list[str] = []
        for name, owners in sorted(names.items()):
            if len(owners) == 1 and name not in used:
                result[owners[0]] = name
                used.add(name)
            else:
                for owner in owners:
                    if depth[owner] >= len(namespace_segments(owner)):
                        # Out of namespace: number it. Deterministic because owners are sorted.
                        n = 2
                        while f"{name}{n}" in used:
                            n += 1
                        result[owner] = f"{name}{n}"
                        used.add(result[owner])
                    else:
                        depth[owner] += 1
                        still.append(owner)
        pending = sorted(still)
    return {k: v for k, v in result.items() if k not in taken}


# --------------------------------------------------------------------------------------------
# Operations

PATH_PARAM = re.compile(r"\{([^}]+)\}")

_ACTIONS = {
    "run": "run",
    "cancel": "cancel",
    "clone": "clone",
    "import": "import",
    "checkmatch": "check",
    "status": "change",
}


def match_key(method: str, path: str) -> str:
    """How operations of the two documents are matched: method + path, case-insensitive, path
    parameter names ignored."""
    return f"{method.upper()} {PATH_PARAM.sub('{}', path).lower()}"


def derive_operation_id(method: str, path: str) -> str:
    """A camelCase id for an operation the reference does not name, in the reference's style
    (``getPredictionOverview``, ``createProjectNote``, ``runPrediction``): verb + owner + subject,
    where the subject is the last static path segment and the owner the one before it."""
    segments = [s for s in path.strip("/").split("/") if s]
    statics = [s for s in segments if not PATH_PARAM.fullmatch(s)]
    if not statics:
        return f"{method.lower()}Root"
    last = statics[-1]
    owner = pascal(statics[-2]) if len(statics) >= 2 else ""
    action = _ACTIONS.get(last.lower())
    if action and owner:
        return action + owner
    verb = {"get": "get", "post": "create", "put": "update", "delete": "delete"}.get(method.lower(), method.lower())
    return verb + owner + pascal(last)


def tag_for_path(path: str, rules: list[tuple[str, str]], fallback: str) -> str:
    """The first rule whose regular expression matches the path decides the tag."""
    for pattern, tag in rules:
        if re.search(pattern, path, flags=re.IGNORECASE):
            return tag
    return fallback


# --------------------------------------------------------------------------------------------
# Attribute and parameter names (docs/normalization.md#attribute-names)

_FIELD_PREFIX = "field_"  # generator-config.yml: field_prefix


def _segment(run: str, acronyms: frozenset[str]) -> list[str] | None:
    """A run of capitals cut into known acronyms (``ESSHVAC`` -> ``ESS``, ``HVAC``), fewest pieces
    first; ``None`` unless every piece is a known acronym."""
    best: dict[int, list[str]] = {0: []}
    for end in range(1, len(run) + 1):
        for start in range(end):
            if start in best and run[start:end] in acronyms:
                candidate = [*best[start], run[start:end]]
                if end not in best or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best.get(len(run))


def _words_of(piece: str, acronyms: frozenset[str]) -> list[str]:
    """The generator's own words for a piece of a key, with a run of capitals, or a word in lower
    case, that is several known acronyms glued together cut between them."""
    words: list[str] = []
    for word in strings.split_words(strings.sanitize(piece)):
        # Capitals (reportESSHVACLoss) or a key's lower-case first word (esshvacLoss).
        run = re.fullmatch(r"([A-Z]{3,}|[a-z]{4,})(\d*)", word)
        letters = run.group(1).upper() if run else ""
        cut = _segment(letters, acronyms) if run and letters not in acronyms else None
        if run and cut and len(cut) > 1:
            words.extend(a.lower() for a in cut)
            if run.group(2):
                words.append(run.group(2))
        else:
            words.append(word.lower())
    return words


def attribute_name(key: str, units: Mapping[str, str], acronyms: Iterable[str]) -> str:
    """The Python name of a JSON key: the generator's snake_case, except that unit spellings
    (``kW``, ``MWh``, ``BoS``) become one word each and runs of capitals made of known acronyms are
    cut between them (``reportESSHVACLoss`` -> ``report_ess_hvac_loss``, not ``report_esshvac_loss``).

    ``units`` maps a spelling to its word(s); a spelling matches only where no lower-case letter
    follows it, so ``kW`` never eats the start of a word. Digits after a one-letter word stay on it
    (``sandiaIAMB0`` -> ``sandia_iam_b0``, as the model's coefficient is written).
    """
    known = frozenset(acronyms)
    words: list[str] = []
    pattern = "|".join(re.escape(s) for s in sorted(units, key=len, reverse=True))
    pieces = re.split(f"({pattern})(?![a-z])", key) if units else [key]
    for index, piece in enumerate(pieces):
        words.extend(units[piece].split("_") if index % 2 else _words_of(piece, known))
    glued: list[str] = []
    for word in words:
        if glued and word.isdigit() and len(glued[-1]) == 1 and glued[-1].isalpha():
            glued[-1] += word
        else:
            glued.append(word)
    return str(strings.PythonIdentifier("_".join(glued), _FIELD_PREFIX, skip_snake_case=True))


def generator_attribute_name(key: str) -> str:
    """What openapi-python-client itself would call the attribute (before any unit table)."""
    return str(strings.PythonIdentifier(key, _FIELD_PREFIX))


# --------------------------------------------------------------------------------------------
# Enum members (docs/normalization.md#enum-member-names)


def enum_member(name: str, value: Any) -> str:
    """An enum member's Python name: ``name`` when it already is one (the SDK's ``P50``), else its
    upper snake case (the reference's ``DraftPrivate``, a description's ``system account``), else
    ``VALUE_<n>``."""
    if re.fullmatch(r"[A-Z][A-Z0-9_]*", name):
        return name
    candidate = snake(name).upper() if name else ""
    if not candidate:
        return f"VALUE_{value}".replace("-", "NEGATIVE_")
    if not candidate[0].isalpha():
        candidate = f"V{candidate}" if candidate[0].isdigit() else f"VALUE_{value}"
    return candidate


# --------------------------------------------------------------------------------------------
# Resources and their methods (docs/normalization.md#resources)

_VERBS_DROPPED = frozenset({"get"})


def resource_method(operation_id: str, nouns: Iterable[str]) -> str:
    """A resource method's name: the operation's name without the resource's noun, and without
    ``get`` when something is left (``get_project`` -> ``get``, ``get_result_summary`` ->
    ``summary``, ``create_project_note`` -> ``create_note``, ``list_modules`` -> ``list``).

    ``nouns`` are the resource's noun phrases in snake case (``power_plant``, ``projects``); the
    first (longest) one found after the verb is removed."""
    words = operation_id.split("_")
    verb, rest = words[0], words[1:]
    for noun in sorted(nouns, key=lambda n: (-len(n.split("_")), n)):
        phrase = noun.split("_")
        for start in range(len(rest) - len(phrase) + 1):
            if rest[start : start + len(phrase)] == phrase:
                rest = rest[:start] + rest[start + len(phrase) :]
                break
        else:
            continue
        break
    if not rest:
        name = verb
    elif verb in _VERBS_DROPPED:
        name = "_".join(rest)
    else:
        name = "_".join([verb, *rest])
    return operation_id if iskeyword(name) or not name.isidentifier() else name
