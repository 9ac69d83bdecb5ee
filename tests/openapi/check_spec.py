#!/usr/bin/env python3
"""Checks openapi.yaml without a server and prints one JSON report on stdout.

- spec: the document is valid OpenAPI 3.1 (openapi-spec-validator), and every
  `pattern` in it compiles (the Node test compiles them again as ECMA-262 with `u`).
- examples: every request and response example validates against its schema.
- cases: every shared request case (tests/cases) whose `expect.ok` is true, with its
  credential placeholders replaced by values of the issued formats, validates against
  the request schema; for the other cases, how many the schema rejects as well.
- consistency: the spec names the same top-level keys, contact and entity fields,
  length limits, tag limits, country codes and error codes (with their HTTP statuses)
  as the contract the Rust core exports (`cargo run -q -p contact-core --example
  contract`, read from the tables its checks run on).

Two independent JSON Schema 2020-12 validators judge every instance: `jsonschema`
(Python's `re` for patterns) and `jsonschema_rs` (Rust's regex engines); an instance
counts as valid only when both accept it. The Node test (openapi.test.mjs) asserts on
the report; run this file alone to read it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import jsonschema_rs
import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "openapi.yaml"
CASES_DIR = ROOT / "tests" / "cases"
PATH = "/apis/v2/public/crm/addContactsFull"
BATCH_PATH = PATH + "/batch"
OPERATION = ("paths", PATH, "post")
REQUEST_SCHEMA = "#/components/schemas/AddContactRequest"

# Values of the issued formats for the cases' placeholders, shared with the Rust and
# JavaScript runners.
PLACEHOLDERS = json.loads((ROOT / "tests" / "support" / "placeholders.json").read_text(encoding="utf-8"))["offline"]


def load_spec() -> dict:
    with SPEC_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


def pointer(*parts: str) -> str:
    return "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Judge:
    """Both validators on one schema of the spec, given by JSON pointer."""

    def __init__(self, spec: dict, ref: str):
        # The whole document is the schema resource, so that every `#/components/...`
        # reference resolves; its OpenAPI keys are unknown keywords, which are ignored.
        document = dict(spec)
        document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        document["$ref"] = ref
        self.ref = ref
        self.py = jsonschema.Draft202012Validator(
            document, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
        )
        self.rs = jsonschema_rs.validator_for(document, validate_formats=True)

    def problems(self, instance) -> list[str]:
        found = []
        for e in self.py.iter_errors(instance):
            found.append(f"jsonschema: {'/'.join(map(str, e.absolute_path))}: {e.message[:300]}")
        for e in self.rs.iter_errors(instance):
            found.append(f"jsonschema_rs: {e.instance_path}: {e.message[:300]}")
        return found

    def verdicts(self, instance) -> tuple[bool, bool]:
        return self.py.is_valid(instance), self.rs.is_valid(instance)


def walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for k, v in node.items():
            yield from walk(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from walk(v, path + (str(i),))


def check_spec(spec: dict) -> dict:
    errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in OpenAPIV31SpecValidator(spec).iter_errors()]
    if not str(spec.get("openapi", "")).startswith("3.1."):
        errors.append(f"openapi is {spec.get('openapi')!r}, not 3.1.x")
    patterns = []
    for path, node in walk(spec):
        if path and path[-1] == "pattern" and isinstance(node, str) and "examples" not in path:
            patterns.append({"at": "/".join(path), "pattern": node})
            try:
                re.compile(node)
            except re.error as e:
                errors.append(f"{'/'.join(path)}: Python re cannot compile the pattern: {e}")
            # RE2 (Go, and tools built on it) refuses repetition counts above 1000.
            for bound in re.findall(r"\{(?:\d+,)?(\d+)\}", node):
                if int(bound) > 1000:
                    errors.append(f"{'/'.join(path)}: repetition bound {bound} exceeds 1000, which RE2 refuses")
    return {"valid": not errors, "errors": errors, "patterns": patterns}


def check_examples(spec: dict) -> dict:
    op = spec["paths"][PATH]["post"]
    checked, failures = 0, []
    request = Judge(spec, REQUEST_SCHEMA)
    for name, example in op["requestBody"]["content"]["application/json"].get("examples", {}).items():
        checked += 1
        for p in request.problems(example["value"]):
            failures.append(f"request example {name}: {p}")
    for status, response in op["responses"].items():
        for media, content in response.get("content", {}).items():
            judge = Judge(spec, pointer(*OPERATION, "responses", status, "content", media, "schema"))
            for name, example in content.get("examples", {}).items():
                checked += 1
                for p in judge.problems(example["value"]):
                    failures.append(f"{status} example {name}: {p}")
    return {"checked": checked, "failures": failures}


def substitute(value):
    if isinstance(value, str):
        for placeholder, real in PLACEHOLDERS.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, list):
        return [substitute(v) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v) for k, v in value.items()}
    return value


def substitute_text(text: str) -> str:
    for placeholder, real in PLACEHOLDERS.items():
        text = text.replace(placeholder, real)
    return text


def check_cases(spec: dict) -> dict:
    judge = Judge(spec, REQUEST_SCHEMA)
    ok = {"total": 0, "accepted": 0, "failures": []}
    invalid = {"total": 0, "rejected": 0, "by_code": {}, "accepted": []}
    raw = {"total": 0, "not_a_json_object": 0}
    for file in sorted(CASES_DIR.glob("*.json")):
        for case in json.loads(file.read_text(encoding="utf-8"))["cases"]:
            name, expect = case["name"], case["expect"]
            if "body" in case:
                raw["total"] += 1
                try:
                    request = json.loads(substitute_text(case["body"]))
                    # A lone surrogate (`"\\ud800"`) parses in Python but is no Unicode
                    # text: JSON parsers that keep strings as Unicode refuse it.
                    json.dumps(request, ensure_ascii=False).encode("utf-8")
                except ValueError:
                    request = None
                if not isinstance(request, dict):
                    # Not a JSON object: refused before any schema applies (INVALID_JSON).
                    raw["not_a_json_object"] += 1
                    if expect.get("ok"):
                        ok["total"] += 1
                        ok["failures"].append({"case": name, "file": file.name, "problems": ["not a JSON object"]})
                    else:
                        invalid["total"] += 1
                        invalid["rejected"] += 1
                        tally = invalid["by_code"].setdefault(expect["code"], {"total": 0, "rejected": 0})
                        tally["total"] += 1
                        tally["rejected"] += 1
                    continue
            else:
                request = substitute(case["request"])
            if expect.get("ok"):
                ok["total"] += 1
                problems = judge.problems(request)
                if problems:
                    ok["failures"].append({"case": name, "file": file.name, "problems": problems[:6]})
                else:
                    ok["accepted"] += 1
            else:
                invalid["total"] += 1
                tally = invalid["by_code"].setdefault(expect["code"], {"total": 0, "rejected": 0})
                tally["total"] += 1
                py_ok, rs_ok = judge.verdicts(request)
                if not py_ok and not rs_ok:
                    invalid["rejected"] += 1
                    tally["rejected"] += 1
                else:
                    entry = {"case": name, "code": expect["code"]}
                    if py_ok != rs_ok:
                        entry["validators_disagree"] = {"jsonschema": py_ok, "jsonschema_rs": rs_ok}
                    invalid["accepted"].append(entry)
    return {"ok": ok, "invalid": invalid, "raw_bodies": raw}


# ------------------------------------------------------------------ consistency


def load_contract() -> dict:
    """The contract as the core exports it."""
    out = subprocess.run(
        ["cargo", "run", "-q", "-p", "contact-core", "--example", "contract"],
        cwd=ROOT, check=True, capture_output=True, text=True,
    )
    return json.loads(out.stdout)


def component_of(schema: dict) -> str | None:
    """The component a property refers to, through `anyOf: [X, null]`."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[1]
    for branch in schema.get("anyOf", []):
        if "$ref" in branch:
            return branch["$ref"].rsplit("/", 1)[1]
    return None


RULE_COMPONENTS = {
    "email": "Email",
    "phone": "Phone",
    "url": "WebAddress",
    "country": "Country",
    "tags": "Tags",
    "custom_fields": "CustomFields",
    "uuid": None,  # contact.id: an inline optional UUID
}


def check_consistency(spec: dict) -> dict:
    failures = []
    schemas = spec["components"]["schemas"]
    contract = load_contract()
    limits = contract["limits"]

    def expect(cond: bool, message: str):
        if not cond:
            failures.append(message)

    # Top-level keys.
    keys = contract["top_level_keys"]
    props = list(schemas["AddContactRequest"]["properties"])
    expect(sorted(keys) == sorted(props), f"top-level keys: core {keys}, spec {props}")
    batch_keys = contract["batch_keys"]
    batch_props = list(schemas["BatchRequest"]["properties"])
    expect(sorted(batch_keys) == sorted(batch_props), f"batch keys: core {batch_keys}, spec {batch_props}")
    item_props = list(schemas["BatchItem"]["properties"])
    expect(contract["batch_item_keys"] == item_props, f"batch item keys: core {contract['batch_item_keys']}, spec {item_props}")
    items = schemas["BatchRequest"]["properties"]["items"]
    expect(items["maxItems"] == limits["max_batch_items"], f"batch items: core at most {limits['max_batch_items']}, spec {items['maxItems']}")

    # Contact and entity fields, with their rules and limits.
    for table, component in (("contact_fields", "Contact"), ("entity_fields", "Entity")):
        core_fields = contract[table]
        names = [f["name"] for f in core_fields]
        props = schemas[component]["properties"]
        expect(names == list(props), f"{component} fields: core {names}, spec {list(props)}")
        for f in core_fields:
            name, rule = f["name"], f["rule"]
            if name not in props:
                continue
            got = component_of(props[name])
            if rule["type"] == "text" and rule.get("multiline"):
                expect(got == "Notes", f"{component}.{name}: core {rule}, spec {got}")
                expect(schemas["Notes"]["x-trimmed-max-length"] == rule["max_chars"], f"Notes: x-trimmed-max-length is not {rule['max_chars']}")
                expect(schemas["Notes"]["maxLength"] == rule["max_chars"], f"Notes: maxLength is not {rule['max_chars']}")
            elif rule["type"] == "text":
                limit = rule["max_chars"]
                want = f"Text{limit}"
                expect(got == want, f"{component}.{name}: core {rule}, spec {got}")
                expect(
                    schemas.get(want, {}).get("x-trimmed-max-length") == limit,
                    f"{want}: x-trimmed-max-length is not {limit}",
                )
                expect(
                    "{0,%d}" % (limit - 2) in schemas.get(want, {}).get("pattern", ""),
                    f"{want}: the pattern does not allow {limit} characters",
                )
            elif rule["type"] in RULE_COMPONENTS:
                expect(got == RULE_COMPONENTS[rule["type"]], f"{component}.{name}: core {rule}, spec {got}")
            else:
                failures.append(f"{component}.{name}: core rule {rule} has no counterpart in this check")
    expect(contract["required_to_create"] == ["firstName", "primaryEmail"], f"contact fields required to create: core {contract['required_to_create']}")

    # Tags.
    max_tags, max_tag_chars = limits["max_tags"], limits["max_tag_chars"]
    expect(schemas["Tags"]["maxItems"] == max_tags, f"Tags.maxItems is not {max_tags}")
    expect(schemas["Tag"]["x-trimmed-max-length"] == max_tag_chars, f"Tag length is not {max_tag_chars}")
    expect("{0,%d}" % (max_tag_chars - 2) in schemas["Tag"]["pattern"], "Tag pattern length")

    # E-mail and web address limits.
    local, whole = limits["email_max_local_octets"], limits["email_max_address_octets"]
    email_patterns = [p["pattern"] for p in schemas["Email"]["allOf"]]
    expect(any("]{1,%d}@" % local in p for p in email_patterns), f"Email: local part limit is not {local}")
    expect(any("\\S{0,%d}" % whole in p for p in email_patterns), f"Email: address limit is not {whole}")
    url_max = limits["url_max_chars"]
    expect(schemas["WebAddress"]["x-trimmed-max-length"] == url_max, f"WebAddress: x-trimmed-max-length is not {url_max}")
    expect(schemas["WebAddress"]["maxLength"] == url_max, f"WebAddress: maxLength is not {url_max}")

    # The error answer's caps.
    error = schemas["Error"]["properties"]
    expect(error["errors"]["maxItems"] == limits["max_listed_problems"], "Error.errors.maxItems differs from the core's cap")
    expect(error["data"]["maxItems"] == limits["max_listed_problems"], "Error.data.maxItems differs from the core's cap")
    expect(error["candidate_ids"]["maxItems"] == limits["max_phone_candidates"], "Error.candidate_ids.maxItems differs from the core")

    # Country codes.
    codes = contract["countries"]
    enum = [c for c in schemas["Country"]["anyOf"][0]["enum"]]
    expect(codes == enum, f"country codes differ: only in core {sorted(set(codes) - set(enum))}, only in spec {sorted(set(enum) - set(codes))}")
    country_re = re.compile(schemas["Country"]["anyOf"][1]["pattern"])
    admitted = {a + b for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" if country_re.search(a + b)}
    expect(admitted == set(codes), f"the country pattern admits {sorted(admitted ^ set(codes))} wrongly")
    expect(all(country_re.search(c.lower()) for c in codes), "the country pattern refuses lower case")

    # Error codes and their HTTP statuses.
    core_codes = [c["code"] for c in contract["codes"]]
    expect(core_codes == schemas["ErrorCode"]["enum"], f"error codes: core {core_codes}, spec {schemas['ErrorCode']['enum']}")
    status_of = {c["code"]: str(c["status"]) for c in contract["codes"]}
    # Codes only the batch endpoint answers: INVALID_ITEMS for a whole batch,
    # BATCH_ROLLED_BACK only ever as an item's code inside a 207.
    batch_only = {"INVALID_ITEMS", "BATCH_ROLLED_BACK"}
    for code, status in sorted(status_of.items()):
        path = BATCH_PATH if code in batch_only else PATH
        responses = spec["paths"][path]["post"]["responses"]
        expect(status in responses, f"{code}: HTTP {status} is not documented on {path}")
        if status not in responses:
            continue
        judge = Judge(spec, pointer("paths", path, "post", "responses", status, "content", "application/json", "schema"))
        body = {"status": "error", "code": code, "message": "m", "data": ["m"], "errors": []}
        if code in ("VALIDATION_ERROR", "CUSTOM_FIELD_ERROR"):
            body["errors"] = [{"path": "contact.x", "code": "x", "message": "m"}]
        if code == "CONTACT_EXISTS":
            body["contact_id"] = PLACEHOLDERS["$ORG_ID"]
        if code == "AMBIGUOUS_MATCH":
            body["candidate_ids"] = [PLACEHOLDERS["$ORG_ID"], PLACEHOLDERS["$MEMBER_ID"]]
        if code == "INTERNAL_ERROR":
            body["request_id"] = PLACEHOLDERS["$ORG_ID"]
        if code == "BATCH_ROLLED_BACK":
            body = {"status": "error", "summary": {"created": 0, "updated": 0, "failed": 1}, "results": [{"index": 0, **body}]}
        problems = judge.problems(body)
        expect(not problems, f"{code}: the HTTP {status} response schema of {path} refuses it: {problems[:2]}")
        for other, other_status in status_of.items():
            if other_status != status and other_status in responses:
                other_judge = Judge(spec, pointer("paths", path, "post", "responses", other_status, "content", "application/json", "schema"))
                expect(not all(other_judge.verdicts(body)), f"{code}: also admitted by HTTP {other_status} on {path}")
    # Every code an item can answer is admitted in a batch's 207.
    partial = Judge(spec, pointer("paths", BATCH_PATH, "post", "responses", "207", "content", "application/json", "schema"))
    for code in ("MISSING_CONTACT", "VALIDATION_ERROR", "CUSTOM_FIELD_ERROR", "NOT_FOUND_UPDATE", "CONTACT_EXISTS", "AMBIGUOUS_MATCH", "BATCH_ROLLED_BACK"):
        item = {"index": 1, "status": "error", "code": code, "message": "m", "data": ["m"], "errors": []}
        body = {"status": "error", "summary": {"created": 0, "updated": 0, "failed": 1}, "results": [item]}
        problems = partial.problems(body)
        expect(not problems, f"{code}: a batch item with it is refused by the 207 schema: {problems[:2]}")
    return {"failures": failures}


def main() -> int:
    spec = load_spec()
    report = {"spec": check_spec(spec)}
    report["examples"] = check_examples(spec)
    report["cases"] = check_cases(spec)
    report["consistency"] = check_consistency(spec)
    json.dump(report, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
