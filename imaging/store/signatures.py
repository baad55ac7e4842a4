"""Signed reads: a reader's signature on one revision of a reading, kept in the audit chain.

A signature is an audit entry (:attr:`AuditAction.SIGN`) naming the signer, the UTC time, the
meaning of the signature and the signed revision, with the signed content as its ``new`` value:
it is hash-chained like every change, so it cannot be altered, removed or moved to other content
without ``verify`` reporting it. A signed revision changes only through a new revision that
gives a reason; the new revision is unsigned until signed again.

References
----------
.. [1] US FDA. 21 CFR Part 11.50 (signature manifestations: printed name of the signer, date
   and time, and meaning such as review, approval or authorship) and 11.70 (signatures linked
   to their records so they cannot be excised, copied or transferred).
"""

from __future__ import annotations

from dataclasses import dataclass

from imaging.store.audit import AuditAction, AuditEntry, SignatureMeaning

__all__ = ["Signature", "SignatureMeaning", "signature_of"]


@dataclass(frozen=True)
class Signature:
    """One signature on one revision of a reading.

    Parameters
    ----------
    reading_id : str
        The reading.
    revision : int
        The signed revision.
    signer : str
        Who signed.
    meaning : SignatureMeaning
        What the signature attests.
    signed_at : str
        UTC time, ISO 8601.
    seq : int
        The audit entry that holds the signature.
    hash : str
        That entry's chained hash.
    """

    reading_id: str
    revision: int
    signer: str
    meaning: SignatureMeaning
    signed_at: str
    seq: int
    hash: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "meaning", SignatureMeaning(self.meaning))

    def __str__(self) -> str:
        return f"{self.meaning} by {self.signer} at {self.signed_at} (r{self.revision})"


def signature_of(entry: AuditEntry) -> Signature:
    """Return the signature an audit entry of action ``sign`` records.

    Raises
    ------
    ValueError
        If the entry is not a signature, or its meaning is unknown.
    """
    if entry.action != AuditAction.SIGN or entry.revision is None:
        raise ValueError(f"audit #{entry.seq} ({entry.action}) is not a signature")
    return Signature(
        entry.reading_id,
        entry.revision,
        entry.actor,
        SignatureMeaning(entry.reason or ""),
        entry.at,
        entry.seq,
        entry.hash,
    )
