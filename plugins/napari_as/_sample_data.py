"""Sample data contribution: the synthetic sample studies under File > Open Sample.

Each command loads one series of the first sample patient's baseline visit through the same
path as the reader (:func:`imaging.index.scan`, then the loaders), so the layers carry the
spacing as ``scale`` and the series summary and affine in ``layer.metadata["napari_as"]``.
The studies are synthetic (see ``sample_dicoms/README.md``): no patient data.
"""

from __future__ import annotations

from typing import Any

from imaging.examples import SampleKind, patients, series_path, visits

from ._reader import layer_data_for_series, scan_paths

__all__ = [
    "sample_layers",
    "sij_stir",
    "sij_stir_all_visits",
    "sij_t1",
    "spine_stir",
    "xr_cspine_lat",
    "xr_lspine_lat",
    "xr_pelvis_ap",
]


def sample_layers(
    kind: SampleKind | str, *, patient: str | None = None, visit: str | int = 0
) -> list[tuple[Any, ...]]:
    """Layer data of one sample series.

    Parameters
    ----------
    kind : SampleKind or str
        Which series (``"sij_stir"``, ``"xr_pelvis_ap"``...).
    patient : str, optional
        Sample patient id (default: the first).
    visit : str or int, optional
        Visit label or 0-based index (default: baseline).

    Returns
    -------
    list of tuple
        One ``(data, kwargs, "image")``.
    """
    patient = patient or patients()[0]
    series, skipped = scan_paths([series_path(patient, visit, kind)])
    if len(series) != 1:
        raise ValueError(
            f"sample {patient} {visit} {kind}: expected one series, found {len(series)} "
            f"({len(skipped)} files skipped)"
        )
    return [layer_data_for_series(series[0])]


def sij_stir() -> list[tuple[Any, ...]]:
    """Semicoronal SIJ STIR, baseline (SPARCC SIJ)."""
    return sample_layers(SampleKind.SIJ_STIR)


def sij_t1() -> list[tuple[Any, ...]]:
    """Semicoronal SIJ T1, baseline (SPARCC SSS)."""
    return sample_layers(SampleKind.SIJ_T1)


def spine_stir() -> list[tuple[Any, ...]]:
    """Sagittal spine STIR, baseline (SPARCC spine)."""
    return sample_layers(SampleKind.SPINE_STIR)


def xr_cspine_lat() -> list[tuple[Any, ...]]:
    """Lateral cervical spine radiograph, baseline (mSASSS)."""
    return sample_layers(SampleKind.XR_CSPINE_LAT)


def xr_lspine_lat() -> list[tuple[Any, ...]]:
    """Lateral lumbar spine radiograph, baseline (mSASSS)."""
    return sample_layers(SampleKind.XR_LSPINE_LAT)


def xr_pelvis_ap() -> list[tuple[Any, ...]]:
    """AP pelvis radiograph, baseline (modified New York)."""
    return sample_layers(SampleKind.XR_PELVIS_AP)


def sij_stir_all_visits() -> list[tuple[Any, ...]]:
    """The SIJ STIR of every visit of the first sample patient (for visit comparison)."""
    patient = patients()[0]
    return [
        layer
        for visit in visits(patient)
        for layer in sample_layers(SampleKind.SIJ_STIR, patient=patient, visit=visit)
    ]
