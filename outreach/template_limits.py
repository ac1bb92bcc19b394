"""Limits that keep a user's email template from eating the machine.

- values: `*` builds at most SIZE_LIMIT characters or items, any other operation, filter or
  call at most VALUE_LIMIT (amplifiers such as join, replace, format and indent are sized
  before they run), numbers have at most NUMBER_DIGITS digits, pad and count arguments
  (center, indent, batch …) are at most WIDTH_LIMIT;
- work: loop iterations, calls and filters together take at most STEP_BUDGET steps, the
  values they build add up to at most BUILD_BUDGET, range() hands out at most RANGE_BUDGET
  numbers, and a render stops after RENDER_SECONDS;
- output: everything a render writes, also into macros and `{% set %}` blocks, stops at
  OUTPUT_LIMIT characters.
Loops, `~` and output reach those budgets because the parsed template is rewritten before
it is compiled (Hardener); what a render yields directly is counted by the caller, against
the same budget (`budgeted().written`). outreach.email_templates uses Sandbox, Hardener and
budgeted().
"""

from __future__ import annotations

import inspect
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from jinja2 import (
    nodes,
    pass_context,
    pass_eval_context,
)
from jinja2.runtime import LoopContext, markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer
from markupsafe import Markup

SIZE_LIMIT = 10_000  # characters or items one `*` may build
VALUE_LIMIT = 200_000  # characters or items of any other value a template makes
NUMBER_DIGITS = 1_000  # digits of the largest number a template may compute
WIDTH_LIMIT = 100  # the widest center/indent/ljust…, the most batch/slice groups
STEP_BUDGET = 10_000  # loop iterations, calls and filters of one render together
RANGE_BUDGET = 10_000  # numbers all range() calls of one render may produce together
OUTPUT_LIMIT = 200_000  # characters a render may write, captured blocks included
BUILD_BUDGET = 2_000_000  # characters or items of all values one render builds together
RENDER_SECONDS = 1.0  # wall time of one render; a real email takes well under 1 ms
# Python errors a template can cause with real data: 1/0, "a" + 1, a too-short name[40] …
RUNTIME_ERRORS = (ArithmeticError, AttributeError, LookupError, MemoryError, RuntimeError,
                  TypeError, ValueError)

_NUMBER_BITS = NUMBER_DIGITS * 3322 // 1000  # log2(10) bits per digit

# Methods a template may call on the values it sees; the rest (translate, expandtabs,
# int.to_bytes …) could build huge values that no limit above measures first.
STR_METHODS = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "format", "index",
    "isalnum", "isalpha", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper",
    "join", "ljust", "lower", "lstrip", "partition", "removeprefix", "removesuffix",
    "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit", "rstrip", "split",
    "splitlines", "startswith", "strip", "striptags", "swapcase", "title", "unescape",
    "upper", "zfill",
})
MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
SEQUENCE_METHODS = frozenset({"count", "index"})
NUMBER_METHODS = frozenset({"bit_length", "is_integer"})


class Limit(Exception):
    """A template went past one of the limits above."""


# --- the budget of one render ------------------------------------------------------------


@dataclass
class Budget:
    steps: int = STEP_BUDGET
    numbers: int = RANGE_BUDGET
    built: int = 0
    written: int = 0
    deadline: float = field(default_factory=lambda: time.monotonic() + RENDER_SECONDS)

    def check_time(self) -> None:
        """Raise Limit once the render has run for RENDER_SECONDS."""
        if time.monotonic() > self.deadline:
            raise Limit(f"rendering took longer than {RENDER_SECONDS:g} s")


_local = threading.local()


class _Budgeted:
    # A class, not @contextmanager: a tick enters one per render, 20,000 times.
    __slots__ = ("budget", "previous")

    def __enter__(self) -> Budget:
        self.previous = getattr(_local, "budget", None)
        self.budget = _local.budget = Budget()
        return self.budget

    def __exit__(self, *exc_info: object) -> None:
        _local.budget = self.previous


def budgeted() -> _Budgeted:
    """`with budgeted() as budget:` a fresh budget for one render, on this thread."""
    return _Budgeted()


def _current() -> Budget | None:
    # None while compiling: constant folding may run filters, with no render to charge.
    budget = getattr(_local, "budget", None)
    if budget is not None:
        budget.check_time()
    return budget


def _spend_step() -> None:
    budget = _current()
    if budget is not None:
        budget.steps -= 1
        if budget.steps < 0:
            raise Limit(f"loops, calls and filters go past {STEP_BUDGET:,} steps")


def _spend_built(size: int) -> None:
    budget = _current()
    if budget is not None:
        budget.built += size
        if budget.built > BUILD_BUDGET:
            raise Limit(f"the values built go past {BUILD_BUDGET:,} characters or items")


def _spend_output(characters: int) -> None:
    budget = _current()
    if budget is not None:
        budget.written += characters
        if budget.written > OUTPUT_LIMIT:
            raise Limit(f"the email would be longer than {OUTPUT_LIMIT:,} characters")


def _budgeted_range(*args: int) -> range:
    numbers = range(*args)
    budget = _current()
    if budget is not None:
        budget.numbers -= len(numbers)
        if budget.numbers < 0:
            raise Limit(f"loops over range() go past {RANGE_BUDGET:,} steps")
    return numbers


def _counted(iterable: Iterable[Any]) -> Iterator[Any]:
    for item in iterable:
        _spend_step()
        yield item


# --- sizes, measured before an operation builds its result ------------------------------


def _fits(size: int, limit: int = VALUE_LIMIT) -> int:
    if size > limit:
        raise Limit(f"the result would be longer than {limit:,} characters or items")
    return size


def _width(value: Any) -> int:
    width = len(value) if isinstance(value, str) else value
    if isinstance(width, int) and width > WIDTH_LIMIT:
        raise Limit(f"widths and counts may be at most {WIDTH_LIMIT}")
    return width if isinstance(width, int) else 0


def _checked(value: Any) -> Any:
    """The value just built, if it is within the limits; its size is charged to the render."""
    if isinstance(value, int) and value.bit_length() > _NUMBER_BITS:
        raise Limit(f"the number would have more than {NUMBER_DIGITS:,} digits")
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        _spend_built(_fits(len(value)))
    return value


def _repeated_size(left: Any, right: Any) -> int:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and isinstance(times, int):
            return len(seq) * times
    return 0


def _joined_size(items: list[Any], separator: Any) -> int:
    return sum(len(str(item)) for item in items) + max(len(items) - 1, 0) * len(str(separator))


def _replaced_size(text: str, old: Any, new: Any) -> int:
    old, new = str(old), str(new)
    occurrences = text.count(old) if old else len(text) + 1
    return len(text) + occurrences * max(len(new) - len(old), 0)


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\d*)(?:\.(\d*))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")
_DYNAMIC_WIDTH = re.compile(r"%[-#0 +]*\*|\{[^{}]*\{")


def _formatted_size(template: str, values: Iterable[Any]) -> int:
    """An upper bound for `template % values` and `template.format(*values)`."""
    values = list(values)
    widths = [n for match in _PERCENT_SPEC.findall(template) for n in match if n]
    widths += [n for spec in _BRACE_SPEC.findall(template) for n in re.findall(r"\d+", spec)]
    size = len(template) + sum(int(n) for n in widths) + sum(len(str(v)) for v in values)
    if _DYNAMIC_WIDTH.search(template):  # `%*s`, `{:{}}`: the width is one of the values
        size += sum(abs(v) for v in values if isinstance(v, int))
    return size


def _format_values(args: Any) -> Iterable[Any]:
    if isinstance(args, Mapping):
        return args.values()
    return args if isinstance(args, tuple) else (args,)


def _numbers_only(start: Any) -> int:
    if not isinstance(start, int | float):
        raise Limit("sum() adds numbers only")
    return 0


def _indented_size(text: str, width: Any) -> int:
    return len(text) + (text.count("\n") + 1) * _width(width)


def _wrapped_size(text: str, width: Any, wrapstring: str) -> int:
    # A line ends early only before a word too long for it, which then fills the next one.
    lines = 2 * len(text) // max(width, 1) + text.count("\n") + 1
    return len(text) + lines * len(wrapstring)


def _urlized_size(text: str, target: Any, rel: Any) -> int:
    links = [word for word in text.split() if "." in word or "@" in word]
    tag = len('<a href="https://" rel="" target=""></a>') + len(f"{target or ''}{rel or ''}")
    return len(text) + sum(len(word) + tag for word in links)


# filter name → the result's size from its bound arguments (raising for a bad width).
_FILTER_SIZES: dict[str, Callable[[dict[str, Any]], int]] = {
    "center": lambda a: max(len(str(a["value"])), _width(a["width"])),
    "indent": lambda a: _indented_size(str(a["s"]), a["width"]),
    "wordwrap": lambda a: _wrapped_size(str(a["s"]), a["width"], a["wrapstring"] or "\n"),
    "join": lambda a: _joined_size(a["value"], a["d"]),
    "replace": lambda a: _replaced_size(str(a["s"]), a["old"], a["new"]),
    "format": lambda a: _formatted_size(str(a["value"]), [*a["args"], *a["kwargs"].values()]),
    "urlize": lambda a: _urlized_size(str(a["value"]), a["target"], a["rel"]),
    "sum": lambda a: _numbers_only(a["start"]),
    "batch": lambda a: _width(a["linecount"]),
    "slice": lambda a: _width(a["slices"]),
    "tojson": lambda a: _width(a["indent"] or 0),
}


def _guarded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, charged one step, sized before it runs and checked after."""
    if getattr(func, "jinja_async_variant", False):  # never async here: the sync filter
        func = func.__wrapped__
    size = _FILTER_SIZES.get(name)
    signature = inspect.signature(func)

    @wraps(func)  # keeps jinja_pass_arg, so Jinja still passes the context first
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _spend_step()
        if size is not None:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            for key in ("value", "iterable"):  # a generator is measured, then passed on
                if isinstance(bound.arguments.get(key), Iterator):
                    bound.arguments[key] = list(bound.arguments[key])
            _fits(size(bound.arguments))
            args, kwargs = bound.args, bound.kwargs
        return _checked(func(*args, **kwargs))

    return guarded


def _sized_method_args(method: Any, args: tuple[Any, ...],
                       kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """Size a call of a str method that can amplify; the arguments to call it with."""
    method = getattr(method, "__wrapped__", method)  # the sandbox wraps str.format
    text = getattr(method, "__self__", None)
    if not isinstance(text, str):
        return args
    name = method.__name__
    if name in ("center", "ljust", "rjust", "zfill") and args:
        _width(args[0])
    elif name == "replace" and len(args) >= 2:
        _fits(_replaced_size(text, args[0], args[1]))
    elif name == "join" and args:
        items = list(args[0])
        _fits(_joined_size(items, text))
        args = (items,)
    elif name == "format":
        _fits(_formatted_size(text, [*args, *kwargs.values()]))
    elif name == "format_map" and args:
        _fits(_formatted_size(text, _format_values(args[0])))
    return args


# --- the sandbox -------------------------------------------------------------------------


_DICT_ATTRIBUTES = frozenset(dir(dict))


class Sandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters = {name: _guarded_filter(name, func) for name, func in self.filters.items()}
        self.filters.update(_loop=_loop, _emit=_emit, _emit_text=_emit_text, _concat=_concat)
        self.globals["range"] = _budgeted_range
        del self.globals["lipsum"]  # placeholder text has no place in a real email

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `partner.name` on the plain dicts templates see: the key, as Jinja would find it
        # after getattr() failed, without raising and catching an AttributeError each time.
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        allowed = _allowed_methods(obj)
        if allowed is not None and callable(value) and attr not in allowed:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            _fits(_repeated_size(left, right), SIZE_LIMIT)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and (
                right > 0 and left.bit_length() * right > _NUMBER_BITS):
            raise Limit(f"the number would have more than {NUMBER_DIGITS:,} digits")
        elif operator == "+" and isinstance(left, str | list | tuple) and (
                isinstance(right, str | list | tuple)):
            _fits(len(left) + len(right))
        elif operator == "%" and isinstance(left, str):
            _fits(_formatted_size(left, _format_values(right)))
        return _checked(super().call_binop(context, operator, left, right))

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _spend_step()
        if isinstance(obj, LoopContext) and args:  # loop(children) in a recursive loop
            args = (_counted(args[0]), *args[1:])
        args = _sized_method_args(obj, args, kwargs)
        return _checked(super().call(context, obj, *args, **kwargs))


def _allowed_methods(obj: Any) -> frozenset[str] | None:
    if isinstance(obj, str):
        return STR_METHODS
    if isinstance(obj, Mapping):
        return MAPPING_METHODS
    if isinstance(obj, list | tuple):
        return SEQUENCE_METHODS
    if isinstance(obj, int | float):
        return NUMBER_METHODS
    return None


# Internal filters the hardened template calls; pass_context keeps Jinja from folding them
# into constants at compile time, so they run (and are charged) on every render.
@pass_context
def _loop(context: Any, iterable: Iterable[Any]) -> Iterator[Any]:
    return _counted(iterable)


@pass_context
def _emit(context: Any, value: Any) -> Any:
    _spend_output(len(value if isinstance(value, str) else str(value)))
    return value


@pass_context
def _emit_text(context: Any, text: str) -> str:
    _spend_output(len(text))
    return Markup(text) if context.eval_ctx.autoescape else text


@pass_eval_context
def _concat(eval_ctx: Any, parts: list[Any]) -> str:
    _fits(sum(len(str(part)) for part in parts))
    return _checked(markup_join(parts) if eval_ctx.autoescape else str_join(parts))


# Nodes whose output is captured into a string (a macro, a call or filter block, a `{% set %}`
# block, a block that `self.name()` renders, a recursive loop) instead of going straight to
# the render: only that output needs counting in the template, the rest is counted as the
# render yields it (outreach.email_templates), which costs nothing per piece of text.
_CAPTURING = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock, nodes.Block)


class Hardener(NodeTransformer):
    """Routes every loop, every `~` and every captured output through the render budget."""

    def __init__(self) -> None:
        self.captured = 0

    def visit(self, node: nodes.Node, *args: Any, **kwargs: Any) -> Any:
        captures = isinstance(node, _CAPTURING) or (
            isinstance(node, nodes.For) and node.recursive)
        self.captured += captures
        try:
            return super().visit(node, *args, **kwargs)
        finally:
            self.captured -= captures

    def visit_For(self, node: nodes.For) -> nodes.For:
        node = self.generic_visit(node)
        node.iter = _filter(node.iter, "_loop")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Filter:
        node = self.generic_visit(node)
        return _filter(nodes.List(node.nodes, lineno=node.lineno), "_concat")

    def visit_Output(self, node: nodes.Output) -> nodes.Output:
        node = self.generic_visit(node)
        if not self.captured:  # yielded by the render itself, which counts it
            return node
        node.nodes = [
            _filter(nodes.Const(child.data, lineno=child.lineno), "_emit_text")
            if isinstance(child, nodes.TemplateData) else _filter(child, "_emit")
            for child in node.nodes
        ]
        return node


def _filter(node: nodes.Expr, name: str) -> nodes.Filter:
    return nodes.Filter(node, name, [], [], None, None, lineno=node.lineno)


