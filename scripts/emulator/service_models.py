r"""Every request is checked against botocore's service model of its service before moto sees
it, as AWS's front end checks it: required members, enums, length and value ranges, list and
map sizes and patterns, at every depth, by one walk over the operation's input shape.

AWS answers a request that breaks its model with HTTP 400 and, for query-protocol services
(CloudFormation, IAM, STS), `ValidationError`; for JSON ones `ValidationException`; the message
lists each violation as "Value 'x' at 'member.path' failed to satisfy constraint: Member must
...". EC2 and the REST-XML services (S3, Route 53, CloudFront) answer with codes of their own
and their models publish almost no constraints, so they are not checked here.

The models' patterns are Java regular expressions (java.util.regex) matched against the whole
value. The `regex` package reads them as Java does, Unicode classes such as `\p{L}` included
(Python's `re` does not); Java's POSIX classes (`\p{Alnum}`, US-ASCII only in Java) are spelled
out. A pattern that still does not compile is left unchecked, never guessed at:
`unreadable_patterns()` names them, and a test holds the list to the ones known.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import regex
from botocore.model import OperationModel, ServiceModel, Shape

CODES = {"query": "ValidationError", "json": "ValidationException",
         "rest-json": "ValidationException"}
# Java's POSIX classes, as Java's java.util.regex.Pattern documents them (US-ASCII only).
_JAVA_CLASSES = {r"\p{ASCII}": r"\x00-\x7F", r"\p{Alnum}": "a-zA-Z0-9", r"\p{Alpha}": "a-zA-Z",
                 r"\p{Digit}": "0-9", r"\p{Punct}": r"!-/:-@\[-`{-~", r"\p{Print}": r"\x20-\x7E",
                 r"\p{Graph}": r"\x21-\x7E", r"\p{Space}": r" \t\n\x0B\f\r",
                 r"\p{Upper}": "A-Z", r"\p{Lower}": "a-z", r"\p{XDigit}": "0-9a-fA-F"}


def apply() -> None:
    """Check each request moto's server receives before moto's handler runs."""
    from moto.core.exceptions import ServiceException
    from moto.core.responses import ActionResult, BaseResponse

    original = BaseResponse.call_action

    def call_action(self: BaseResponse) -> Any:
        found, code = _request_violations(self)
        if not found:
            return original(self)
        error = type(code, (ServiceException,), {"code": code})(message(found))
        _, headers, body = self.serialized(ActionResult(error))
        return 400, headers, body

    BaseResponse.call_action = call_action


def _request_violations(response: Any) -> tuple[list[str], str]:
    from moto.core.parse import PROTOCOL_PARSERS
    from moto.core.request import determine_request_protocol
    request = response.normalized_request
    # A request botocore's models cannot read (moto's own /moto-api, a protocol the model does
    # not list) is left to moto, which answers it as it would have.
    try:
        model = _model(response.boto3_service_name)
        protocol = determine_request_protocol(model, request.content_type)
        action = response._get_action()
        if protocol not in CODES or action not in model.operation_names:
            return [], ""
        operation = model.operation_model(action)
        params = PROTOCOL_PARSERS[protocol](operation).parse({
            "method": request.method, "values": request.values, "headers": request.headers,
            "body": request.data, "url_path": request.path, "url_params": response.uri_match})
    except Exception:
        return [], ""
    return violations(operation, params), CODES[protocol]


@cache
def _model(service: str) -> ServiceModel:
    """moto reads the model's JSON again on every call; it never changes in a process."""
    from moto.core.utils import get_service_model

    return get_service_model(service)


# Rules the API reference states in a member's prose but the shape does not carry, keyed by the
# shape's name. Each quotes its sentence; AWS answers them with the same kind of message.
_PROSE_MAX_BYTES = {
    # CloudFormation, TemplateBody (CreateStack, UpdateStack, CreateChangeSet, CreateStackSet,
    # UpdateStackSet, ValidateTemplate, ...): "Structure that contains the template body with a
    # minimum length of 1 byte and a maximum length of 51,200 bytes."
    "TemplateBody": 51_200,
}


def _prose_rules(shape: Shape, value: dict[str, Any], path: str) -> Iterator[str]:
    """CloudFormation's Parameter.UsePreviousValue: "If you specify true, do not specify a
    parameter value." AWS's wording of the refusal is not documented."""
    previous = str(value.get("UsePreviousValue")).lower() == "true"
    if shape.name == "Parameter" and previous and value.get("ParameterValue") is not None:
        yield _fails(value.get("ParameterKey"), path,
                     "not give a ParameterValue when UsePreviousValue is true")


def violations(operation: OperationModel, params: dict[str, Any]) -> list[str]:
    """What AWS would list for `params` (as botocore's parser reads a request) against the
    operation's input shape; empty when the request is well formed."""
    if operation.input_shape is None:
        return []
    return list(_check(operation.input_shape, params, ""))


def message(found: list[str]) -> str:
    count = f"{len(found)} validation error{'s' if len(found) > 1 else ''} detected: "
    return count + "; ".join(found)


def _check(shape: Shape, value: Any, path: str) -> Iterator[str]:
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            return
        for name in shape.required_members:
            if value.get(name) is None:
                yield f"Value null at '{_at(path, name)}' failed to satisfy constraint: Member must not be null"
        for name, member in shape.members.items():
            if value.get(name) is not None:
                yield from _check(member, value[name], _at(path, name))
        yield from _prose_rules(shape, value, path or shape.name)
        return
    yield from _limits(shape, value, path)
    if kind == "list" and isinstance(value, list):
        for n, item in enumerate(value, 1):
            yield from _check(shape.member, item, f"{path}.{n}.member")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            yield from _check(shape.key, key, f"{path}.key")
            yield from _check(shape.value, item, f"{path}.{key}.member")


def _limits(shape: Shape, value: Any, path: str) -> Iterator[str]:
    meta, kind = shape.metadata, shape.type_name
    # A value of the wrong type (a number where a string belongs, which only a JSON body can
    # carry) is the caller's error: AWS answers it with an HTTP 400 (SerializationException,
    # its wording undocumented), never by reading it as text.
    if kind == "string" and not isinstance(value, str):
        yield _fails(value, path, "be a string")
        return
    if kind in ("string", "blob", "list", "map") and hasattr(value, "__len__"):
        if "min" in meta and len(value) < meta["min"]:
            yield _fails(value, path, f"have length greater than or equal to {meta['min']}")
        if "max" in meta and len(value) > meta["max"]:
            yield _fails(value, path, f"have length less than or equal to {meta['max']}")
    elif kind in ("integer", "long", "float", "double") and isinstance(value, int | float):
        if "min" in meta and value < meta["min"]:
            yield _fails(value, path, f"have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            yield _fails(value, path, f"have value less than or equal to {meta['max']}")
    if kind != "string" or not isinstance(value, str):
        return
    most = _PROSE_MAX_BYTES.get(shape.name)
    if most is not None and len(value.encode()) > most:
        yield _fails(value, path, f"have length less than or equal to {most}")
    if shape.enum and value not in shape.enum:
        yield _fails(value, path, f"satisfy enum value set: [{', '.join(shape.enum)}]")
    pattern = _pattern(meta.get("pattern"))
    if pattern is not None and not pattern.fullmatch(value):
        yield _fails(value, path, f"satisfy regular expression pattern: {meta['pattern']}")


def _fails(value: Any, path: str, constraint: str) -> str:
    shown = str(value) if len(str(value)) <= 100 else f"{str(value)[:100]}..."
    return f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must {constraint}"


def unreadable_patterns(model: ServiceModel) -> set[str]:
    """The patterns of `model`'s input shapes that cannot be checked here."""
    found: set[str] = set()
    seen: set[str] = set()

    def walk(shape: Shape) -> None:
        if shape.name in seen:
            return
        seen.add(shape.name)
        java = shape.metadata.get("pattern")
        if java is not None and _pattern(java) is None:
            found.add(java)
        kind = shape.type_name
        children = (shape.members.values() if kind == "structure" else [shape.member] if kind == "list"
                    else [shape.key, shape.value] if kind == "map" else [])
        for child in children:
            walk(child)

    for name in model.operation_names:
        if (shape := model.operation_model(name).input_shape) is not None:
            walk(shape)
    return found


@cache
def _pattern(java: str | None) -> regex.Pattern[str] | None:
    """Java's `.` stops at a line end, as Python's does without DOTALL."""
    if java is None:
        return None
    translated = java
    for construct, ascii_range in _JAVA_CLASSES.items():
        translated = translated.replace(construct, ascii_range)
    try:
        return regex.compile(translated, regex.V0)
    except regex.error:
        return None


def _at(path: str, name: str) -> str:
    member = name[:1].lower() + name[1:]
    return f"{path}.{member}" if path else member


def _constraints_of(shape: Shape) -> int:
    meta = shape.metadata
    own = ("min" in meta) + ("max" in meta) + bool(getattr(shape, "enum", None)) + \
        (_pattern(meta.get("pattern")) is not None)  # an unreadable pattern is not checked
    return own + (len(shape.required_members) if shape.type_name == "structure" else 0)


def _inner(shape: Shape) -> list[Shape]:
    if shape.type_name == "structure":
        return list(shape.members.values())
    if shape.type_name == "list":
        return [shape.member]
    return [shape.key, shape.value] if shape.type_name == "map" else []


def rule_count(service: str) -> tuple[int, int]:
    """How many operations of `service` are checked, and how many constraints (a required
    member, a min, a max, an enum or a pattern of a shape some operation's input reaches)."""
    model = _model(service)
    if model.protocol not in CODES:
        return 0, 0
    seen: dict[str, Shape] = {}
    pending = [model.operation_model(name).input_shape for name in model.operation_names]
    while pending:
        shape = pending.pop()
        if shape is None or shape.name in seen:
            continue
        seen[shape.name] = shape
        pending += _inner(shape)
    return len(model.operation_names), sum(map(_constraints_of, seen.values()))


if __name__ == "__main__":  # python -m scripts.emulator.service_models SERVICE...
    import sys

    counts = {service: rule_count(service) for service in sys.argv[1:]}
    for service, (operations, constraints) in counts.items():
        print(f"{service}: {operations} operations, {constraints} constraints"
              if operations else f"{service}: not checked (its protocol has codes of its own)")
    print(f"checked: {sum(1 for o, _ in counts.values() if o)} services, "
          f"{sum(o for o, _ in counts.values())} operations, "
          f"{sum(c for _, c in counts.values())} constraints")

