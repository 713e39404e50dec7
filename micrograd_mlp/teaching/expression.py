"""Typed expressions to `Value` graphs: ``parse_expression("tanh(x*w + b)", x=2, w=-1, b=0.5)``.

A small recursive-descent parser of our own, so a student can type a formula
and get the graph the engine builds for it. It never calls ``eval`` or
``exec``: the text is read character by character and only the grammar below
can come out of it; anything else is an `ExpressionError` that points at the
position, with a caret under it::

    expression := term (("+" | "-") term)*
    term       := unary (("*" | "/") unary)*
    unary      := "-" unary | power
    power      := atom ("**" unary)?          # right-associative: 2**3**2 = 2**9
    atom       := number | name | function "(" expression ")" | "(" expression ")"
    function   := relu | tanh | sigmoid | exp | log

As in Python, ``-x**2`` is ``-(x**2)``. Every name becomes ONE labelled leaf,
shared where the name repeats, so ``a*a`` has two edges into ``a`` and its
gradient adds up over both paths. Numbers become constant leaves (``-3`` is
one constant, not a ``neg`` node). Limits keep the picture readable and the
work small: `MAX_LENGTH` characters, `MAX_NODES` values, `MAX_DEPTH` levels
of nesting, names of at most `MAX_NAME_LENGTH` characters, constant exponents
of at most `MAX_EXPONENT` in size.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Tuple

from ..engine import Value

__all__ = [
    "parse_expression",
    "expression_names",
    "ExpressionError",
    "FUNCTIONS",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_DEPTH",
    "MAX_NAME_LENGTH",
    "MAX_EXPONENT",
]

MAX_LENGTH = 400  # characters of text
MAX_NODES = 60  # Values built (leaves, constants and ops): more is no longer a readable picture,
# and Graphviz's layout time grows fast with a node used many times (a*a*...*a)
MAX_DEPTH = 20  # nested parentheses, calls and unary minus; also bounds our recursion
MAX_NAME_LENGTH = 12
MAX_EXPONENT = 10  # |n| in x ** n for a constant n; x ** 99999 overflows or teaches nothing

FUNCTIONS: Dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "exp": Value.exp,
    "log": Value.log,
}

# Python words someone might try; named in the error rather than "unknown name".
_KEYWORDS = frozenset(
    "lambda for in if else import from def class return yield not and or is "
    "while with as try except raise del global nonlocal pass assert await async".split()
)
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_NAME_LIKE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_SINGLE = {"+", "-", "*", "/", "(", ")"}
_FUNCTION_LIST = ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """A typed expression that cannot be (or was not) turned into a graph.

    ``position`` is the 0-based index in ``text`` where the problem is (None
    when it is not about one place), ``reason`` the message without the caret
    line; ``str(error)`` shows the text with a caret under the position.

    >>> try:
    ...     parse_expression("a * (b + ", a=1, b=2)
    ... except ExpressionError as error:
    ...     print(error)
    expected a number, a name, a function or '(' at position 9, but the expression ends
      a * (b +
               ^
    """

    def __init__(self, reason: str, text: str = "", position: Optional[int] = None) -> None:
        self.reason = reason
        self.text = text
        self.position = position
        super().__init__(self._message())

    def caret(self) -> str:
        """The text and a ``^`` under the position (two lines), or "" without one."""
        if self.position is None or not self.text:
            return ""
        shown = self.text.replace("\n", " ").replace("\t", " ").rstrip()
        return f"  {shown}\n  {' ' * self.position}^"

    def _message(self) -> str:
        caret = self.caret()
        return f"{self.reason}\n{caret}" if caret else self.reason


@dataclass(frozen=True)
class _Token:
    kind: str  # "number", "name", "op" or "end"
    text: str
    position: int


def _tokens(text: str) -> List[_Token]:
    """Split `text` into numbers, names and operators; refuse every other character."""
    tokens: List[_Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char in " \t\r\n":
            i += 1
            continue
        if text.startswith("**", i):
            tokens.append(_Token("op", "**", i))
            i += 2
            continue
        number = _NUMBER.match(text, i)
        if number:
            end = number.end()
            if end < len(text) and (text[end].isalpha() or text[end] == "_"):
                raise ExpressionError(
                    f"a number followed by a name at position {end}: write the multiplication "
                    f"out, e.g. 2*x, not 2x", text, end)  # fmt: skip
            if end < len(text) and text[end] == ".":
                raise ExpressionError(
                    f"unexpected '.' at position {end}: attribute access is not allowed "
                    "(only numbers, names, + - * / **, parentheses and functions)", text, end)  # fmt: skip
            tokens.append(_Token("number", number.group(), i))
            i = end
            continue
        name = _NAME_LIKE.match(text, i)
        if name:
            _check_name(name.group(), text, i)
            tokens.append(_Token("name", name.group(), i))
            i = name.end()
            continue
        if char in _SINGLE:
            tokens.append(_Token("op", char, i))
            i += 1
            continue
        raise ExpressionError(_bad_character(char, i), text, i)
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _check_name(name: str, text: str, position: int) -> None:
    if name.startswith("_"):
        raise ExpressionError(
            f"the name {name!r} at position {position} starts with '_'; names start with a "
            "letter, then letters, digits or '_' (e.g. x1, w_2)", text, position)  # fmt: skip
    if name in _KEYWORDS:
        raise ExpressionError(
            f"{name!r} at position {position} is Python syntax, which is not allowed here; "
            f"use numbers, names, + - * / **, parentheses and {_FUNCTION_LIST}", text, position)  # fmt: skip
    if len(name) > MAX_NAME_LENGTH:
        raise ExpressionError(
            f"the name {name[:MAX_NAME_LENGTH]}... at position {position} has {len(name)} characters, "
            f"more than {MAX_NAME_LENGTH}; use a shorter name", text, position)  # fmt: skip


def _bad_character(char: str, position: int) -> str:
    where = f"at position {position}"
    if char in "'\"":
        return f"quotes are not allowed ({char} {where}): there are no strings in an expression"
    if char == ".":
        return (f"unexpected '.' {where}: attribute access is not allowed "
                "(a number is written 0.5 or .5)")  # fmt: skip
    if char == "^":
        return f"'^' {where} is not a power here: write x ** 2"
    if char == ",":
        return f"',' {where}: each function takes one argument, e.g. tanh(x), and there are no lists"
    if char in "[]{}":
        return f"{char!r} {where}: there are no lists, sets or dicts here; group with ( )"
    if char == "%":
        return f"'%' {where} is not an operation here; the operations are + - * / **"
    if char.isprintable() and not char.isspace():
        return (f"unexpected character {char!r} {where}; an expression has numbers, names, "
                f"+ - * / **, parentheses and the functions {_FUNCTION_LIST}")  # fmt: skip
    return f"unexpected character {char!r} {where} (a control or space character)"


class _Parser:
    """One pass over the tokens, building `Value`s as it goes (so errors come in order)."""

    def __init__(self, text: str, values: Dict[str, float]) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.values = values
        self.leaves: Dict[str, Value] = {}
        self.nodes = 0
        self.depth = 0

    # ------------------------------------------------------------ helpers
    def peek(self) -> _Token:
        return self.tokens[self.index]

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, reason: str, position: int) -> ExpressionError:
        return ExpressionError(reason, self.text, position)

    def count(self, position: int) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(
                f"the expression is too large: more than {MAX_NODES} nodes (values and operations) "
                f"by position {position}; a smaller one draws a readable graph", position)  # fmt: skip

    def enter(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(
                f"nested too deeply at position {position}: more than {MAX_DEPTH} levels of "
                "parentheses, calls or minus signs", position)  # fmt: skip

    def leave(self) -> None:
        self.depth -= 1

    def apply(self, make: Callable[[], Value], what: str, position: int) -> Value:
        """Run one engine op; its errors become messages at `position` (no traceback)."""
        self.count(position)
        try:
            result = make()
        except ZeroDivisionError as error:
            raise self.fail(
                f"{what} at position {position} divides by zero at these values; "
                "change the values (or the expression) so the denominator is not 0", position) from error  # fmt: skip
        except OverflowError as error:
            raise self.fail(
                f"{what} at position {position} overflows a float (above about 1.8e308) at these "
                "values; use smaller values", position) from error  # fmt: skip
        except ValueError as error:
            raise self.fail(f"{what} at position {position} is undefined at these values: "
                            f"{_short_reason(error)}", position) from error  # fmt: skip
        if not math.isfinite(result.data):
            raise self.fail(
                f"{what} at position {position} gives {result.data} at these values (it overflowed); "
                "use smaller values", position)  # fmt: skip
        return result

    # ------------------------------------------------------------ grammar
    def parse(self) -> Value:
        if self.peek().kind == "end":
            raise self.fail("the expression is empty; type one, e.g. tanh(x*w + b)", 0)
        root = self.expression()
        token = self.peek()
        if token.kind != "end":
            raise self.fail(_unexpected(token, "an operator (+ - * / **) or the end"), token.position)
        return root

    def expression(self) -> Value:
        left = self.term()
        while self.peek().text in ("+", "-") and self.peek().kind == "op":
            op = self.take()
            right = self.term()
            if op.text == "+":
                left = self.apply(lambda a=left, b=right: a + b, "'+'", op.position)
            else:
                left = self.apply(lambda a=left, b=right: a - b, "'-'", op.position)
        return left

    def term(self) -> Value:
        left = self.unary()
        while self.peek().text in ("*", "/") and self.peek().kind == "op":
            op = self.take()
            right = self.unary()
            if op.text == "*":
                left = self.apply(lambda a=left, b=right: a * b, "'*'", op.position)
            else:
                left = self.apply(lambda a=left, b=right: a / b, "'/'", op.position)
        return left

    def unary(self) -> Value:
        token = self.peek()
        if token.kind == "op" and token.text == "-":
            self.take()
            self.enter(token.position)
            following = self.peek()
            if following.kind == "number" and not self._followed_by_power():
                # -3 is one constant, not neg(3): a smaller, clearer graph
                self.take()
                value = self.constant(following, negate=True)
            else:
                operand = self.unary()
                value = self.apply(lambda a=operand: -a, "'-'", token.position)
            self.leave()
            return value
        if token.kind == "op" and token.text == "+":
            raise self.fail(f"unary '+' at position {token.position} is not needed; remove it", token.position)
        return self.power()

    def _followed_by_power(self) -> bool:
        after = self.tokens[self.index + 1]
        return after.kind == "op" and after.text == "**"  # -2**2 is -(2**2), as in Python

    def power(self) -> Value:
        base = self.atom()
        token = self.peek()
        if token.kind == "op" and token.text == "**":
            self.take()
            self.enter(token.position)
            exponent_at = self.peek().position
            constant = self._constant_exponent()
            if constant is not None:
                n = constant
                if abs(n) > MAX_EXPONENT:
                    raise self.fail(
                        f"the exponent {n:g} at position {exponent_at} is too large; exponents of "
                        f"at most {MAX_EXPONENT} in size are allowed", exponent_at)  # fmt: skip
                result = self.apply(lambda a=base: a**n, "'**'", token.position)
            else:
                exponent = self.unary()
                if abs(exponent.data) > MAX_EXPONENT:  # e.g. x ** 2 ** 2 ** 2 ** 2
                    raise self.fail(
                        f"the exponent at position {exponent_at} is {exponent.data:g} at these values, "
                        f"too large; exponents of at most {MAX_EXPONENT} in size are allowed", exponent_at)  # fmt: skip
                result = self.apply(lambda a=base, b=exponent: a**b, "'**'", token.position)
            self.leave()
            return result
        return base

    def _constant_exponent(self) -> Optional[float]:
        """A number (or minus a number) right after ** is a plain exponent, not a node."""
        start = self.index
        sign = 1.0
        token = self.peek()
        if token.kind == "op" and token.text == "-":
            sign = -1.0
            self.take()
            token = self.peek()
        after = self.tokens[self.index + 1] if token.kind == "number" else None
        if token.kind == "number" and not (after.kind == "op" and after.text == "**"):
            self.take()
            return sign * self._number(token)
        self.index = start
        return None

    def _number(self, token: _Token) -> float:
        if len(token.text) > 24:
            raise self.fail(f"the number at position {token.position} has more than 24 characters", token.position)
        number = float(token.text)
        if not math.isfinite(number):
            raise self.fail(f"the number {token.text} at position {token.position} is too large for a float",
                            token.position)  # fmt: skip
        return number

    def constant(self, token: _Token, negate: bool = False) -> Value:
        self.count(token.position)
        number = self._number(token)
        return Value(-number if negate else number)

    def atom(self) -> Value:
        token = self.take()
        if token.kind == "number":
            return self.constant(token)
        if token.kind == "name":
            return self.name_or_call(token)
        if token.kind == "op" and token.text == "(":
            self.enter(token.position)
            if self.peek().kind == "op" and self.peek().text == ")":
                raise self.fail(f"empty parentheses at position {token.position}; put an expression inside",
                                token.position)  # fmt: skip
            inner = self.expression()
            self.expect_close(token)
            self.leave()
            return inner
        raise self.fail(_unexpected(token, "a number, a name, a function or '('"), token.position)

    def expect_close(self, opening: _Token) -> None:
        token = self.take()
        if not (token.kind == "op" and token.text == ")"):
            raise self.fail(
                _unexpected(token, f"')' to close the '(' at position {opening.position}"), token.position
            )

    def name_or_call(self, token: _Token) -> Value:
        name = token.text
        following = self.peek()
        if following.kind == "op" and following.text == "(":
            function = FUNCTIONS.get(name)
            if function is None:
                raise self.fail(f"unknown function {name!r} at position {token.position}; "
                                f"the functions are {_FUNCTION_LIST}", token.position)  # fmt: skip
            opening = self.take()
            self.enter(opening.position)
            if self.peek().kind == "op" and self.peek().text == ")":
                raise self.fail(f"{name}() at position {token.position} needs an argument, e.g. {name}(x)",
                                token.position)  # fmt: skip
            argument = self.expression()
            self.expect_close(opening)
            self.leave()
            return self.apply(lambda a=argument: function(a), f"{name}()", token.position)
        if name in FUNCTIONS:
            raise self.fail(f"{name!r} at position {token.position} is a function: write {name}(...)",
                            token.position)  # fmt: skip
        if not _NAME.fullmatch(name):  # (a name from the tokenizer always is; kept as a guard)
            raise self.fail(f"bad name {name!r} at position {token.position}", token.position)
        leaf = self.leaves.get(name)
        if leaf is None:
            if name not in self.values:
                given = ", ".join(sorted(self.values)) or "none"
                raise self.fail(f"no value for the name {name!r} at position {token.position}; "
                                f"pass {name}=... (values given: {given})", token.position)  # fmt: skip
            self.count(token.position)
            leaf = self.leaves[name] = Value(_value_of(name, self.values[name], self, token.position), label=name)
        return leaf


def _value_of(name: str, value: object, parser: _Parser, position: int) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # type: ignore[arg-type]  # NumPy scalars, Values
        except (TypeError, ValueError):
            raise parser.fail(f"the value of {name} must be a number, got {type(value).__name__}", position) from None
    number = float(value)
    if not math.isfinite(number):
        raise parser.fail(f"the value of {name} is {number}; give a finite number", position)
    return number


def _unexpected(token: _Token, wanted: str) -> str:
    if token.kind == "end":
        return f"expected {wanted} at position {token.position}, but the expression ends"
    return f"expected {wanted} at position {token.position}, found {token.text!r}"


def _short_reason(error: Exception) -> str:
    """The engine's explanation without its Value(...) reprs: the part after the last colon-free lead."""
    text = str(error)
    if "log" in text and "non-positive" in text:
        return "log needs a number > 0"
    if "negative base" in text:
        return "a negative number to a fractional power has no real value"
    if "base must be > 0" in text:
        return "with a name or expression as exponent, the base must be > 0 (d(a^b)/db needs ln(a))"
    return text.split(". ")[0]


def _check_text(text: object) -> str:
    if not isinstance(text, str):
        raise TypeError(f"parse_expression needs the expression as a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            f"the expression has {len(text)} characters, more than {MAX_LENGTH}; type a shorter one",
            text[:MAX_LENGTH], MAX_LENGTH - 1)  # fmt: skip
    return text


def expression_names(text: str) -> List[str]:
    """The names in `text`, in order of first appearance (functions excluded).

    Checks the characters and the names, not the grammar (`parse_expression`
    does); used to make a box per name before any value is known.

    >>> expression_names("tanh(x1*w1 + x2*w2 + b) + x1")
    ['x1', 'w1', 'x2', 'w2', 'b']
    """
    tokens = _tokens(_check_text(text))
    names: List[str] = []
    for token, following in zip(tokens, tokens[1:]):
        is_call = following.kind == "op" and following.text == "("
        if token.kind == "name" and not is_call and token.text not in FUNCTIONS and token.text not in names:
            names.append(token.text)
    return names


def parse_expression(text: str, **values: float) -> Value:
    """Build the `Value` graph of a typed expression; each name is a labelled leaf.

    Numbers, names, ``+ - * / **``, unary minus, parentheses and the
    functions relu, tanh, sigmoid, exp, log. A name used twice is the same
    leaf, so its gradient sums both paths. Anything else (attribute access,
    strings, other calls, Python syntax) and values where an op is undefined
    (division by zero, log of a number <= 0) raise `ExpressionError` with
    the position. Nothing is ever evaluated as Python.

    >>> out = parse_expression("a*a + b", a=3, b=1)
    >>> out.backward()
    >>> out.data, [(leaf.label, leaf.grad) for leaf in out.parents]
    (10.0, [('', 1.0), ('b', 1.0)])
    >>> out.parents[0].parents[0].grad                 # d(a*a + b)/da = 2a
    6.0
    """
    text = _check_text(text)
    return _Parser(text, values).parse()


def leaves_by_name(root: Value) -> Dict[str, Value]:
    """The labelled leaves of a graph by label (the names of a parsed expression).

    >>> sorted(leaves_by_name(parse_expression("x*y + x", x=1, y=2)))
    ['x', 'y']
    """
    from ..engine import topological_order

    return {node.label: node for node in topological_order(root) if not node.parents and node.label}


def positions(text: str) -> List[Tuple[str, int]]:
    """(token, position) pairs of `text`: what the parser reads, for error displays.

    >>> positions("a*b")
    [('a', 0), ('*', 1), ('b', 2)]
    """
    return [(token.text, token.position) for token in _tokens(_check_text(text)) if token.kind != "end"]
