"""`get_file`: download a file once, keep it in a cache, check its hash: as `keras.utils.get_file`.

The cache lives in `$LEARNKERAS_HOME`, else `$KERAS_HOME`, else `~/.keras`
(so a file real Keras already downloaded, such as `~/.keras/datasets/mnist.npz`,
is reused), under `cache_subdir` (`"datasets"` by default).
"""

from __future__ import annotations

import hashlib
import http.client
import inspect
import os
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import warnings
import zipfile

__all__ = ["get_file", "hash_file", "validate_file", "extract_archive", "keras_home", "DownloadError"]

_TIMEOUT = 60  # seconds without any data before a download gives up (urllib's default is forever)


class DownloadError(OSError, RuntimeError):
    """A download failed (no network, unknown host, HTTP error). Both an `OSError` and a `RuntimeError`."""


def keras_home() -> str:
    """The cache root: `$LEARNKERAS_HOME`, else `$KERAS_HOME` (as Keras), else `~/.keras`."""
    for variable in ("LEARNKERAS_HOME", "KERAS_HOME"):
        if os.environ.get(variable):
            return os.environ[variable]
    return os.path.join(os.path.expanduser("~"), ".keras")


def get_file(
    fname: str | None = None,
    origin: str | None = None,
    untar: bool = False,
    md5_hash: str | None = None,
    file_hash: str | None = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str | list | None = "auto",
    cache_dir: str | os.PathLike | None = None,
    force_download: bool = False,
) -> str:
    """Download `origin` into the cache unless a good copy is already there; return its local path.

    Args:
        fname: local file name (default: the last part of `origin`'s path).
            With `extract=True`, also names the extraction directory.
        origin: the URL.
        untar: deprecated, same as `extract=True, archive_format="tar"`.
        md5_hash: deprecated, same as `file_hash=..., hash_algorithm="md5"`.
        file_hash: the expected sha256 (or md5) hex digest. A cached file with
            another hash is downloaded again; a downloaded file with another
            hash is deleted and a ValueError raised.
        cache_subdir: folder under the cache root (an absolute path is used as is).
        hash_algorithm: `"sha256"`, `"md5"`, or `"auto"` (64 hex digits mean sha256).
        extract: extract a tar or zip archive and return the extraction directory.
        archive_format: `"auto"` (tar then zip), `"tar"`, `"zip"`, or None.
        cache_dir: the cache root (default: see `keras_home`).
        force_download: download even when the cache holds a good copy.

    Returns:
        The path of the file (or of the extraction directory with `extract=True`).

    Raises:
        DownloadError: the download failed; the message says the URL, the
            reason, and the exact path where you can put the file by hand.
        ValueError: bad arguments, or the downloaded file's hash is wrong.

    Example (not a doctest: it downloads)::

        path = get_file("mnist.npz", origin="https://storage.googleapis.com/tensorflow/tf-keras-datasets/mnist.npz")
    """
    if origin is None:
        raise ValueError('get_file: please specify the "origin" argument (the URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    datadir_base = os.path.expanduser(os.fspath(cache_dir if cache_dir is not None else keras_home()))
    _try_makedirs(datadir_base)
    if not os.access(datadir_base, os.W_OK):  # as Keras: fall back to a writable temporary folder
        datadir_base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(datadir_base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    fname = os.fspath(fname) if fname else os.path.basename(urllib.parse.urlsplit(origin).path)
    if not fname:
        raise ValueError(f"get_file: can't parse the file name from origin={origin!r}; pass fname=... too.")
    if os.sep in fname:
        raise ValueError(
            "get_file: paths are not accepted as `fname` (as in Keras 3); pass a file name and choose the "
            f"folder with `cache_dir`. Received: fname={fname}"
        )

    extraction_dir = None
    download_target = os.path.join(datadir, fname)
    if extract or untar:  # Keras 3's naming: "x.tar.gz" -> x_extracted/, "x" -> x/ (archive kept as x_archive)
        if "." in fname:
            extraction_dir = os.path.join(datadir, fname[: fname.find(".")] + "_extracted")
        else:
            extraction_dir = os.path.join(datadir, fname)
            download_target = os.path.join(datadir, fname + "_archive")

    download = force_download or not os.path.exists(download_target)
    if not download and file_hash is not None and not validate_file(download_target, file_hash, hash_algorithm):
        print(
            "A local file was found, but it seems to be incomplete or outdated because the "
            f"{hash_algorithm} file hash does not match the original value of {file_hash} so we will "
            "re-download the data."
        )
        download = True
    if download:
        print(f"Downloading data from {origin}")
        _download(origin, download_target, file_hash, hash_algorithm)

    if extraction_dir is not None:
        if not extract_archive(download_target, extraction_dir, "tar" if untar else archive_format):
            warnings.warn(f"get_file: could not extract {download_target} as an archive.", stacklevel=2)
        return extraction_dir
    return download_target


def _try_makedirs(path: str) -> None:
    try:
        os.makedirs(path, exist_ok=True)
    except OSError:  # not creatable: the os.access check that follows picks the fallback folder
        pass


def _download(origin: str, target: str, file_hash: str | None, algorithm: str) -> None:
    """Stream `origin` into a temporary file next to `target`, check the hash, then rename.

    Renaming only a complete, verified file means an interrupted or corrupt
    download never replaces (or poses as) a good cached copy.
    """
    hasher = _resolve_hasher(algorithm, file_hash)
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(target), prefix=os.path.basename(target) + ".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(origin, timeout=_TIMEOUT) as response:
                    for block in iter(lambda: response.read(1 << 16), b""):
                        out.write(block)
                        hasher.update(block)
            except urllib.error.HTTPError as error:
                raise _download_error(origin, target, file_hash, hasher.name, f"{error.code} -- {error.msg}") from error
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                reason = getattr(error, "reason", error)
                raise _download_error(origin, target, file_hash, hasher.name, f"{reason}") from error
        if file_hash is not None and hasher.hexdigest() != str(file_hash):
            raise ValueError(
                f"get_file: incomplete or corrupted file downloaded from {origin}. The {hasher.name} file hash "
                f"{hasher.hexdigest()} does not match the provided value of {file_hash}. The file was deleted; "
                "check the URL and the hash."
            )
        os.replace(partial, target)
    except BaseException:  # including KeyboardInterrupt: never leave a partial file behind
        if os.path.exists(partial):
            os.remove(partial)
        raise


def _download_error(origin: str, target: str, file_hash: str | None, algorithm: str, reason: str) -> DownloadError:
    check = f" (its {algorithm} hash must be {file_hash})" if file_hash else ""
    return DownloadError(
        f"URL fetch failure on {origin}: {reason}. If this machine is offline, download the file elsewhere "
        f"and place it at {target}{check}; get_file will then use it without downloading."
    )


def _resolve_hasher(algorithm: str, file_hash: str | None = None):
    """As Keras: md5 when asked, or for "auto" with a hash that is not 64 hex digits; sha256 otherwise."""
    if algorithm == "md5" or (algorithm == "auto" and file_hash is not None and len(file_hash) != 64):
        return hashlib.md5()
    if algorithm not in ("sha256", "auto"):
        raise ValueError(f"get_file: hash_algorithm must be 'sha256', 'md5' or 'auto'; received {algorithm!r}.")
    return hashlib.sha256()


def hash_file(fpath: str | os.PathLike, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The sha256 (or md5) hex digest of a file, read in chunks."""
    hasher = _resolve_hasher(algorithm) if isinstance(algorithm, str) else algorithm
    with open(fpath, "rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):
            hasher.update(chunk)
    return hasher.hexdigest()


def validate_file(fpath: str | os.PathLike, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535) -> bool:
    """Whether the file's hash equals `file_hash` (sha256 or md5, see `get_file`)."""
    return hash_file(fpath, _resolve_hasher(algorithm, file_hash), chunk_size) == str(file_hash)


def extract_archive(file_path: str, path: str = ".", archive_format: str | list | None = "auto") -> bool:
    """Extract a tar (.tar, .tar.gz, .tar.bz2) or zip archive into `path`; False if it is neither.

    Members that would land outside `path` (absolute paths, `..`, links out)
    are refused, as in Keras.
    """
    if not archive_format:
        return False
    formats = (
        ["tar", "zip"]
        if archive_format == "auto"
        else [archive_format]
        if isinstance(archive_format, str)
        else archive_format
    )
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as archive:
                # filter="data" (Python >= 3.10.12 / 3.11.4) also refuses links out and device files.
                safe = {"filter": "data"} if "filter" in inspect.signature(archive.extractall).parameters else {}
                archive.extractall(path, members=_safe_members(archive.getmembers(), path), **safe)
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                archive.extractall(path, members=_safe_members(archive.infolist(), path))
            return True
        if kind not in ("tar", "zip"):
            raise ValueError(f"extract_archive: archive_format must be 'tar', 'zip' or 'auto'; received {kind!r}.")
    return False


def _safe_members(members, base: str):
    base = os.path.realpath(base)
    for member in members:
        name = getattr(member, "name", None) or member.filename
        target = os.path.realpath(os.path.join(base, name))
        if os.path.commonpath([target, base]) == base:
            yield member
        else:
            warnings.warn(f"Skipping invalid path during archive extraction: {name!r}.", stacklevel=3)
