"""Readings as DICOM Structured Reports (Comprehensive 3D SR, TID 1500) and back.

>>> from imaging.sr import export_reading, import_reading
>>> sr = export_reading(reading, [volume])          # doctest: +SKIP
>>> sr.save_as("reading.dcm")                        # doctest: +SKIP
>>> import_reading("reading.dcm") == reading         # doctest: +SKIP
True

The SR is built with highdicom: one TID 1501 measurement group per scored unit, standard
codes (SNOMED CT, DCM, UCUM from DICOM PS3.16) where they exist and the documented private
scheme ``99ASIMG`` (:data:`imaging.sr.PRIVATE_CODES`) for the rest.
"""

from imaging.sr._codes import DESIGNATOR, PRIVATE_CODES
from imaging.sr._errors import SrError
from imaging.sr._export import SourceImages, export_reading, sr_uids, tracking_uid
from imaging.sr._import import import_reading, reading_from_json_item

__all__ = [
    "DESIGNATOR",
    "PRIVATE_CODES",
    "SourceImages",
    "SrError",
    "export_reading",
    "import_reading",
    "reading_from_json_item",
    "sr_uids",
    "tracking_uid",
]
