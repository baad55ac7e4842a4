"""Open toolkit for scoring and tracking ankylosing spondylitis on imaging.

The core package: loaders, scoring models, the score store and comparison. It never imports
Qt or napari, so everything here runs in scripts and on servers without a screen.
"""

from __future__ import annotations

__version__ = "0.1.0"
