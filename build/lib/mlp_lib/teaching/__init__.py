"""Teaching tools: the derivation checker for students' formulas.

* :mod:`mlp_lib.teaching.parser` reads a formula typed as plain text into SymPy
  (known names, numbers and operators only; nothing is ever evaluated as Python);
* :mod:`mlp_lib.teaching.checker` decides whether it equals the expected formula;
* :mod:`mlp_lib.teaching.catalogue` holds the book's exercises and :func:`check`.

This subpackage needs SymPy; the core :mod:`mlp_lib` does not import it.
"""

from .catalogue import EXERCISES, Exercise, check, exercises_for, get_exercise
from .checker import CheckResult, check_expression

__all__ = ["EXERCISES", "CheckResult", "Exercise", "check", "check_expression", "exercises_for", "get_exercise"]
