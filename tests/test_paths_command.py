"""`kg paths FROM TO` on the real build: the terminal's evidence paths."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.cli import main


@pytest.fixture
def run(built, capsys):
    def run_paths(*args):
        code = main(["--build-dir", str(built.build_dir), "paths", *args])
        out, err = capsys.readouterr()
        return code, out, err
    return run_paths


def test_trump_to_kislyak_in_the_terminal(run):
    code, out, _ = run("Donald Trump", "Kislyak", "--limit", "2")
    assert code == 0
    assert out.startswith("15 paths from Donald Trump (person/donald-trump) to Sergey Kislyak")
    assert "1. 2 links, weakest link REPORTED" in out
    assert "--side two--> Sergey Kislyak [reported]" in out or "--recipient--> Sergey Kislyak [reported]" in out
    assert "(early May 2017; reported)" in out and "“" in out


def test_an_allegation_is_told_as_one(run):
    code, out, _ = run("person/eric-trump", "country/russia", "--limit", "2")
    assert code == 0 and "weakest link CLAIMED: rests on what is claimed, not established" in out
    assert "(only as a claim)" in out and "We have all the funding we need out of Russia." in out


def test_json_and_filters(run):
    code, out, _ = run("Jared Kushner", "FBI", "--format", "json", "--weakest", "reported", "--as-of", "2017")
    data = json.loads(out)
    assert code == 0 and data["weakest"] == "reported" and data["as_of"] == "2017"
    assert data["paths"][0]["nodes"][1]["id"] == "event/fbi-investigation-kushner"
    assert not any(p["hedged"] for p in data["paths"])


def test_bad_names_are_one_line_errors(run):
    code, out, err = run("Trump", "Kislyak")
    assert code == 2 and not out and err.startswith("kg paths: error: 'from': 'Trump' is ambiguous: ")
    assert "Donald Trump (person/donald-trump)" in err and "Traceback" not in err
    code, _, err = run("zzqqx", "Kislyak")
    assert code == 2 and "no entity matches 'zzqqx'" in err


def test_no_path_exits_1(run):
    code, out, _ = run("person/eric-trump", "person/sergey-kislyak", "--max-length", "1")
    assert code == 1 and out.startswith("0 paths")


def test_the_readme_example_is_what_the_command_prints(run):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    block = readme.split('$ .venv/bin/kg paths "Eric Trump" Russia --limit 2\n', 1)[1].split("```", 1)[0]
    code, out, _ = run("Eric Trump", "Russia", "--limit", "2")
    assert code == 0 and out == block
