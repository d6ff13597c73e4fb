"""BG201's fix: read the upload in the endpoint and pass its bytes and filename.

Only where it is mechanical: an `async def` endpoint (the `await` needs one), the upload
parameter itself passed as a positional argument outside any loop, in a call that is a whole
statement (`add_task(...)`, `asyncio.create_task(...)`, `task = ...`) of the endpoint's body.
"""

from __future__ import annotations

from typing import Optional, Tuple

import libcst as cst
import libcst.matchers as m

from bglint.model import View
from bglint.model.provenance import UPLOAD_PLAIN_ATTRIBUTES, Received

# Ex) background_tasks.add_task(save_avatar, file)   or   task = asyncio.create_task(...)
WHOLE_STATEMENT = m.SimpleStatementLine(body=[m.Expr() | m.Assign()])


def read_first_fix(view: View, site, received: Received) -> Optional[Tuple[tuple, ...]]:
    scope = site.scopes[-1] if site.scopes else None
    origin = received.origin
    if (
        scope is None
        or scope.node is None
        or scope.node.asynchronous is None
        or origin.kind != "upload"
        or origin.scope is not scope
        or received.position is None
        or site.loops
        or not isinstance(received.node, cst.Name)
    ):
        return None
    if not _is_only_use(scope.node, origin.param):
        return None  # reading it here would leave the other readers an empty upload
    variable = f"{origin.param}_bytes"
    if any(s.binds(variable) for s in site.scopes) or variable in view.module.functions:
        return None
    found = _statement_block(scope.node, site.call)
    if found is None:
        return None
    block, statement = found
    arg = _argument(statement, received.node)
    if arg is None:
        return None
    space = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    data = cst.Arg(value=cst.Name(variable), comma=space)
    filename = cst.Arg(
        value=cst.Attribute(value=cst.Name(origin.param), attr=cst.Name("filename")),
        comma=arg.comma,
        whitespace_after_arg=arg.whitespace_after_arg,
    )
    holder = next(c for c in m.findall(statement, m.Call()) if any(a is arg for a in c.args))
    args = []
    for each in holder.args:
        args += [data, filename] if each is arg else [each]
    new_statement = statement.deep_replace(holder, holder.with_changes(args=args))
    read = cst.SimpleStatementLine(
        body=[
            cst.Assign(
                targets=[cst.AssignTarget(target=cst.Name(variable))],
                value=cst.Await(
                    expression=cst.Call(
                        func=cst.Attribute(value=cst.Name(origin.param), attr=cst.Name("read"))
                    )
                ),
            )
        ],
        leading_lines=statement.leading_lines,
    )
    body = []
    for line in block.body:
        if line is statement:
            body += [read, new_statement.with_changes(leading_lines=())]
        else:
            body.append(line)
    return ((block, block.with_changes(body=body)),)


def _statement_block(function: cst.FunctionDef, call: cst.Call):
    for block in m.findall(function, m.IndentedBlock()):
        for line in block.body:
            if m.matches(line, WHOLE_STATEMENT) and line.body[0].value is call:
                return block, line
    return None


def _argument(statement: cst.CSTNode, value: cst.CSTNode) -> Optional[cst.Arg]:
    found = m.findall(statement, m.Arg(value=m.MatchIfTrue(lambda node: node is value)))
    if len(found) == 1 and found[0].keyword is None and not found[0].star:
        return found[0]
    return None


def _is_only_use(function: cst.FunctionDef, param: str) -> bool:
    """Whether the function uses the upload once, apart from plain values such as its name."""
    uses = len(m.findall(function.body, m.Name(param)))
    plain = m.Attribute(
        value=m.Name(param), attr=m.OneOf(*(m.Name(a) for a in UPLOAD_PLAIN_ATTRIBUTES))
    )
    return uses - len(m.findall(function.body, plain)) == 1
