"""What a task function does when it runs, following calls into the project's helpers.

A task's *effects* are the blocking calls (BG301), the durable work (BG501) and the unguarded
raises (BG302) of its body and of the project functions it calls, followed to `MAX_DEPTH`
calls deep, across modules through the index, memoised per function and depth. Every callee
is qualified through the import table (the module's and the function's own imports); a name
the table does not know (a parameter, a local variable) is never guessed from its spelling.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterable, List, Optional, Tuple

from bglint.index.facts import CallFact, FunctionSummary, ModuleSummary

if TYPE_CHECKING:  # pragma: no cover
    from bglint.index import Index

MAX_DEPTH = 3  # helper calls followed below the task: task -> a -> b -> c

# Calls that block the thread that makes them (semantics.md "How tasks run"); an entry also
# covers what is reached through it (`smtplib.SMTP` covers `smtplib.SMTP.sendmail`).
BLOCKING_CALLS = (
    "time.sleep",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.patch",
    "requests.delete",
    "requests.head",
    "requests.options",
    "requests.request",
    "requests.Session",
    "requests.api",
    "urllib.request.urlopen",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen.wait",
    "subprocess.Popen.communicate",
    "os.system",
    "builtins.open",
    "builtins.input",
    "psycopg2.connect",
    "sqlite3.connect",
    "pymysql.connect",
    "MySQLdb.connect",
    "sqlalchemy.orm.Session",
    "sqlalchemy.orm.session.Session",
    "sqlalchemy.orm.sessionmaker",
    "sqlalchemy.orm.session.sessionmaker",
    "httpx.get",
    "httpx.post",
    "httpx.put",
    "httpx.patch",
    "httpx.delete",
    "httpx.head",
    "httpx.options",
    "httpx.request",
    "httpx.stream",
    "httpx.Client",
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
)
EMAIL_CALLS = (
    "smtplib.SMTP",
    "smtplib.SMTP_SSL",
    "aiosmtplib.send",
    "aiosmtplib.SMTP",
    "fastapi_mail.FastMail",
    "fastapi_mail.fastmail.FastMail",
    "sendgrid.SendGridAPIClient",
    "sendgrid.sendgrid.SendGridAPIClient",
    "resend.Emails.send",
    "postmarker.core.PostmarkClient",
    "mailjet_rest.Client",
    "django.core.mail.send_mail",
    "django.core.mail.send_mass_mail",
    "yagmail.SMTP",
)
PAYMENT_CALLS = (
    "stripe.Charge.create",
    "stripe.PaymentIntent.create",
    "stripe.PaymentIntent.confirm",
    "stripe.PaymentIntent.capture",
    "stripe.Refund.create",
    "stripe.Payout.create",
    "stripe.Transfer.create",
    "stripe.Subscription.create",
    "stripe.Invoice.pay",
    "braintree.Transaction.sale",
    "braintree.Transaction.submit_for_settlement",
    "braintree.Transaction.refund",
    "paypalrestsdk.Payment",
    "paypalrestsdk.Payout",
)
RETRY_DECORATORS = (
    "tenacity.retry",
    "backoff.on_exception",
    "backoff.on_predicate",
    "retrying.retry",
    "stamina.retry",
)
RETRY_CALLS = ("tenacity.Retrying", "tenacity.AsyncRetrying")
SLEEP_CALLS = ("time.sleep", "asyncio.sleep", "anyio.sleep", "trio.sleep")
SES_CLIENTS = ("boto3.client", "boto3.resource", "boto3.session.Session.client")
SES_SERVICES = frozenset({"ses", "sesv2"})


@dataclass(frozen=True)
class Effect:
    """One effect a task function has, directly or through the functions it calls."""

    kind: (
        str  # blocking | email | payment | retry | retry-loop | endless-loop | durable-call | raise
    )
    what: str  # the qualified call, decorator or loop, for messages
    line: int
    via: Tuple[str, ...] = ()  # the helpers called from the task on the way, outermost first
    built_by: Optional[str] = None  # `SessionLocal()`: what built the object called

    def described(self) -> str:
        where = "".join(f" in `{name}`" for name in self.via[-1:])
        what = self.what[len("builtins.") :] if self.what.startswith("builtins.") else self.what
        built = f" (built by `{self.built_by}`)" if self.built_by else ""
        return f"`{what}`{built}{where}"


@dataclass(frozen=True)
class Effects:
    """What a task function does that matters after the response: blocking, durable, raising."""

    blocking: Tuple[Effect, ...] = ()
    durable: Tuple[Effect, ...] = ()
    raising: Tuple[Effect, ...] = ()  # raises not caught by a broad `except` on the way


def matches(qualified: Optional[str], names: Iterable[str]) -> bool:
    if not qualified:
        return False
    return any(qualified == name or qualified.startswith(name + ".") for name in names)


def qualify_callee(
    index: "Index", module: ModuleSummary, function: FunctionSummary, callee: str
) -> Optional[str]:
    """The qualified name `callee` means inside `function`, or None when the import table
    does not know its first name (a parameter, a local variable, `self`)."""
    head, _, rest = callee.partition(".")
    suffix = f".{rest}" if rest else ""
    local = dict(function.body.imports)
    if head in local:
        return local[head] + suffix
    if any(p.name == head for p in function.params):
        return None
    known = (module.imports, module.functions, module.classes, module.instances, module.aliases)
    if any(head in table for table in known):
        if head in module.instances or head in module.imports:
            # `mailer.send()` with `mailer = SMTP(...)` here or in the module it comes from:
            # what built `mailer`, then `.send`
            created = index.resolve(module, head)
            if created.kind == "instance" and created.created_by:
                return created.created_by + suffix
        return index.qualify(module, callee)
    qualified = index.qualify(module, callee)
    return qualified if qualified.startswith("builtins.") else None


def _helper(
    index: "Index", module: ModuleSummary, function: FunctionSummary, callee: str
) -> Optional[Tuple[ModuleSummary, FunctionSummary]]:
    """The project function a call reaches: `helper()`, `mod.helper()`, `self.method()`."""
    head, _, rest = callee.partition(".")
    if function.class_name and function.params and head == function.params[0].name:
        method = module.functions.get(f"{function.class_name}.{rest}") if rest else None
        return (module, method) if method is not None and "." not in rest else None
    qualified = qualify_callee(index, module, function, callee)
    if qualified is None or qualified.startswith("builtins."):
        return None
    target = index._resolve_qualified(qualified, module, 0)
    if target.is_project_function and target.module is not None:
        return target.module, target.function
    return None


def _own_effects(
    index: "Index", module: ModuleSummary, function: FunctionSummary
) -> Tuple[List[Effect], List[Effect], List[Effect]]:
    blocking: List[Effect] = []
    durable: List[Effect] = []
    raising: List[Effect] = []
    for decorator in function.decorators:
        qualified = qualify_callee(index, module, function, decorator)
        if matches(qualified, RETRY_DECORATORS):
            durable.append(Effect("retry", f"@{qualified}", function.start_line))
    for call in function.body.calls:
        qualified = qualify_callee(index, module, function, call.callee)
        if qualified is None:
            continue
        what, built_by = _durable_what(qualified, call), None
        if qualified.rpartition(".")[2] != call.callee.rpartition(".")[2]:
            what, built_by = call.callee, qualified  # called through an instance
        if matches(qualified, BLOCKING_CALLS + index.blocking_calls):
            blocking.append(Effect("blocking", what, call.line, built_by=built_by))
        kind = _durable_kind(index, qualified, call)
        if kind is not None:
            durable.append(Effect(kind, what, call.line, built_by=built_by))
    for line in function.body.endless_loops:
        durable.append(Effect("endless-loop", "while True", line))
    for line, sleep in function.body.retry_loops:
        qualified = qualify_callee(index, module, function, sleep)
        if matches(qualified, SLEEP_CALLS):
            durable.append(Effect("retry-loop", qualified, line))
    for written, line, guarded in function.body.raises:
        if not guarded:
            what = written if written.endswith("()") else f"raise {written}".strip()
            raising.append(Effect("raise", what, line))
    return blocking, durable, raising


def _durable_kind(index: "Index", qualified: str, call: CallFact) -> Optional[str]:
    if matches(qualified, EMAIL_CALLS):
        return "email"
    if qualified in SES_CLIENTS and call.literal in SES_SERVICES:
        return "email"
    if matches(qualified, PAYMENT_CALLS):
        return "payment"
    if matches(qualified, RETRY_CALLS):
        return "retry"
    if matches(qualified, index.durable_calls):
        return "durable-call"
    return None


def _durable_what(qualified: str, call: CallFact) -> str:
    if call.literal is not None and qualified in SES_CLIENTS:
        return f'{qualified}("{call.literal}")'
    return qualified


def effects_of(
    index: "Index", module: ModuleSummary, function: FunctionSummary, depth: int = MAX_DEPTH
) -> Effects:
    """The effects of `function` and of the helpers it calls, `depth` calls deep."""
    key = (module.path, index.text_hash(module), function.qualname, depth)
    known = index.effects_memo.get(key)
    if isinstance(known, Effects):
        return known
    if key in index.effects_memo:  # a recursive call reaching a function being computed
        return Effects()
    index.effects_memo[key] = None
    blocking, durable, raising = _own_effects(index, module, function)
    if depth > 0:
        for call in function.body.calls:
            found = _helper(index, module, function, call.callee)
            if found is None or found[1] is function:
                continue
            helper_module, helper = found
            inner = effects_of(index, helper_module, helper, depth - 1)
            via = (helper.name,)
            blocking += [_through(e, via) for e in inner.blocking]
            durable += [_through(e, via) for e in inner.durable]
            if not call.guarded:
                raising += [_through(e, via) for e in inner.raising]
    result = Effects(tuple(blocking), tuple(durable), tuple(raising))
    index.effects_memo[key] = result
    return result


def _through(effect: Effect, via: Tuple[str, ...]) -> Effect:
    return Effect(effect.kind, effect.what, effect.line, via + effect.via, effect.built_by)


def is_awaited_anywhere(index: "Index", module: "ModuleSummary", function: FunctionSummary) -> bool:
    """Whether any module of the project awaits or calls a function of this name (other than
    by scheduling it): turning it into a `def` would break that caller. Asks the project scan,
    not the modules this run happens to have summarised, so the answer does not depend on file
    order; a project too large to scan counts as a caller (the fix is then not offered)."""
    from bglint.index.project import modules_mentioning

    mentioning = modules_mentioning(index, module, (function.name.encode(),))
    if mentioning is None:
        return True
    for summary in mentioning:
        for other in summary.functions.values():
            if other is function:
                continue
            names = [c.callee for c in other.body.calls] + list(other.body.awaited)
            if any(name.rpartition(".")[2] == function.name for name in names):
                return True
    return False
