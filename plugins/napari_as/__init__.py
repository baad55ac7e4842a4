"""napari plugin for scoring ankylosing spondylitis imaging: a thin layer over :mod:`imaging`."""

__version__ = "0.1.0"
