"""Manifests and command-line paths become source specs; bad manifests fail in one line."""

from pathlib import Path

import pytest

from ingest.manifest import load_manifest, source_id_for, specs_from_args
from ingest.problems import SourceError


def test_source_ids_come_from_file_and_folder_names(tmp_path):
    (tmp_path / "bchd-baltimore").mkdir()
    assert source_id_for(tmp_path / "cip_mvp.json") == "cip-mvp"
    assert source_id_for(tmp_path / "bchd-baltimore") == "bchd-baltimore"
    assert source_id_for(tmp_path / "aasanjose.test.json") == "aasanjose"


def test_a_manifest_gives_paths_relative_to_itself(tmp_path):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(
        '[[sources]]\nid = "beds"\npath = "beds.csv"\nmapping = "beds.toml"\n'
        'snapshot = "partial"\nfellowship = "al-anon"\ntimezone = "America/Edmonton"\n'
        '[sources.facts]\naccepts_moud = "yes"\n'
    )
    [spec] = load_manifest(manifest)
    assert (spec.id, spec.path, spec.mapping) == (
        "beds",
        tmp_path / "beds.csv",
        tmp_path / "beds.toml",
    )
    assert (spec.snapshot, spec.facts, spec.fellowship, spec.timezone) == (
        "partial",
        {"accepts_moud": "yes"},
        "al-anon",
        "America/Edmonton",
    )
    assert specs_from_args([manifest]) == [spec]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[sources]]\nid = "a"\n', "every source needs an id and a path"),
        ('[[sources]]\nid = "a"\npath = "a"\nformat = "xml"\n', "format 'xml' is not one of"),
        (
            '[[sources]]\nid = "a"\npath = "a"\n[sources.facts]\nmoud = "yes"\n',
            "facts must map attribute codes",
        ),
        ('[[sources]]\nid = "a"\npath = "a"\nsnapshot = "some"\n', "snapshot must be"),
        ('[[sources]]\nid = "a"\npath = "a"\ntimezone = "PST"\n', "not an IANA time zone"),
        ('[[sources]]\nid = "a"\npath = "a"\nmaping = "x"\n', "unknown keys ['maping']"),
        ('[[sources]]\nid = "a"\npath = "a"\nmax_shrink = 20\n', "max_shrink must be a share"),
        ('[[sources]]\nid = "a"\npath = "a"\nmax_shrink = "20%"\n', "max_shrink must be a share"),
        (
            '[[sources]]\nid = "a"\npath = "a"\n[[sources]]\nid = "a"\npath = "b"\n',
            "source ids repeat",
        ),
        ("[[sources]\n", "cannot be read"),
    ],
)
def test_bad_manifests_fail_naming_the_problem(tmp_path, body, message):
    manifest = tmp_path / "manifest.toml"
    manifest.write_text(body)
    with pytest.raises(SourceError, match=message.replace("[", r"\[").replace("(", r"\(")):
        load_manifest(manifest)


def test_one_source_id_names_one_path():
    with pytest.raises(SourceError, match="--source-id names one source"):
        specs_from_args([Path("a.json"), Path("b.json")], source_id="x")
