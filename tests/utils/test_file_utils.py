"""get_file against a local HTTP server on 127.0.0.1 (no other host is ever contacted)."""

import hashlib
import http.server
import io
import os
import socket
import tarfile
import threading

import numpy as np
import pytest

from learnkeras.utils import get_file
from learnkeras.utils.file_utils import DownloadError, hash_file, keras_home, validate_file


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    """Never touch the real home, never go through a proxy."""
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "*")
    monkeypatch.setenv("LEARNKERAS_HOME", str(tmp_path / "home"))


class _Server:
    """Serves `files` (path -> bytes) and counts the requests per path."""

    def __init__(self, files):
        self.files = files
        self.requests: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404, "Not Found")
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):  # keep pytest output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _npz_bytes(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


@pytest.fixture
def server():
    data = _npz_bytes(x=np.arange(12, dtype=np.float32).reshape(3, 4))
    srv = _Server({"/files/data.npz": data, "/files/other.bin": b"other"})
    yield srv
    srv.close()


def _closed_port_url(name: str) -> str:
    with socket.socket() as s:  # bind then close: nothing listens on that port afterwards
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def test_download_then_cache_hit_without_second_request(server, tmp_path):
    data = server.files["/files/data.npz"]
    sha = hashlib.sha256(data).hexdigest()
    path = get_file("data.npz", origin=server.url + "/files/data.npz", file_hash=sha, cache_dir=tmp_path)
    assert path == os.path.join(tmp_path, "datasets", "data.npz")
    with np.load(path) as f:
        np.testing.assert_array_equal(f["x"], np.arange(12, dtype=np.float32).reshape(3, 4))
    assert server.requests == ["/files/data.npz"]

    again = get_file("data.npz", origin=server.url + "/files/data.npz", file_hash=sha, cache_dir=tmp_path)
    assert again == path
    assert server.requests == ["/files/data.npz"]  # the cached file's hash matched: no new request
    assert os.listdir(os.path.dirname(path)) == ["data.npz"]  # no temporary file left behind


def test_default_cache_dir_is_learnkeras_home_then_keras_home(server, monkeypatch, tmp_path):
    path = get_file(origin=server.url + "/files/other.bin")  # fname from the URL
    assert path == str(tmp_path / "home" / "datasets" / "other.bin")
    monkeypatch.delenv("LEARNKERAS_HOME")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "kh"))
    assert keras_home() == str(tmp_path / "kh")
    path = get_file("o.bin", origin=server.url + "/files/other.bin", cache_subdir="sub")
    assert path == str(tmp_path / "kh" / "sub" / "o.bin")
    with open(path, "rb") as f:
        assert f.read() == b"other"


def test_outdated_cached_file_is_downloaded_again(server, tmp_path, capsys):
    target = tmp_path / "datasets" / "other.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"stale")
    sha = hashlib.sha256(b"other").hexdigest()
    get_file("other.bin", origin=server.url + "/files/other.bin", file_hash=sha, cache_dir=tmp_path)
    assert target.read_bytes() == b"other"
    assert server.requests == ["/files/other.bin"]
    assert "does not match" in capsys.readouterr().out


def test_force_download_always_downloads(server, tmp_path):
    for _ in range(2):
        get_file("other.bin", origin=server.url + "/files/other.bin", cache_dir=tmp_path, force_download=True)
    assert server.requests == ["/files/other.bin"] * 2


def test_hash_mismatch_raises_and_leaves_no_file(server, tmp_path):
    with pytest.raises(ValueError, match="does not match the provided value of 0{64}"):
        get_file("data.npz", origin=server.url + "/files/data.npz", file_hash="0" * 64, cache_dir=tmp_path)
    assert os.listdir(tmp_path / "datasets") == []


def test_md5_hash_is_accepted(server, tmp_path):
    md5 = hashlib.md5(b"other").hexdigest()
    path = get_file("other.bin", origin=server.url + "/files/other.bin", md5_hash=md5, cache_dir=tmp_path)
    assert validate_file(path, md5) and hash_file(path, "md5") == md5
    assert hash_file(path) == hashlib.sha256(b"other").hexdigest()


def test_unreachable_url_names_url_reason_and_where_to_put_the_file(tmp_path):
    origin = _closed_port_url("mnist.npz")
    with pytest.raises(DownloadError) as info:
        get_file("mnist.npz", origin=origin, file_hash="a" * 64, cache_dir=tmp_path)
    message = str(info.value)
    assert origin in message
    assert "refused" in message.lower()
    assert str(tmp_path / "datasets" / "mnist.npz") in message
    assert "a" * 64 in message
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, OSError)
    assert os.listdir(tmp_path / "datasets") == []


def test_http_error_is_reported(server, tmp_path):
    with pytest.raises(DownloadError, match="404"):
        get_file("missing.bin", origin=server.url + "/files/missing.bin", cache_dir=tmp_path)


def test_failed_redownload_keeps_the_existing_file(tmp_path):
    target = tmp_path / "datasets" / "f.bin"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"old")
    with pytest.raises(DownloadError):
        get_file("f.bin", origin=_closed_port_url("f.bin"), file_hash="b" * 64, cache_dir=tmp_path)
    assert target.read_bytes() == b"old"


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="origin"):
        get_file("x.bin", cache_dir=tmp_path)
    with pytest.raises(ValueError, match="fname"):
        get_file(os.path.join("a", "b.bin"), origin="http://127.0.0.1:9/b.bin", cache_dir=tmp_path)


def test_extract_tar_archive(tmp_path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        payload = b"hello"
        info = tarfile.TarInfo("folder/a.txt")
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    srv = _Server({"/pack.tar.gz": buffer.getvalue()})
    try:
        path = get_file("pack.tar.gz", origin=srv.url + "/pack.tar.gz", extract=True, cache_dir=tmp_path)
    finally:
        srv.close()
    assert path == str(tmp_path / "datasets" / "pack_extracted")
    assert (tmp_path / "datasets" / "pack_extracted" / "folder" / "a.txt").read_bytes() == b"hello"
