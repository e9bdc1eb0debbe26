"""A rule for rebuilding units by hand: the weight from a unit of the previous layer into a rebuilt unit, written as an
arithmetic expression over their preferred orientations (a student writes it; simpleeval evaluates it, nothing else).

    cos(theta - phi)             the Circuits articles' curve rule (the default): strongest from units facing the
                                 same way, inhibitory from units facing the other way
    max(cos(d), 0) ** 2          only excitation, narrower

Names: `theta` (θ, the rebuilt unit's preferred orientation), `phi` (φ, the previous layer's unit's), `d` (θ − φ
wrapped to −180…180), all in degrees. Functions: `cos` and `sin` of degrees, `abs`, `exp`, `sqrt`, `min`, `max`.
The expression gives the weight's shape; a scale a and an offset are fitted per unit (precompute.edits.fit_rule).
`Rule.parse` checks the text (length, syntax, names) without evaluating it at the units' orientations; `Rule.weight`
raises RuleError where it divides by zero, overflows or gives a number that is not finite. Torch-free, so the web
service checks a rule before any worker sees it.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass

from simpleeval import InvalidExpression, SimpleEval

DEFAULT = "cos(theta - phi)"
MAX_LENGTH = 200  # characters: a rule is a formula, not a program
NAMES = {"theta": "θ, the rebuilt unit's preferred orientation", "phi": "φ, the input unit's", "d": "θ − φ in −180…180"}
_FUNCTIONS = {
    "cos": lambda degrees: math.cos(math.radians(degrees)),
    "sin": lambda degrees: math.sin(math.radians(degrees)),
    "abs": abs,
    "exp": math.exp,
    "sqrt": math.sqrt,
    "min": min,
    "max": max,
}
_ALLOWED = (  # arithmetic, comparisons and `a if c else b`: nothing that reaches an object's insides
    ast.Expression, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.BoolOp, ast.Call, ast.Name, ast.Constant,
    ast.Load, ast.operator, ast.unaryop, ast.cmpop, ast.boolop,
)  # fmt: skip
HELP = (
    f"a rule is an expression of at most {MAX_LENGTH} characters over theta, phi and d (degrees), with numbers, "
    "+ - * / ** and the functions cos, sin (of degrees), abs, exp, sqrt, min, max; e.g. " + repr(DEFAULT)
)


class RuleError(ValueError):
    """A rule that cannot be read or evaluated, with a message saying why."""


def wrapped(theta: float, phi: float) -> float:
    """θ − φ in degrees, wrapped to (−180, 180]."""
    d = (theta - phi) % 360.0
    return d - 360.0 if d > 180.0 else d


@dataclass(frozen=True)
class Rule:
    """A checked rule; `text` is its canonical spelling (spacing normalized), which keys its results."""

    text: str

    @classmethod
    def parse(cls, text: str) -> Rule:
        """The rule `text` writes; RuleError saying what a rule may hold otherwise."""
        text = text.strip()
        if not text:
            raise RuleError(f"the rule is empty; {HELP}")
        if len(text) > MAX_LENGTH:
            raise RuleError(f"the rule is {len(text)} characters long; {HELP}")
        try:
            tree = ast.parse(text, mode="eval")
        except (SyntaxError, ValueError) as error:
            raise RuleError(
                f"the rule {text!r} is not an expression ({error.msg if hasattr(error, 'msg') else error}); {HELP}"
            ) from None
        for node in ast.walk(tree):
            if not isinstance(node, _ALLOWED):
                raise RuleError(f"the rule {text!r} uses {type(node).__name__}, which a rule may not; {HELP}")
            if isinstance(node, ast.Name) and node.id not in NAMES and node.id not in _FUNCTIONS:
                raise RuleError(f"the rule names {node.id!r}, which is not one of theta, phi, d; {HELP}")
            if isinstance(node, ast.Call) and not (isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS):
                raise RuleError(f"the rule calls something other than {', '.join(_FUNCTIONS)}; {HELP}")
            if isinstance(node, ast.Constant) and not isinstance(node.value, int | float):
                raise RuleError(f"the rule holds {node.value!r}, which is not a number; {HELP}")
        return cls(ast.unparse(tree))

    @property
    def is_default(self) -> bool:
        """Whether this is the curve rule the standard rebuilds use."""
        return self == CURVE_RULE

    def weight(self, theta: float, phi: float) -> float:
        """The rule's weight from a unit preferring φ into one preferring θ; RuleError where it has none."""
        names = {"theta": theta, "phi": phi, "d": wrapped(theta, phi)}
        try:
            value = SimpleEval(functions=_FUNCTIONS, names=names).eval(self.text)
        except ZeroDivisionError:
            raise RuleError(f"the rule {self.text!r} divides by zero at theta={theta:g}, phi={phi:g}") from None
        except (ArithmeticError, ValueError, TypeError, InvalidExpression) as error:
            raise RuleError(f"the rule {self.text!r} fails at theta={theta:g}, phi={phi:g}: {error}") from None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise RuleError(
                f"the rule {self.text!r} gives {value!r} at theta={theta:g}, phi={phi:g}, not a finite number"
            )
        return float(value)


CURVE_RULE = Rule.parse(DEFAULT)  # the default, parsed once: what the standard rebuilds draw their weights from
