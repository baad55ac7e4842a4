"""Open toolkit for scoring and tracking ankylosing spondylitis on imaging.

The core package: loaders, scoring models, the score store and comparison. It never imports
Qt or napari, so everything here runs in scripts and on servers without a screen.

The curated API below is imported lazily (PEP 562) so that ``import imaging`` stays cheap:

>>> import imaging
>>> result = imaging.scan("study_folder")            # doctest: +SKIP
>>> volume = imaging.load_series(result.series[0])   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> defining module
_EXPORTS = {
    "scan": "imaging.index",
    "ScanResult": "imaging.index",
    "load_series": "imaging.volume",
    "Volume": "imaging.volume",
    "SeriesSelectionError": "imaging.volume",
    "load_radiograph": "imaging.radiograph",
    "Radiograph": "imaging.radiograph",
    "SeriesSummary": "imaging.series",
    "Region": "imaging.series",
    "Plane": "imaging.series",
    "Sequence": "imaging.series",
    "CalibrationKind": "imaging.series",
}

__all__ = [
    "CalibrationKind",
    "Plane",
    "Radiograph",
    "Region",
    "ScanResult",
    "Sequence",
    "SeriesSelectionError",
    "SeriesSummary",
    "Volume",
    "__version__",
    "load_radiograph",
    "load_series",
    "scan",
]

if TYPE_CHECKING:
    from imaging.index import ScanResult, scan
    from imaging.radiograph import Radiograph, load_radiograph
    from imaging.series import CalibrationKind, Plane, Region, Sequence, SeriesSummary
    from imaging.volume import SeriesSelectionError, Volume, load_series


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'imaging' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
