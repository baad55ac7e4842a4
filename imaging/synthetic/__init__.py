"""Synthetic data: DICOM factories with known geometry, anatomical phantoms, cohorts.

Used to generate ``sample_dicoms/``, by the tests and by the benchmarks. Nothing here ever
contains patient data.
"""
