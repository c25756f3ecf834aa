"""The API's documentation as a page of the site: read from the same OpenAPI document the API publishes, so the two
cannot drift apart, and drawn with GOV.UK components, so it needs no script from anywhere and passes the same
accessibility checks as every other page (Swagger UI and ReDoc ship their own markup, which does not)."""

from dataclasses import dataclass, field

from flask import Blueprint, current_app, render_template

from matchmaker.web.access import public

bp = Blueprint("api_reference", __name__)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Field:
    name: str
    where: str  # "query", "path" or "body"
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    summary: str
    description: str
    tag: str
    fields: list[Field] = field(default_factory=list)
    body: str = ""  # the request body's schema name
    answers: list[tuple[str, str]] = field(default_factory=list)  # (status, what it means)

    @property
    def anchor(self) -> str:
        return f"{self.method}-{self.path}".replace("/", "-").replace("{", "").replace("}", "").strip("-").lower()


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array":
        return "list of " + _type(schema.get("items", {}))
    kind = schema.get("type", "any")
    if "enum" in schema:
        kind += " (one of " + ", ".join(str(v) for v in schema["enum"] if v is not None) + ")"
    elif schema.get("format"):
        kind += f" ({schema['format']})"
    return kind


def _body_fields(spec: dict, name: str) -> list[Field]:
    schema = spec.get("components", {}).get("schemas", {}).get(name, {})
    required = set(schema.get("required", []))
    return [
        Field(prop, "body", _type(details), prop in required, details.get("description", ""))
        for prop, details in schema.get("properties", {}).items()
        if not details.get("readOnly")
    ]


def operations(spec: dict) -> list[Operation]:
    found = []
    responses = spec.get("components", {}).get("responses", {})
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            fields = [
                Field(
                    p["name"], p["in"], _type(p.get("schema", {})), p.get("required", False), p.get("description", "")
                )
                for p in shared + op.get("parameters", [])
            ]
            body = ""
            content = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            if "$ref" in content.get("schema", {}):
                body = content["schema"]["$ref"].rsplit("/", 1)[-1]
                fields += _body_fields(spec, body)
            answers = []
            for status, answer in op.get("responses", {}).items():
                if "$ref" in answer:
                    answer = responses.get(answer["$ref"].rsplit("/", 1)[-1], {})
                answers.append((status, answer.get("description", "")))
            summary = op.get("summary", "")
            found.append(
                Operation(
                    method.upper(),
                    path,
                    summary,
                    op.get("description", ""),
                    (op.get("tags") or ["Other"])[0],
                    fields,
                    body,
                    sorted(answers, key=lambda a: (a[0] == "default", a[0])),
                )
            )
    return found


@bp.get("/api-documentation")
@public
def page():
    spec = current_app.extensions["matchmaker.api"].spec.to_dict()
    found = operations(spec)
    tags = list(dict.fromkeys(op.tag for op in found))
    return render_template("public/api_documentation.html", spec=spec, operations=found, tags=tags)
