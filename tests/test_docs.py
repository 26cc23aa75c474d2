"""The README stays true: its type mapping table matches the code."""

from __future__ import annotations

import re
from pathlib import Path

from crmlink.connectors.salesforce.describe import TYPE_MAP
from crmlink.wizard.mapping import KIND_TO_LOCAL

README = Path(__file__).resolve().parents[1] / "README.md"


def _mapping_rows(crm: str = "Salesforce") -> list[tuple[str, str, str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split(f"### Type mapping ({crm})", 1)[1].split("\n\n", 2)[1]
    rows = []
    for line in section.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        rows.append((cells[0], cells[1], cells[2]))
    return rows


def test_readme_lists_every_salesforce_type_with_its_kind():
    rows = _mapping_rows()
    assert {sf_type: kind for sf_type, kind, _ in rows} == {k: str(v) for k, v in TYPE_MAP.items()}


def test_readme_local_columns_match_the_mapping():
    for _, kind, column in _mapping_rows():
        local = KIND_TO_LOCAL.get(kind)
        if kind == "compound":
            assert local is None and column.startswith("its components")
        else:
            assert re.match(rf"{local}\b", column), (kind, column, local)


def test_readme_lists_every_hubspot_type_with_its_kind():
    from crmlink.connectors.hubspot.describe import TYPE_MAP as HUBSPOT

    rows = _mapping_rows("HubSpot")
    assert {hs_type: kind for hs_type, kind, _ in rows} == {k: str(v) for k, v in HUBSPOT.items()}


def test_readme_hubspot_columns_are_what_the_wizard_makes():
    from crmlink.connectors.hubspot.describe import remote_field
    from crmlink.wizard.mapping import local_type

    for hs_type, _, column in _mapping_rows("HubSpot"):
        native, _, field_type = hs_type.partition("/")
        raw = {"name": "p", "label": "P", "type": native, "fieldType": field_type, "options": []}
        local = local_type(remote_field(raw))
        assert local is not None
        shown = local.name + (f"({local.length})" if local.name == "string" else "")
        if local.name == "decimal":
            shown += f"({local.precision},{local.scale})"
        assert column.split(" ")[0].rstrip(":") == shown, (hs_type, column, local)


def test_readme_workflow_example_is_valid():
    from crmlink.workflow.loader import load_text

    text = README.read_text(encoding="utf-8")
    example = text.split("## Workflows: moving data", 1)[1].split("```yaml\n", 1)[1]
    workflow = load_text(example.split("```", 1)[0], "README.md")
    assert list(workflow.activities) == ["import", "save"]


def test_readme_workflow_example_is_the_example_file():
    """One workflow name, one definition: the README's snippet is the example file (two
    different workflows under one name once shared a cursor and lost rows)."""
    text = README.read_text(encoding="utf-8")
    example = text.split("## Workflows: moving data", 1)[1].split("```yaml\n", 1)[1]
    file = (README.parent / "examples" / "contacts-to-recipients.yaml").read_text("utf-8")
    assert example.split("```", 1)[0] == file[file.index("name: ") :]


def test_example_workflow_names_are_distinct():
    import yaml

    names = [
        yaml.safe_load(path.read_text("utf-8"))["name"]
        for path in sorted((README.parent / "examples").glob("*.yaml"))
    ]
    assert len(names) == len(set(names)), names
