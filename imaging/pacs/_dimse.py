"""DIMSE access (C-FIND, C-GET, C-STORE) through ``pynetdicom``.

C-GET is used rather than C-MOVE because it returns the instances on the association we opened:
no listening port and no registration of our AE title on the PACS are needed.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from pydicom.dataset import Dataset
from pydicom.uid import (
    JPEG2000,
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom import AE, build_role, evt
from pynetdicom.association import Association
from pynetdicom.sop_class import (  # type: ignore[attr-defined]
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    Verification,
)

from imaging.pacs._cache import InstanceCache
from imaging.pacs._client import PacsClient, received_problem
from imaging.pacs._config import PacsConfig
from imaging.pacs._models import QUERY_KEYS, InstanceInfo, StoreResult

__all__ = ["DimseClient"]

logger = logging.getLogger(__name__)

_PENDING = (0xFF00, 0xFF01)
_SUCCESS = 0x0000
# C-STORE warnings (PS3.4 Table B.2-1): coercion, elements discarded, data set mismatch.
_STORE_WARNINGS = (0x0001, 0xB000, 0xB006, 0xB007)
# Syntaxes a PACS may hold images in, each offered in a context of its own for C-GET.
_STORED_SYNTAXES = (
    RLELossless,
    JPEGLosslessSV1,
    JPEGLossless,
    JPEGLSLossless,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLSNearLossless,
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
)


class DimseClient(PacsClient):
    """A PACS reached over the DICOM upper layer (DIMSE).

    Parameters
    ----------
    config : PacsConfig
        A ``dicom://AETITLE@host:port`` configuration.

    References
    ----------
    .. [1] DICOM PS3.4 Annex C (Query/Retrieve service class: C-FIND, C-GET) and Annex B
       (Storage service class: C-STORE).
    .. [2] DICOM PS3.7 Section 9.1 (DIMSE-C services).
    """

    _find_name = "C-FIND"
    _get_name = "C-GET"

    def __init__(self, config: PacsConfig) -> None:
        super().__init__(config)

    def _ae(self) -> AE:
        ae = AE(ae_title=self.config.calling_aet)
        timeout = self.config.timeout
        ae.acse_timeout = timeout
        ae.dimse_timeout = timeout
        ae.network_timeout = timeout
        ae.connection_timeout = timeout
        return ae

    @contextmanager
    def _association(self, ae: AE, operation: str, **kwargs: Any) -> Iterator[Association]:
        assoc = ae.associate(
            self.config.host, self.config.port, ae_title=self.config.called_aet or "", **kwargs
        )
        if not assoc.is_established:
            if assoc.is_rejected:
                reason = "the PACS rejected the association (check the AE titles)"
            else:
                reason = self._why_not_established()
            raise self._error(operation, reason)
        try:
            yield assoc
        except (ValueError, RuntimeError) as exc:
            # pynetdicom raises these when the PACS accepted no presentation context for the
            # request (an unsupported query model or SOP class) or the association broke.
            raise self._error(operation, f"the PACS cannot serve the request ({exc})") from None
        finally:
            if assoc.is_established:
                assoc.release()

    def _why_not_established(self) -> str:
        """Tell "nobody listens" from "a peer that does not speak (in time)"."""
        # pynetdicom reports both as an aborted association; one plain TCP connect tells them apart.
        address = f"{self.config.host}:{self.config.port}"
        try:
            socket.create_connection(
                (self.config.host, self.config.port), timeout=min(self.config.timeout, 5)
            ).close()
        except OSError as exc:
            return f"cannot connect to {address} ({exc.strerror or exc})"
        return (
            f"{address} accepted the connection but no association was established within "
            f"{self.config.timeout:g} s (not a DICOM peer, overloaded, or it aborted)"
        )

    def _lost(self, assoc: Association, operation: str) -> None:
        if assoc.is_aborted or not assoc.is_established:
            raise self._error(
                operation,
                f"the connection was lost or no answer came within {self.config.timeout:g} s",
            )

    def echo(self) -> None:
        """Check the PACS answers a C-ECHO; raise :class:`PacsError` otherwise."""
        ae = self._ae()
        ae.add_requested_context(Verification)
        with self._association(ae, "C-ECHO") as assoc:
            status = assoc.send_c_echo()
            if not status or status.get("Status") != _SUCCESS:
                self._lost(assoc, "C-ECHO")
                raise self._error("C-ECHO", f"status {_status(status)}")

    def _find(
        self, level: str, filters: dict[str, str], *, limit: int | None = None
    ) -> list[Dataset]:
        operation = f"C-FIND at {level} level"
        query = Dataset()
        query.QueryRetrieveLevel = level
        for keyword in QUERY_KEYS[level]:
            setattr(query, keyword, "")
        for keyword, value in filters.items():
            setattr(query, keyword, value)
        ae = self._ae()
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        found: list[Dataset] = []
        with self._association(ae, operation) as assoc:
            for status, identifier in assoc.send_c_find(
                query, StudyRootQueryRetrieveInformationModelFind
            ):
                if not status:
                    self._lost(assoc, operation)
                    raise self._error(operation, "no valid answer")
                code = int(status.Status)
                if code in _PENDING:
                    if identifier is not None:
                        found.append(identifier)
                    if limit and len(found) >= limit:
                        assoc.send_c_cancel(
                            1, query_model=StudyRootQueryRetrieveInformationModelFind
                        )
                elif code != _SUCCESS and code != 0xFE00:  # 0xFE00: cancelled
                    raise self._error(operation, f"the PACS answered status {_status(status)}")
        return found

    def _fetch(
        self,
        study_uid: str,
        series_uid: str,
        instances: Sequence[InstanceInfo],
        cache: InstanceCache,
        stored: Callable[[str], None],
        *,
        whole_series: bool,
    ) -> None:
        operation = f"C-GET of series {series_uid}"
        wanted = {i.sop_instance_uid for i in instances}
        problems: list[str] = []

        def on_store(event: evt.Event) -> int:
            sop = str(getattr(event.request, "AffectedSOPInstanceUID", ""))
            try:
                ds = event.dataset
                ds.file_meta = event.file_meta
                problem = received_problem(ds, study_uid, series_uid, wanted)
                if problem is not None:
                    problems.append(problem)
                    return 0xA900  # data set does not match SOP class / refused
                # The encoded file (preamble, file meta, data set as sent): bytes as stored.
                cache.write_bytes(study_uid, series_uid, sop, bytes(event.encoded_dataset()))
            except (OSError, ValueError) as exc:
                problems.append(f"cannot cache {sop}: {exc}")
                return 0xA700  # out of resources
            stored(sop)
            return _SUCCESS

        sop_classes = sorted({i.sop_class_uid for i in instances if i.sop_class_uid})
        if not sop_classes:
            raise self._error(operation, "the C-FIND answer gave no SOP Class UID")
        ae = self._ae()
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
        # One presentation context per (SOP class, compressed syntax), besides the native
        # ones: the PACS accepts one syntax per context, and with all syntaxes in a single
        # context it picks the first (uncompressed) and transcodes. Separate contexts let it
        # send each instance as stored, so the cached copy is byte-identical.
        per_class = 1 + len(_STORED_SYNTAXES)
        if len(sop_classes) * per_class > 127:
            raise self._error(
                operation, f"{len(sop_classes)} SOP classes in one series: too many to negotiate"
            )
        for uid in sop_classes:
            ae.add_requested_context(UID(uid), [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
            for syntax in _STORED_SYNTAXES:
                ae.add_requested_context(UID(uid), [syntax])
        roles = [build_role(uid, scp_role=True) for uid in sop_classes]
        identifiers: list[Dataset] = []
        if whole_series:
            q = Dataset()
            q.QueryRetrieveLevel = "SERIES"
            q.StudyInstanceUID = study_uid
            q.SeriesInstanceUID = series_uid
            identifiers.append(q)
        else:
            for inst in instances:
                q = Dataset()
                q.QueryRetrieveLevel = "IMAGE"
                q.StudyInstanceUID = study_uid
                q.SeriesInstanceUID = series_uid
                q.SOPInstanceUID = inst.sop_instance_uid
                identifiers.append(q)
        with self._association(
            ae, operation, ext_neg=roles, evt_handlers=[(evt.EVT_C_STORE, on_store)]
        ) as assoc:
            for q in identifiers:
                final = None
                for status, _ in assoc.send_c_get(q, StudyRootQueryRetrieveInformationModelGet):
                    if not status:
                        self._lost(assoc, operation)
                        raise self._error(operation, "no valid answer")
                    final = status
                if problems:
                    raise self._error(operation, problems[0])
                code = int(final.Status) if final is not None else -1
                if code not in (_SUCCESS, 0xB000):
                    raise self._error(operation, f"the PACS answered status {_status(final)}")

    def _store(self, datasets: Sequence[Dataset]) -> StoreResult:
        operation = f"C-STORE of {len(datasets)} instance(s)"
        ae = self._ae()
        # One context per (SOP class, syntax): a context carries one accepted syntax, so
        # instances of one class stored in two syntaxes need two. Native data may also go as
        # the other little-endian syntax (pynetdicom re-encodes it); compressed data cannot.
        pairs: set[tuple[str, str]] = set()
        for ds in datasets:
            ts = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
            pairs.add((str(ds.SOPClassUID), str(ts or ExplicitVRLittleEndian)))
        if len(pairs) > 128:
            raise self._error(operation, "more than 128 presentation contexts needed")
        for sop_class, syntax in sorted(pairs):
            offered = [syntax]
            if not UID(syntax).is_compressed:
                offered += [
                    s for s in (ExplicitVRLittleEndian, ImplicitVRLittleEndian) if s != syntax
                ]
            ae.add_requested_context(sop_class, offered)
        stored: list[str] = []
        with self._association(ae, operation) as assoc:
            for ds in datasets:
                try:
                    status = assoc.send_c_store(ds)
                except (ValueError, AttributeError) as exc:
                    # pynetdicom refuses to send when the PACS accepted no presentation
                    # context for this SOP class and transfer syntax.
                    raise self._error(
                        operation, f"cannot send {ds.SOPInstanceUID}: {exc}"
                    ) from None
                if not status:
                    self._lost(assoc, operation)
                    raise self._error(operation, f"no answer for {ds.SOPInstanceUID}")
                code = int(status.Status)
                if code != _SUCCESS and code not in _STORE_WARNINGS:
                    raise self._error(
                        operation,
                        f"the PACS refused {ds.SOPInstanceUID} with status {_status(status)}",
                    )
                stored.append(str(ds.SOPInstanceUID))
        return StoreResult(stored=tuple(stored))


def _status(status: Dataset | None) -> str:
    if not status or "Status" not in status:
        return "(none)"
    text = f"{int(status.Status):#06x}"
    comment = status.get("ErrorComment")
    return f"{text} ({comment})" if comment else text
