"""kg.files: staged, streamed files are the bytes a whole write gives, and a failure leaves nothing."""

from __future__ import annotations

import hashlib
import os

import pytest

from kg.files import StagedFiles, gzipped


def test_a_streamed_file_and_its_gzipped_copy_equal_the_whole_ones(tmp_path):
    data = b"".join(b"<http://example.org/s%d> <http://example.org/p> \"%d\" .\n" % (i, i * 7) for i in range(200_000))
    staged = StagedFiles(tmp_path)
    with staged.sink("x.nt", "x.nt.gz") as out:
        for start in range(0, len(data), 8191):  # the pieces pyoxigraph's serializer hands over
            out.write(data[start:start + 8191])
    assert not any((tmp_path / n).exists() for n in ("x.nt", "x.nt.gz")), "nothing in place before publish"
    staged.publish()
    assert (tmp_path / "x.nt").read_bytes() == data
    assert (tmp_path / "x.nt.gz").read_bytes() == gzipped(data)
    assert staged.digests["x.nt.gz"].sha256 == hashlib.sha256(gzipped(data)).hexdigest()
    assert staged.digests["x.nt"].size == len(data)
    assert oct(os.stat(tmp_path / "x.nt").st_mode & 0o777) == "0o644"


def test_discard_leaves_the_folder_as_it_was(tmp_path):
    (tmp_path / "old.txt").write_bytes(b"old")
    staged = StagedFiles(tmp_path)
    staged.add("new.txt", b"new")
    with pytest.raises(RuntimeError):
        with staged.sink("big.nt", "big.nt.gz") as out:
            out.write(b"x" * (3 << 20))
            raise RuntimeError("serializer failed")
    staged.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]
