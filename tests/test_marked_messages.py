"""Every message plugin/, realtime/ and lti/ show people is marked for translation where written.

A bare English literal handed to an error (``raise NotFound("...")``) reaches a Dutch page in
English, and a hand-kept list elsewhere drifts from the code. This walk finds such literals so
that new code cannot bring them back.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("plugin", "realtime", "lti")
# Errors whose message a person reads (web/errors.py, realtime acks, the LTI launch error page).
USER_FACING = {
    "TandemError",
    "NotFound",
    "NotAllowed",
    "Conflict",
    "InvalidInput",
    "LaunchError",
    "RegistrationError",
}
# Callables whose message a person reads sits at another argument position: the helper that
# raises InvalidInput(message) itself, and the refusal of a room connection (code, message).
MESSAGE_ARGUMENT = {"_short": 2, "TokenRefused": 1}


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _is_bare_text(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    return isinstance(node, ast.JoinedStr)


def _bare_messages() -> list[str]:
    found: list[str] = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                candidates: list[ast.expr] = []
                if name in USER_FACING:
                    candidates += node.args[:1]
                    candidates += [k.value for k in node.keywords if k.arg == "message"]
                elif name in MESSAGE_ARGUMENT and len(node.args) > MESSAGE_ARGUMENT[name]:
                    candidates.append(node.args[MESSAGE_ARGUMENT[name]])
                for argument in candidates:
                    if _is_bare_text(argument):
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        found.append(f"{where}: {ast.unparse(argument)[:70]}")
    return found


def test_every_error_message_is_marked_where_it_is_written() -> None:
    bare = _bare_messages()
    assert bare == [], "wrap these in N_()/Nn_() from plugin.i18n:\n" + "\n".join(bare)
