"""Teaching tools: the derivation checker for students' formulas.

* :mod:`mlp_lib.teaching.parser` reads a formula typed as plain text into SymPy
  (known names, numbers and operators only; nothing is ever evaluated as Python);
* :mod:`mlp_lib.teaching.checker` decides whether it equals the expected formula;
* :mod:`mlp_lib.teaching.catalogue` holds the book's exercises, :func:`check` and
  :func:`check_steps` (a derivation checked line by line).

This subpackage needs SymPy; the core :mod:`mlp_lib` does not import it.
"""

from .catalogue import EXERCISES, Exercise, StepsResult, check, check_steps, exercises_for, get_exercise
from .checker import CheckResult, check_expression

__all__ = [
    "EXERCISES",
    "CheckResult",
    "Exercise",
    "StepsResult",
    "check",
    "check_expression",
    "check_steps",
    "exercises_for",
    "get_exercise",
]
