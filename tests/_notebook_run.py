"""Run a notebook with papermill (real kernel) and return the outputs of all its cells."""
from __future__ import annotations

import json
from pathlib import Path


def run_notebook(notebook: Path, out: Path, parameters: dict, cwd: Path | None = None) -> list[dict]:
    import papermill

    # a cell that never answers fails the test instead of hanging the run
    papermill.execute_notebook(str(notebook), str(out), kernel_name="python3", parameters=parameters,
                               progress_bar=False, cwd=str(cwd) if cwd else None, execution_timeout=300)
    nb = json.loads(Path(out).read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"], "a cell raised"
    return outputs
