"""Schemathesis hooks for the run against the local Worker (tests/openapi/openapi.test.mjs).

Generated credentials are format-valid but match no key, so without help every request
would stop at step 4 (INVALID_API_KEY). Before each call with a JSON object body, three
requests in four get the demo organization's real credentials (from OPENAPI_DEMO), so
that they reach the field checks and the write; the fourth is sent as generated. One in
two of those also gets a shared e-mail address and phone number where it sends one,
so that the write meets existing contacts. Those three in four also get a fresh
`Idempotency-Key` where one is generated: schemathesis repeats its generated keys, and
every repeat with another body would stop at IDEMPOTENCY_KEY_REUSED instead of the
checks and the write (the fourth keeps the generated key, reused or malformed). After each call one line per request goes
to OPENAPI_STATS for the test's summary.
"""

import itertools
import json
import os

import schemathesis

_DEMO = json.loads(os.environ["OPENAPI_DEMO"])
_CREDENTIALS = {key: _DEMO[key] for key in ("api_key", "developer_secret", "org_id", "member_id")}
_STATS = os.environ.get("OPENAPI_STATS")
_counter = itertools.count()


# Shared values, so that contacts collide: `insert` of an existing e-mail and e-mail
# changes answer CONTACT_EXISTS, phone lookups matching several contacts AMBIGUOUS_MATCH.
_SHARED = {"primaryEmail": "shared@example.com", "primaryPhone": "+1 555 0100"}


@schemathesis.hook
def before_call(context, case, kwargs):
    n = next(_counter)
    if not isinstance(case.body, dict) or n % 4 == 3:
        return
    case.body.update(_CREDENTIALS)
    headers = case.headers or {}
    for name in list(headers):
        if name.lower() == "idempotency-key":
            headers[name] = f"schemathesis-{os.getpid()}-{n}"
    contact = case.body.get("contact")
    if n % 2 == 0 and isinstance(contact, dict):
        for key, value in _SHARED.items():
            if isinstance(contact.get(key), str) and contact[key].strip():
                contact[key] = value


def _generation(case):
    """The phase and generation mode (positive or negative) of a case, where known."""
    meta = getattr(case, "_meta", None)
    try:
        return meta.phase.name.value, meta.generation.mode.value
    except AttributeError:
        return None, None


@schemathesis.hook
def after_call(context, case, response):
    if not _STATS:
        return
    try:
        body = response.json()
    except Exception:  # noqa: BLE001 - any non-JSON answer is recorded as such
        body = None
    code = body.get("code") if isinstance(body, dict) else None
    status = body.get("status") if isinstance(body, dict) else None
    phase, mode = _generation(case)
    line = {
        "method": case.method,
        "phase": phase,
        "mode": mode,
        "http": response.status_code,
        "status": status,
        "code": code,
        "credentials": isinstance(case.body, dict) and case.body.get("api_key") == _CREDENTIALS["api_key"],
        "seconds": round(response.elapsed, 4),
    }
    if code in ("VALIDATION_ERROR", "CUSTOM_FIELD_ERROR") and isinstance(body.get("errors"), list):
        line["errors"] = sorted({f"{e.get('path')}:{e.get('code')}" for e in body["errors"] if isinstance(e, dict)})
        if mode == "positive":
            # The request that the schema allows and the server refused, secrets left out.
            line["request"] = {
                k: ("…" if k in ("api_key", "developer_secret") else v) for k, v in case.body.items()
            }
    with open(_STATS, "a", encoding="utf-8") as out:
        out.write(json.dumps(line) + "\n")
