"""Doctest collection: skip the integration modules whose library is not installed.

``pytest --doctest-modules`` imports every module of ``bbopt``; an integration
module imports its optional library (at its top, or in its examples), so it
is left out where that library is missing. Its tests in tests/integration skip
the same way.
"""

import importlib.util

_NEEDS = {"_sklearn": "sklearn", "_xgboost": "xgboost", "_lightgbm": "lightgbm",
          "_torch": "torch"}

collect_ignore = [f"bbopt/integration/{module}.py" for module, library in _NEEDS.items()
                  if importlib.util.find_spec(library) is None]
