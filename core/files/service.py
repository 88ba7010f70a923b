"""Uploaded files: plan documents, ledgers and evidence photos.

The bytes are stored once per content under FILES_DIR/ab/cd/<sha256>; every upload is its
own `StoredFile` row (name, tenant, uploader). An upload that fails leaves nothing behind:
no row, no temporary file and no blob that no row refers to. A blob only becomes permanent
when the transaction that added its row commits (see the session hooks at the end).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import tempfile
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from core.audit import service as audit
from core.auth.service import display_names
from core.context import ServiceContext
from core.errors import NotFound, PermissionDenied, TooLarge, ValidationFailed, refuse
from core.files.models import StoredFile
from core.files.sniff import (
    KINDS,
    ZIP_SIGNATURE,
    Sniffed,
    extension_of,
    file_error,
    sniff,
    zip_entries,
)
from tenants.models import Tenant

log = logging.getLogger(__name__)

MiB = 1024 * 1024
CHUNK = 64 * 1024
UPLOAD_ROLES = ("admin", "reviewer", "officer")
INLINE_KINDS = frozenset({"pdf", "jpg", "png"})  # browsers show these themselves
NAME_MAX = 200
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_PENDING = "anjian.files.pending"


def init_files(app) -> None:  # noqa: ANN001
    """Called by the app factory: one FileStore per app, in its House."""
    house = app.extensions["anjian"]
    house.files = FileStore(app.config["FILES_DIR"], app.config["MAX_UPLOAD_MB"] * MiB)
    app.extensions["anjian.files"] = house.files


# ---------------------------------------------------------------------------- names and sizes

def human_size(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    for unit in ("KB", "MB", "GB"):
        n /= 1024
        if n < 1024 or unit == "GB":
            return f"{n:.1f} {unit}".replace(".0 ", " ")
    return f"{n:.1f} GB"  # pragma: no cover


def _limit_label(max_bytes: int) -> str:
    return f"{max_bytes // MiB} MB" if max_bytes % MiB == 0 else human_size(max_bytes)


_FORBIDDEN = set('<>:"|?*')


def clean_name(name: str | None) -> str:
    """A file name that is safe to store and to offer for download: the last path component
    only, no control or invisible formatting characters (e.g. the right-to-left override
    used to disguise "exe" endings), no characters Windows refuses; Chinese stays as is."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join("_" if ch in _FORBIDDEN else ch for ch in name
                   if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if len(name) > NAME_MAX:
        ext = extension_of(name) or ""
        name = name[:NAME_MAX - len(ext)].rstrip() + ext
    return name


def download_name(f: StoredFile) -> str:
    """The stored name, with the extension of its type added when the name has none."""
    name = clean_name(f.original_name) or "文件"
    if extension_of(name) is None:
        name += KINDS[f.kind].extension
    return name


# ---------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class FileInfo:
    """A file with the names a reader needs (its unit, its uploader)."""

    id: int
    tenant_id: int
    tenant_name: str
    original_name: str
    kind: str
    content_type: str
    size: int
    sha256: str
    uploaded_by: int | None
    uploaded_by_name: str
    created_at: datetime

    @property
    def kind_label(self) -> str:
        return KINDS[self.kind].label

    @property
    def size_label(self) -> str:
        return human_size(self.size)

    @property
    def inline_ok(self) -> bool:
        return self.kind in INLINE_KINDS


@dataclass(frozen=True)
class FilePage:
    items: list[FileInfo]
    total: int


def upload_refusal(ctx: ServiceContext) -> PermissionDenied | None:
    """Why the caller may not upload (viewers may not); None when it may."""
    return ctx.refusal(*UPLOAD_ROLES, message="只读用户不能上传文件")


def get_file(ctx: ServiceContext, file_id: int) -> StoredFile:
    """A visible file; another tenant's file is NotFound (the tenant scoping filters it)."""
    ctx.require()
    # A SELECT (not session.get) so the scope applies even when the row is already loaded.
    f = ctx.session.scalar(select(StoredFile).where(StoredFile.id == file_id))
    if f is None:
        raise NotFound("文件不存在或无权访问")
    return f


def list_files(ctx: ServiceContext, *, tenant_id: int | None = None, kind: str | None = None,
               q: str | None = None, limit: int = 50, offset: int = 0) -> FilePage:
    """Visible files, newest first."""
    ctx.require()
    stmt = select(StoredFile, Tenant.name).join(Tenant, Tenant.id == StoredFile.tenant_id)
    if tenant_id:
        stmt = stmt.where(StoredFile.tenant_id == tenant_id)
    if kind:
        stmt = stmt.where(StoredFile.kind == kind)
    if q:
        stmt = stmt.where(StoredFile.original_name.contains(q, autoescape=True))
    total = ctx.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = ctx.session.execute(stmt.order_by(StoredFile.created_at.desc(), StoredFile.id.desc())
                               .limit(limit).offset(offset)).all()
    names = _uploader_names(ctx, {f.uploaded_by for f, _ in rows})
    return FilePage([_info(f, tname, names) for f, tname in rows], total)


def file_info(ctx: ServiceContext, f: StoredFile) -> FileInfo:
    tname = ctx.session.scalar(select(Tenant.name).where(Tenant.id == f.tenant_id)) or ""
    return _info(f, tname, _uploader_names(ctx, {f.uploaded_by}))


def _uploader_names(ctx: ServiceContext, ids: set[int | None]) -> dict[int, str]:
    # A bureau reviewer may upload into an enterprise's records: the enterprise reads who.
    return display_names(ctx, ids)


def _info(f: StoredFile, tenant_name: str, names: dict[int, str]) -> FileInfo:
    return FileInfo(f.id, f.tenant_id, tenant_name, f.original_name, f.kind, f.content_type, f.size,
                    f.sha256, f.uploaded_by, names.get(f.uploaded_by, "") if f.uploaded_by else "",
                    f.created_at)


# ---------------------------------------------------------------------------- the store

@dataclass(frozen=True)
class _Received:
    path: Path
    sha256: str
    size: int


class FileStore:
    """Content-addressed storage under `root`; uploads above `max_bytes` are refused."""

    def __init__(self, root: str | os.PathLike, max_bytes: int):
        self.root = Path(root).resolve()
        self.max_bytes = int(max_bytes)

    @property
    def tmp_dir(self) -> Path:
        # Inside root so the final rename stays on one filesystem (atomic).
        return self.root / "tmp"

    def blob_path(self, sha256: str) -> Path:
        if not _SHA_RE.match(sha256 or ""):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / sha256[:2] / sha256[2:4] / sha256

    # ------------------------------------------------------------------ writing

    def store_upload(self, ctx: ServiceContext, stream: BinaryIO, filename: str,
                     allowed_kinds=None, *, tenant_id: int | None = None) -> StoredFile:  # noqa: ANN001
        """Receive, check and keep one upload. `allowed_kinds` (e.g. {"xlsx"}) narrows the
        accepted types; `tenant_id` files it under a unit the actor can see (default: the
        actor's own). Raises TooLarge (413), ValidationFailed (422), PermissionDenied."""
        refuse(upload_refusal(ctx))
        name = clean_name(filename)
        if not name:
            raise file_error("请选择要上传的文件")
        owner = self._owner(ctx, tenant_id)
        got = self._receive(stream, name)
        try:
            if got.size == 0:
                raise file_error(f"文件“{name}”是空文件，请重新选择")
            with open(got.path, "rb") as fh:
                found: Sniffed = sniff(fh, name, allowed_kinds)
        except BaseException:
            got.path.unlink(missing_ok=True)
            raise
        return self._keep(ctx, got, name, found.kind, found.content_type, owner, action="file.upload",
                          summary=f"上传文件“{name}”（{KINDS[found.kind].label}，{human_size(got.size)}）")

    def store_archive(self, ctx: ServiceContext, stream: BinaryIO, filename: str, allowed_kinds, *,  # noqa: ANN001
                      tenant_id: int | None = None, max_files: int = 2000) -> list[StoredFile]:
        """A ZIP of documents (a 剖析材料 from every employee): each file inside is kept as an
        upload of its own, checked by content like any other; the archive itself is not
        kept. Its directory is checked before anything is inflated, and no entry is inflated
        past the upload limit, so a bomb is refused whatever its headers claim."""
        refuse(upload_refusal(ctx))
        name = clean_name(filename)
        got = self._receive(stream, name)
        try:
            with open(got.path, "rb") as fh:
                if fh.read(4) != ZIP_SIGNATURE:
                    raise file_error(f"文件“{name}”不是 ZIP 压缩包")
                infos = [i for i in zip_entries(fh, name) if not i.is_dir() and not _skipped(i.filename)]
                if not infos:
                    raise file_error(f"压缩包“{name}”中没有文件")
                if len(infos) > max_files:
                    raise file_error(f"压缩包“{name}”中的文件过多（{len(infos)} 个，上限 {max_files} 个）")
                out = []
                with zipfile.ZipFile(fh) as z:
                    for info in infos:
                        with z.open(info) as member:
                            data = member.read(self.max_bytes + 1)
                        inner = _entry_name(info)
                        if len(data) > self.max_bytes:
                            raise TooLarge(f"压缩包中的“{inner}”过大：不得超过 {_limit_label(self.max_bytes)}",
                                           {"file": [f"压缩包中的“{inner}”过大"]})
                        out.append(self.store_upload(ctx, io.BytesIO(data), inner, allowed_kinds, tenant_id=tenant_id))
        except (zipfile.BadZipFile, EOFError, zlib.error):
            raise file_error(f"压缩包“{name}”已损坏，无法解压") from None
        except NotImplementedError:  # Deflate64, LZMA … : not what an office archiver writes by default
            raise file_error(f"压缩包“{name}”使用了不支持的压缩方式，请用常规 ZIP 压缩后重新上传") from None
        finally:
            got.path.unlink(missing_ok=True)
        return out

    def store_generated(self, ctx: ServiceContext, data: bytes, filename: str, kind: str, *,
                        tenant_id: int) -> StoredFile:
        """Keep a document the platform produced itself (a 备案登记表, a 补正告知书), filed
        under the unit it concerns. No upload checks: the bytes are ours."""
        name = clean_name(filename)
        got = self._receive(io.BytesIO(data), name)
        return self._keep(ctx, got, name, kind, KINDS[kind].content_type, tenant_id, action="file.generate",
                          summary=f"生成文书“{name}”（{human_size(got.size)}）")

    def _keep(self, ctx: ServiceContext, got: _Received, name: str, kind: str, content_type: str, tenant_id: int, *,
              action: str, summary: str) -> StoredFile:
        """The received bytes as a file row (audited) and at their content address."""
        try:
            row = StoredFile(tenant_id=tenant_id, sha256=got.sha256, size=got.size, kind=kind,
                             content_type=content_type, original_name=name, uploaded_by=ctx.actor.user_id)
            ctx.session.add(row)
            ctx.session.flush()
            audit.record(ctx, action, "file", row.id, summary,
                         payload={"sha256": got.sha256, "size": got.size, "kind": kind, "name": name},
                         tenant_id=tenant_id)
            self._place(ctx.session, got)
        except BaseException:
            got.path.unlink(missing_ok=True)
            raise
        return row

    def _owner(self, ctx: ServiceContext, tenant_id: int | None) -> int:
        if tenant_id is None:
            if ctx.actor.tenant_id is None:
                raise _tenant_error("请指定文件所属单位")
            return ctx.actor.tenant_id
        found = ctx.session.scalar(select(Tenant.id).where(Tenant.id == tenant_id))
        if found is None:
            raise _tenant_error("所属单位不存在或无权访问")
        return found

    def _receive(self, stream: BinaryIO, name: str) -> _Received:
        """Stream to a temporary file while hashing and counting; never more than
        max_bytes + one chunk is read."""
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.tmp_dir, prefix="upload-")
        path = Path(tmp)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise TooLarge(f"文件过大：不得超过 {_limit_label(self.max_bytes)}",
                                       {"file": [f"文件“{name}”过大：不得超过 {_limit_label(self.max_bytes)}"]})
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return _Received(path, digest.hexdigest(), size)

    def _place(self, session: Session, got: _Received) -> None:
        """Move the upload to its content address. When the blob already exists the upload
        is kept as a spare until commit, in case a failing transaction that created the blob
        removes it meanwhile."""
        target = self.blob_path(got.sha256)
        target.parent.mkdir(parents=True, exist_ok=True)
        created = _link_new(got.path, target)
        if created:
            got.path.unlink(missing_ok=True)
        session.info.setdefault(_PENDING, []).append(
            _Pending(target, got.sha256, got.size, None if created else got.path))

    # ------------------------------------------------------------------ reading

    def open_blob(self, ctx: ServiceContext, file_id: int) -> tuple[StoredFile, Path]:
        """A visible file and the path of its bytes."""
        f = get_file(ctx, file_id)
        path = self.blob_path(f.sha256)
        if not path.is_file():
            log.error("blob missing for file %s (%s)", f.id, f.sha256)
            raise NotFound("文件内容缺失，请联系系统管理员")
        return f, path


def _entry_name(info: zipfile.ZipInfo) -> str:
    """An entry's own file name: archives made on Chinese Windows store GBK names without
    the UTF-8 flag, which zipfile reads as cp437."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gbk")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return clean_name(name.replace("\\", "/").rsplit("/", 1)[-1])


def _skipped(name: str) -> bool:
    """What archivers add beside the files: macOS resource forks, hidden files."""
    return name.startswith("__MACOSX/") or name.replace("\\", "/").rsplit("/", 1)[-1].startswith(".")


def _tenant_error(message: str) -> ValidationFailed:
    return ValidationFailed({"tenant_id": [message]}, message=message)


def _link_new(src: Path, target: Path) -> bool:
    """Atomically create `target` from `src` unless it exists; True when created."""
    try:
        if target.exists() and target.stat().st_size == src.stat().st_size:
            return False
        os.link(src, target)  # refuses to overwrite: two writers cannot both "create"
        return True
    except FileExistsError:
        return False
    except OSError:
        # No hard links here (some network shares): a rename is still atomic.
        if target.exists():
            return False
        os.replace(src, target)
        return True


@dataclass(frozen=True)
class _Pending:
    target: Path
    sha256: str
    size: int
    spare: Path | None  # the upload itself when the blob already existed

    def committed(self) -> None:
        if self.spare is None:
            return
        if not (self.target.is_file() and self.target.stat().st_size == self.size):
            os.replace(self.spare, self.target)
        else:
            self.spare.unlink(missing_ok=True)

    def abandoned(self, session: Session) -> None:
        if self.spare is not None:
            self.spare.unlink(missing_ok=True)
            return
        # We created the blob; drop it unless some committed row already refers to it.
        # Checked on a fresh connection: this session's transaction is over.
        try:
            with session.get_bind().connect() as conn:
                refs = conn.scalar(select(func.count()).select_from(StoredFile.__table__)
                                   .where(StoredFile.__table__.c.sha256 == self.sha256))
        except Exception:  # noqa: BLE001 — when unsure keep the bytes: an orphan is harmless
            log.exception("could not check references of blob %s", self.sha256)
            return
        if not refs:
            self.target.unlink(missing_ok=True)


@event.listens_for(Session, "after_commit")
def _blobs_committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint: the outer transaction decides
        return
    for p in session.info.pop(_PENDING, []):
        try:
            p.committed()
        except OSError:
            log.exception("could not settle blob %s", p.sha256)


@event.listens_for(Session, "after_transaction_end")
def _blobs_abandoned(session: Session, transaction) -> None:  # noqa: ANN001
    if transaction.parent is not None:
        return
    for p in session.info.pop(_PENDING, []):  # still pending: rolled back or closed uncommitted
        try:
            p.abandoned(session)
        except OSError:
            log.exception("could not remove blob %s", p.sha256)
