"""The shape every rule shares: metadata, message templates, and how a finding is reported.

A rule's `check(view, index)` yields `Finding`s that point at CST nodes of the view; the runner
turns them into file positions (only for views that produced one) and into text edits.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Dict, Iterator, Optional, Tuple, Union

from bglint.diagnostics import Applicability, Edit

if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from bglint.index import Index
    from bglint.model import View


class FixAvailability(str, enum.Enum):
    NEVER = "never"
    SOMETIMES = "sometimes"
    ALWAYS = "always"


@dataclass(frozen=True)
class NodeFix:
    """Replace CST nodes of the view with new nodes; the runner renders the new code."""

    title: str
    applicability: Applicability
    replacements: Tuple[Tuple["cst.CSTNode", "cst.CSTNode"], ...]


@dataclass(frozen=True)
class TextFix:
    """Edits in file positions, for a fix outside the view (a task function's `async`)."""

    title: str
    applicability: Applicability
    edits: Tuple["Edit", ...]


@dataclass(frozen=True)
class Finding:
    """What a rule reports: the node, the message, and the fix when there is one."""

    code: str
    name: str
    message: str
    node: "cst.CSTNode"
    fix: Optional[Union[NodeFix, TextFix]] = None


class Rule:
    """One code of the catalogue. Subclasses set the class attributes and `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    message: ClassVar[str]
    # Extra named templates for truly distinct situations (style.md §3).
    messages: ClassVar[Dict[str, str]] = {}
    fix_title: ClassVar[Optional[str]] = None
    fix_availability: ClassVar[FixAvailability] = FixAvailability.NEVER

    def check(self, view: "View", index: "Index") -> Iterator[Finding]:
        raise NotImplementedError

    def templates(self) -> Dict[str, str]:
        return {"message": self.message, **self.messages}

    def report(
        self,
        node: "cst.CSTNode",
        *,
        template: str = "message",
        fix: Optional[Union[NodeFix, TextFix]] = None,
        **fields: str,
    ) -> Finding:
        text = self.templates()[template].format(**fields)
        return Finding(code=self.code, name=self.name, message=text, node=node, fix=fix)

    def make_fix(
        self,
        replacements: Tuple[Tuple["cst.CSTNode", "cst.CSTNode"], ...],
        applicability: Applicability,
        **fields: str,
    ) -> NodeFix:
        assert self.fix_title is not None, f"{self.code} offers a fix but has no fix_title"
        return NodeFix(
            title=self.fix_title.format(**fields),
            applicability=applicability,
            replacements=replacements,
        )
