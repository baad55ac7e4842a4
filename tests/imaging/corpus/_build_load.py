"""Builders of the load-side corpus: synthetic series with one defect each (in tmp_path).

Every builder starts from :mod:`imaging.synthetic.dicom` (valid DICOM with known geometry)
and changes one thing, as a scanner, a PACS export or a broken copy would.
"""

from __future__ import annotations

import copy
import datetime
import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import (
    HTJ2KLossless,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    RLELossless,
    generate_uid,
)

from imaging.synthetic.dicom import enhanced_mr, mr_series, radiograph, write_datasets

DATE = datetime.date(2023, 5, 17)
SHAPE = (5, 12, 10)
SPACING = (3.0, 0.8, 0.7)
ROW = (1.0, 0.0, 0.0)
COL = (0.0, 0.0, -1.0)
ORIGIN = (-40.0, -10.0, 50.0)


def volume(shape: tuple[int, int, int] = SHAPE, *, seed: int = 1, dtype=np.uint16) -> np.ndarray:
    """Known stored values (deterministic)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 250, size=shape).astype(dtype)


def series(
    *,
    shape: tuple[int, int, int] = SHAPE,
    seed: int = 1,
    patient_id: str = "CORPUS-1",
    number: int = 1,
    rescale: tuple[float, float] | None = None,
    series_uid: str | None = None,
    dtype=np.uint16,
    **kwargs,
) -> list[Dataset]:
    """A single-frame MR series with known geometry (``SPACING``, ``ROW``, ``COL``)."""
    return mr_series(
        volume(shape, seed=seed, dtype=dtype),
        spacing=kwargs.pop("spacing", SPACING),
        row_direction=kwargs.pop("row_direction", ROW),
        column_direction=kwargs.pop("column_direction", COL),
        origin=kwargs.pop("origin", ORIGIN),
        patient_id=patient_id,
        patient_name="Corpus^Case",
        study_date=DATE,
        series_number=number,
        series_description=f"corpus series {number}",
        rescale=rescale,
        series_uid=series_uid,
        **kwargs,
    )


def xray(**kwargs) -> Dataset:
    """A DX radiograph, 40 x 30, 0.15 mm, with a window."""
    image = np.tile(np.arange(30, dtype=np.uint16) * 100, (40, 1))
    args = dict(
        modality="DX",
        pixel_spacing=(0.15, 0.15),
        view_position="LL",
        body_part="LSPINE",
        patient_id="CORPUS-X",
        patient_name="Corpus^Xray",
        study_date=DATE,
        series_number=9,
        series_description="L-spine lateral",
        window=(1500.0, 3000.0),
    )
    args.update(kwargs)
    return radiograph(image, **args)


def write(datasets: list[Dataset], folder: Path, **kwargs) -> list[Path]:
    """Write datasets into ``folder`` (names ``001_0001.dcm``...)."""
    return write_datasets(datasets, folder, **kwargs)


def good_series(folder: Path) -> tuple[list[Path], np.ndarray]:
    """A valid series (seed 99, another patient) written beside a bad one."""
    datasets = series(seed=99, patient_id="CORPUS-GOOD", number=50)
    return write(datasets, folder), volume(seed=99)


# --- byte-level damage -----------------------------------------------------------------------


def truncate(path: Path, keep: int) -> Path:
    """Cut the file to ``keep`` bytes (negative: drop that many from the end)."""
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    return path


def pixel_data_offset(path: Path) -> int:
    """Offset just past the (7FE0,0010) tag of the pixel data element (test damage only)."""
    data = path.read_bytes()
    return data.rfind(b"\xe0\x7f\x10\x00") + 4


def corrupt_pixel_bytes(path: Path, *, start: int = 16, count: int = 64) -> Path:
    """Overwrite bytes inside the pixel data value with a pattern no codec accepts."""
    data = bytearray(path.read_bytes())
    offset = pixel_data_offset(path)
    # Encapsulated data: skip the item headers and offset table, then damage the codestream.
    for i in range(offset + start, min(offset + start + count, len(data) - 8)):
        data[i] = 0xFF if i % 2 else 0x00
    path.write_bytes(bytes(data))
    return path


def set_element_length(path: Path, keyword: str, length: int) -> Path:
    """Rewrite the 2- or 4-byte length field of an explicit VR element in place."""
    ds = pydicom.dcmread(path, defer_size=16)
    element = ds.get_item(keyword)
    tell = int(element.value_tell)
    data = bytearray(path.read_bytes())
    vr = bytes(data[tell - 4 : tell - 2])
    if vr.isalpha():  # short form: tag(4) VR(2) length(2)
        data[tell - 2 : tell] = int(length).to_bytes(2, "little")
    else:  # long form: tag(4) VR(2) reserved(2) length(4)
        data[tell - 4 : tell] = int(length).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    return path


def append_sparse(path: Path, extra: int) -> Path:
    """Extend the file by ``extra`` zero bytes without writing them (a sparse hole)."""
    with path.open("r+b") as fh:
        fh.seek(0, io.SEEK_END)
        fh.truncate(fh.tell() + extra)
    return path


def bare_implicit(ds: Dataset, path: Path) -> Path:
    """Write ``ds`` as implicit VR little endian without preamble and file meta."""
    out = copy.deepcopy(ds)
    out.file_meta = pydicom.dataset.FileMetaDataset()
    out.file_meta.TransferSyntaxUID = ImplicitVRLittleEndian
    buffer = pydicom.filebase.DicomBytesIO()
    buffer.is_implicit_VR = True
    buffer.is_little_endian = True
    pydicom.filewriter.write_dataset(buffer, out)  # no preamble, no meta
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())
    return path


def jpeg_baseline(ds: Dataset) -> Dataset:
    """``ds`` (8-bit) encoded as JPEG Baseline with Pillow, encapsulated by pydicom."""
    from PIL import Image

    out = copy.deepcopy(ds)
    pixels = out.pixel_array.astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels, mode="L").save(buffer, format="JPEG", quality=95)
    out.PixelData = encapsulate([buffer.getvalue()])
    out["PixelData"].VR = "OB"
    out.BitsAllocated, out.BitsStored, out.HighBit = 8, 8, 7
    out.PixelRepresentation = 0
    out.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    out.LossyImageCompression = "01"
    return out


def htj2k(ds: Dataset) -> Dataset:
    """``ds`` J2K-encoded (openjpeg), labelled High-Throughput JPEG 2000 Lossless (its
    decoder reads J2K codestreams)."""
    out = copy.deepcopy(ds)
    out.compress(JPEG2000Lossless, generate_instance_uid=False)
    out.file_meta.TransferSyntaxUID = HTJ2KLossless
    return out


def rle(ds: Dataset) -> Dataset:
    out = copy.deepcopy(ds)
    out.compress(RLELossless, generate_instance_uid=False)
    return out


def enhanced(datasets: list[Dataset]) -> Dataset:
    return enhanced_mr(datasets)


def new_uid() -> str:
    return str(generate_uid())


Mutation = Callable[[list[Dataset]], None]
