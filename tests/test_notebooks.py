"""The notebooks in notebooks/ run from a clean checkout (nbclient, the python3 kernel of this interpreter), so
they cannot rot; their outputs are not committed.

All notebooks execute at once, each in its own kernel (nbclient's async API), to keep the suite quick."""
import asyncio
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
EXPECTED = ["compare_fonts.ipynb", "inspect_specimen.ipynb"]
ALL = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))


def test_the_notebooks_are_there_without_outputs():
    assert set(EXPECTED) <= set(ALL)
    for name in ALL:
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        nbformat.validate(nb)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code and not any(c.outputs or c.execution_count for c in code), f"{name}: commit it without outputs"


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """name → (executed notebook, exception or None)."""
    out = tmp_path_factory.mktemp("notebooks")

    async def run(name):
        nb = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = NotebookClient(nb, timeout=180, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOKS)}})
        try:
            await client.async_execute()
            error = None
        except Exception as e:  # noqa: BLE001 - reported by the notebook's own test
            error = e
        nbformat.write(nb, out / name)  # the executed notebook, for a look after a failure
        return name, (nb, error)

    async def run_all():
        return dict(await asyncio.gather(*(run(name) for name in ALL)))

    return asyncio.run(run_all())


@pytest.mark.parametrize("name", ALL)
def test_notebook_runs(name, executed):
    nb, error = executed[name]
    if error is not None:
        raise error
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count for c in code)
    assert not [o for c in code for o in c.outputs if o.output_type == "error"]
    pictures = sum(1 for c in code for o in c.outputs if "image/png" in o.get("data", {}))
    assert pictures >= 3, f"{name}: only {pictures} pictures"
